"""Many processes take tickets at the same moment: every number is given once, none is skipped.

Separate processes (not threads or coroutines), each with its own connection pool, as several web
workers or pods would be; on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import datetime

from sqlalchemy import select

from satupintu.queue.models import Ticket
from tests.conftest import run
from tests.queue.conftest import WIB, first_service, in_tenant

PROCESSES = 8
PER_PROCESS = 25
MOMENT = datetime(2027, 3, 1, 10, 0, tzinfo=WIB)


def _take_many(url: str, code: str, barrier, results) -> None:  # noqa: ANN001 - multiprocessing primitives
    from satupintu.queue import service as queue

    async def work(session, tenant):  # noqa: ANN001, ANN202
        return tenant

    async def main() -> list[int]:
        from satupintu.db import make_engine, make_sessionmaker, tenant_session

        tenant = await in_tenant(url, "banyuwangi", work)
        engine = make_engine(url)
        maker = make_sessionmaker(engine)
        numbers = []
        barrier.wait()
        for _ in range(PER_PROCESS):
            async with tenant_session(maker, tenant.id) as session:
                ticket = await queue.take_ticket(session, tenant, code, now=MOMENT, always_open=True)
                numbers.append(ticket.number)
        await engine.dispose()
        return numbers

    results.put(asyncio.run(main()))


def test_eight_processes_take_two_hundred_unique_gap_free_numbers(database):
    code = run(in_tenant(database.url, "banyuwangi", lambda session, tenant: first_service(session)))
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [context.Process(target=_take_many, args=(database.url, code, barrier, results))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    given = [number for _ in workers for number in results.get(timeout=300)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    async def stored(session, _tenant):
        return (await session.execute(select(Ticket.number, Ticket.label).where(Ticket.day == MOMENT.date()))).all()

    rows = run(in_tenant(database.url, "banyuwangi", stored))
    total = PROCESSES * PER_PROCESS
    assert sorted(given) == list(range(1, total + 1))
    assert sorted(number for number, _label in rows) == list(range(1, total + 1))
    assert len({label for _number, label in rows}) == total
