"""Many processes take tickets at the same moment: every number is given once, none is skipped, and
a daily quota lets exactly its number of tickets through.

Separate processes (not threads or coroutines), each with its own connection pool, as several web
workers or pods would be; on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select

from satupintu.catalogue.models import TenantService
from satupintu.queue.models import ServiceQueueRule, Ticket
from tests import processes
from tests.conftest import run
from tests.queue.conftest import WIB, first_service, in_tenant, staff_line

PROCESSES = 8
PER_PROCESS = 25
QUOTA, QUOTA_TRIES = 10, 3  # per process: 24 tries at a quota of 10, in the same line
MOMENT = datetime(2027, 3, 1, 10, 0, tzinfo=WIB)


def _take_many(url: str, code: str, limited: str, barrier, results) -> None:  # noqa: ANN001 - multiprocessing
    from satupintu.queue import service as queue

    async def work(session, tenant):  # noqa: ANN001, ANN202
        return tenant

    async def main() -> tuple[list[int], list[int], int]:
        from satupintu.db import make_engine, make_sessionmaker, tenant_session

        tenant = await in_tenant(url, "banyuwangi", work)
        engine = make_engine(url)
        maker = make_sessionmaker(engine)
        numbers, within_quota, refused = [], [], 0
        barrier.wait()
        for n in range(PER_PROCESS):
            async with tenant_session(maker, tenant.id) as session:
                ticket = await queue.take_ticket(session, tenant, code, now=MOMENT, always_open=True)
                numbers.append(ticket.number)
            if n >= QUOTA_TRIES:
                continue
            try:
                async with tenant_session(maker, tenant.id) as session:
                    ticket = await queue.take_ticket(session, tenant, limited, now=MOMENT, always_open=True)
                    within_quota.append(ticket.number)
            except queue.QueueError as exc:
                assert exc.code == "quota_full"
                refused += 1
        await engine.dispose()
        return numbers, within_quota, refused

    results.put(asyncio.run(main()))


async def _services(session, _tenant) -> tuple[str, str]:  # noqa: ANN001
    """The first service, and another of its line with a daily quota of QUOTA."""
    code = await first_service(session)
    service = await session.scalar(select(TenantService).where(TenantService.code == code))
    other = await session.scalar(select(TenantService).where(
        TenantService.agency_id == service.agency_id, TenantService.code != code, TenantService.enabled.is_(True)))
    session.add(ServiceQueueRule(service_id=other.id, daily_quota=QUOTA))
    return code, other.code


def test_eight_processes_take_unique_gap_free_numbers_and_exactly_a_quota(database):
    code, limited = run(in_tenant(database.url, "banyuwangi", _services))
    made = processes.context()
    barrier = made.Barrier(PROCESSES)
    outcomes = processes.gather(made, _take_many, [(database.url, code, limited, barrier)] * PROCESSES, made.Queue())
    given = [number for numbers, within, _refused in outcomes for number in [*numbers, *within]]

    async def stored(session, _tenant):
        return (await session.execute(select(Ticket.number, Ticket.label).where(Ticket.day == MOMENT.date()))).all()

    rows = run(in_tenant(database.url, "banyuwangi", stored))
    total = PROCESSES * PER_PROCESS + QUOTA
    assert sum(len(within) for _numbers, within, _refused in outcomes) == QUOTA
    assert sum(refused for _numbers, _within, refused in outcomes) == PROCESSES * QUOTA_TRIES - QUOTA
    assert sorted(given) == list(range(1, total + 1))
    assert sorted(number for number, _label in rows) == list(range(1, total + 1))
    assert len({label for _number, label in rows}) == total


OPERATORS_PER_PROCESS = 10
OPERATOR_PROCESSES = 3


async def _staff_thirty_counters(session, tenant) -> list[int]:  # noqa: ANN001
    """Thirty more counters in one line, each staffed, and sixty people waiting in it."""
    from satupintu.queue import service as queue

    code = await first_service(session)
    for _ in range(60):
        ticket = await queue.take_ticket(session, tenant, code, now=MOMENT, always_open=True)
    return await staff_line(session, ticket.group_id, OPERATORS_PER_PROCESS * OPERATOR_PROCESSES)


def _call_at_once(url: str, counter_ids: list[int], barrier, results) -> None:  # noqa: ANN001
    from satupintu.agencies.models import Counter
    from satupintu.queue import service as queue

    async def main() -> list[tuple[int, int]]:
        from satupintu.db import make_engine, make_sessionmaker, tenant_session

        tenant = await in_tenant(url, "banyuwangi", lambda session, tenant: _identity(tenant))
        engine = make_engine(url, pool_size=len(counter_ids)) if url.startswith("postgresql") else make_engine(url)
        maker = make_sessionmaker(engine)

        async def operator(counter_id: int) -> tuple[int, int]:
            async with tenant_session(maker, tenant.id) as session:
                counter = await session.get(Counter, counter_id)
                ticket = await queue.call_next(session, tenant, counter, now=MOMENT)
                return counter_id, ticket.id

        barrier.wait()
        calls = await asyncio.gather(*(operator(c) for c in counter_ids))
        await engine.dispose()
        return calls

    results.put(asyncio.run(main()))


async def _identity(value):  # noqa: ANN001, ANN202
    return value


def test_thirty_operators_calling_at_once_never_get_the_same_ticket(database):
    counters = run(in_tenant(database.url, "banyuwangi", _staff_thirty_counters))
    made = processes.context()
    barrier = made.Barrier(OPERATOR_PROCESSES)
    chunks = [counters[i::OPERATOR_PROCESSES] for i in range(OPERATOR_PROCESSES)]
    calls = [call for outcome in processes.gather(made, _call_at_once, [(database.url, chunk, barrier) for chunk in chunks],
                                                  made.Queue()) for call in outcome]

    async def stored(session, _tenant):
        return (await session.execute(select(Ticket.id, Ticket.counter_id, Ticket.number, Ticket.status)
                                      .where(Ticket.day == MOMENT.date()).order_by(Ticket.number))).all()

    rows = run(in_tenant(database.url, "banyuwangi", stored))
    called = [row for row in rows if row.status.value == "called"]
    assert len(calls) == len(counters) == len({ticket for _c, ticket in calls}) == len(called)
    assert {(row.counter_id, row.id) for row in called} == set(calls)
    assert [row.number for row in called] == list(range(1, len(counters) + 1))  # first come, first called
