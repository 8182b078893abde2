"""Queue benchmark on PostgreSQL. Prints measurements of one run; nothing here is asserted by tests.

1. N client processes (BENCH_QUEUE_PROCESSES, default 8) each take BENCH_QUEUE_TICKETS tickets
   (default 250) for one service, so all of them contend for one counter group's number row:
   tickets per second, p50/p99 latency of taking one, and the duplicates and gaps found in the
   numbers afterwards. Goal: >= 500 tickets/s on a 2-core machine, 0 duplicates, 0 gaps.
   Printed with it: the machine's load average when the run starts (other work on the same cores
   slows every figure but the CPU ones), the statements each ticket sends, and the CPU time one
   ticket costs in the client processes and in their PostgreSQL backends (from /proc, when the
   server runs on this machine); the cores divided by that CPU is what the machine could do alone.
2. 30 operators (3 processes x 10 connections) call next at the same moment, repeatedly, on a line
   of 30 staffed counters: p50/p99 of one "call next", and whether any ticket was called twice.

Usage: ``.venv/bin/python bench/queue.py`` (SATUPINTU_BENCH_POSTGRES_URL as for bench/run.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would hide the standard
# library's ``queue`` (which multiprocessing needs), so it is taken off.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncio
import multiprocessing
import os
import statistics
import time
from collections import Counter as Tally
from datetime import datetime
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.run import bench_database  # noqa: E402
from sqlalchemy import select  # noqa: E402

from satupintu.db import make_engine, make_sessionmaker, tenant_session  # noqa: E402
from satupintu.queue import service as queue  # noqa: E402
from satupintu.queue.models import Ticket  # noqa: E402
from satupintu.tenants.models import Tenant  # noqa: E402
from tests.queue.conftest import staff_line  # noqa: E402 - the same staffed line as the tests

PROCESSES = int(os.environ.get("BENCH_QUEUE_PROCESSES", "8"))
TICKETS = int(os.environ.get("BENCH_QUEUE_TICKETS", "250"))
OPERATORS, OPERATOR_PROCESSES, ROUNDS = 30, 3, 5
MOMENT = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


async def _tenant(maker) -> Tenant:  # noqa: ANN001
    async with tenant_session(maker, None) as session:
        return await session.scalar(select(Tenant).where(Tenant.slug == "banyuwangi"))


async def _first_service(maker, tenant: Tenant) -> str:  # noqa: ANN001
    async with tenant_session(maker, tenant.id) as session:
        return (await queue.queue_services(session))[0][1][0].code


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (None when it is not on this machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _taker(url: str, code: str, barrier, out) -> None:  # noqa: ANN001
    from sqlalchemy import event

    async def main() -> tuple[list[float], int, float, float | None]:
        engine = make_engine(url, pool_size=1, max_overflow=0)
        maker = make_sessionmaker(engine)
        tenant = await _tenant(maker)
        async with engine.connect() as connection:  # the pool's one connection: the backend to measure
            backend = (await connection.exec_driver_sql("select pg_backend_pid()")).scalar()
        statements = 0

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def count(*_args) -> None:  # noqa: ANN002
            nonlocal statements
            statements += 1

        timings = []
        barrier.wait()
        cpu, server = time.process_time(), _cpu_seconds(backend)
        for _ in range(TICKETS):
            started = time.perf_counter()
            async with tenant_session(maker, tenant.id) as session:
                await queue.take_ticket(session, tenant, code, now=MOMENT, always_open=True)
            timings.append(time.perf_counter() - started)
        cpu, after = time.process_time() - cpu, _cpu_seconds(backend)
        await engine.dispose()
        return timings, statements, cpu, None if server is None or after is None else after - server

    out.put(asyncio.run(main()))


def _operators(url: str, counter_ids: list[int], barrier, out) -> None:  # noqa: ANN001
    from satupintu.agencies.models import Counter

    async def main() -> tuple[list[float], list[int]]:
        engine = make_engine(url, pool_size=len(counter_ids))
        maker = make_sessionmaker(engine)
        tenant = await _tenant(maker)

        async def call(counter_id: int) -> tuple[float, int | None]:
            started = time.perf_counter()
            async with tenant_session(maker, tenant.id) as session:
                counter = await session.get(Counter, counter_id)
                ticket = await queue.call_next(session, tenant, counter, now=MOMENT)
                if ticket is not None:  # free the counter for the next round
                    ticket.status = queue.TicketStatus.DONE
            return time.perf_counter() - started, ticket.id if ticket else None

        timings, called = [], []
        for _ in range(ROUNDS):
            barrier.wait()
            for seconds, ticket_id in await asyncio.gather(*(call(c) for c in counter_ids)):
                timings.append(seconds)
                called.append(ticket_id)
        await engine.dispose()
        return timings, called

    out.put(asyncio.run(main()))


async def _staff_line(url: str, size: int) -> list[int]:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    tenant = await _tenant(maker)
    async with tenant_session(maker, tenant.id) as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.day == MOMENT.date()).limit(1))
        ids = await staff_line(session, ticket.group_id, size, "B")
    await engine.dispose()
    return ids


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    context = multiprocessing.get_context("spawn")
    with bench_database("satupintu_bench_queue") as (_database, env):
        url = env["SATUPINTU_DATABASE_URL"]

        async def setup() -> str:
            engine = make_engine(url)
            maker = make_sessionmaker(engine)
            code = await _first_service(maker, await _tenant(maker))
            await engine.dispose()
            return code

        code = asyncio.run(setup())
        barrier, out = context.Barrier(PROCESSES + 1), context.Queue()
        workers = [context.Process(target=_taker, args=(url, code, barrier, out)) for _ in range(PROCESSES)]
        for worker in workers:
            worker.start()
        load = os.getloadavg()
        barrier.wait()
        started = time.perf_counter()
        results = [out.get() for _ in workers]
        elapsed = time.perf_counter() - started
        for worker in workers:
            worker.join()
        timings = [t for result in results for t in result[0]]
        statements = sum(result[1] for result in results) / len(timings)
        client_cpu = sum(result[2] for result in results) / len(timings)
        server_cpus = [result[3] for result in results]
        server_cpu = None if None in server_cpus else sum(server_cpus) / len(timings)

        async def numbers() -> list[int]:
            engine = make_engine(url)
            maker = make_sessionmaker(engine)
            tenant = await _tenant(maker)
            async with tenant_session(maker, tenant.id) as session:
                found = list((await session.scalars(select(Ticket.number).where(Ticket.day == MOMENT.date()))).all())
            await engine.dispose()
            return found

        given = asyncio.run(numbers())
        duplicates = sum(n - 1 for n in Tally(given).values() if n > 1)
        gaps = len(set(range(1, max(given) + 1)) - set(given))
        cores = os.cpu_count() or 1
        print(f"1. Taking tickets: {PROCESSES} processes x {TICKETS} tickets for one line on PostgreSQL")
        print(f"   load average at the start {load[0]:.2f} (1 min) {load[1]:.2f} (5 min) on {cores} cores")
        print(f"   {len(timings) / elapsed:7.1f} tickets/s   p50 {statistics.median(timings) * 1000:6.1f} ms   "
              f"p99 {_percentile(timings, 0.99) * 1000:6.1f} ms   duplicates {duplicates}   gaps {gaps}")
        cpu = client_cpu + (server_cpu or 0)
        print(f"   {statements:.1f} statements per ticket (BEGIN and COMMIT not counted)   CPU per ticket: "
              f"client {client_cpu * 1000:.2f} ms + PostgreSQL "
              + (f"{server_cpu * 1000:.2f} ms" if server_cpu is not None else "not measured (remote server)")
              + f"   -> {cores / cpu:.0f} tickets/s if this machine did nothing else")

        counters = asyncio.run(_staff_line(url, OPERATORS))
        barrier, out = context.Barrier(OPERATOR_PROCESSES), context.Queue()
        chunks = [counters[i::OPERATOR_PROCESSES] for i in range(OPERATOR_PROCESSES)]
        workers = [context.Process(target=_operators, args=(url, chunk, barrier, out)) for chunk in chunks]
        for worker in workers:
            worker.start()
        results = [out.get() for _ in workers]
        for worker in workers:
            worker.join()
        calls = [t for timings, _ in results for t in timings]
        called = [c for _, ids in results for c in ids if c is not None]
        print(f"2. Call next: {OPERATORS} operators at once, {ROUNDS} rounds")
        print(f"   p50 {statistics.median(calls) * 1000:6.1f} ms   p99 {_percentile(calls, 0.99) * 1000:6.1f} ms   "
              f"called {len(called)}   called twice {len(called) - len(set(called))}")


if __name__ == "__main__":
    main()
