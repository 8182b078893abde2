"""The escalation chain, driven by the sweep over deadline columns: officer -> head of agency -> MPP
manager -> regent's office, a breach against the responsible agency, nothing lost when a sweep dies
half-way, nothing done twice when two sweeps run at once. The clock is driven, never waited for."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from satupintu.complaints import service as complaints
from satupintu.complaints.models import BreachKind, Complaint, ComplaintBreach, ComplaintEvent, EventKind, Level
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.queue.service import as_utc
from satupintu.tenants.models import Tenant
from tests.complaints.conftest import complain, in_tenant, sweep
from tests.conftest import run

MONDAY_9_WIB = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # Banyuwangi opens 08:00-15:00 on Mondays


def _state(url: str, tracking: str) -> tuple[int, int, int]:
    """(level, escalation events, breaches) of one complaint."""
    async def work(session, _tenant):
        complaint = await session.scalar(select(Complaint).where(Complaint.tracking == tracking))
        escalations = await session.scalar(select(func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == EventKind.ESCALATED))
        breaches = await session.scalar(select(func.count()).select_from(ComplaintBreach).where(
            ComplaintBreach.complaint_id == complaint.id))
        return complaint.level, escalations, breaches

    return run(in_tenant(url, "banyuwangi", work))


def test_the_chain_moves_up_one_level_per_missed_deadline(database):
    complaint = run(complain(database.url, "banyuwangi", now=MONDAY_9_WIB, subject=complaints.Subject(
        service_code=_a_service(database.url))))
    due = as_utc(complaint.response_due_at)
    assert due == MONDAY_9_WIB + timedelta(hours=4)  # 13:00 WIB, inside Monday's hours
    assert run(sweep(database.url, now=due - timedelta(minutes=1))).escalated == 0
    assert _state(database.url, complaint.tracking) == (Level.OFFICER, 0, 0)
    assert run(sweep(database.url, now=due)).escalated == 1
    assert _state(database.url, complaint.tracking) == (Level.AGENCY_HEAD, 1, 1)
    assert run(sweep(database.url, now=due)).escalated == 0  # idempotent

    async def breach(session, _tenant):
        row = await session.scalar(select(ComplaintBreach).where(ComplaintBreach.complaint_id == complaint.id))
        return row.kind, row.agency_id

    assert run(in_tenant(database.url, "banyuwangi", breach)) == (BreachKind.RESPONSE, complaint.agency_id)
    assert complaint.agency_id is not None
    # a week later (and the sweeps in between lost): one run catches up to the top of the chain, once
    assert run(sweep(database.url, now=due + timedelta(days=7))).escalated == 2
    assert _state(database.url, complaint.tracking) == (Level.REGENT_OFFICE, 3, 1)
    assert run(sweep(database.url, now=due + timedelta(days=30))).escalated == 0


def test_an_answered_complaint_escalates_at_its_resolution_deadline(database):
    complaint = run(complain(database.url, "banyuwangi", now=MONDAY_9_WIB))

    async def answer(session, tenant):
        row = await session.get(Complaint, complaint.id)
        await complaints.respond(session, tenant, row, None, "Kami tindak lanjuti.", now=MONDAY_9_WIB + timedelta(hours=1))
        return row.resolve_due_at

    resolve_due = as_utc(run(in_tenant(database.url, "banyuwangi", answer)))
    assert run(sweep(database.url, now=resolve_due - timedelta(minutes=1))).escalated == 0
    assert run(sweep(database.url, now=resolve_due)).escalated == 1

    async def kinds(session, _tenant):
        return (await session.scalars(select(ComplaintBreach.kind).where(
            ComplaintBreach.complaint_id == complaint.id))).all()

    assert run(in_tenant(database.url, "banyuwangi", kinds)) == [BreachKind.RESOLUTION]


def test_a_sweep_killed_half_way_loses_nothing(database, monkeypatch):
    """The worker dies while escalating the second of three overdue complaints (after claiming it,
    before its commit): the first stays escalated, the second's claim rolls back, and the next run
    escalates the second and the third, each exactly once."""
    made = [run(complain(database.url, "banyuwangi", now=MONDAY_9_WIB)) for _ in range(3)]
    due = as_utc(made[0].response_due_at)
    real, calls = complaints.record_breach, []

    def dying(session, complaint, kind, due_at, now):
        calls.append(complaint.id)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(session, complaint, kind, due_at, now)

    monkeypatch.setattr(complaints, "record_breach", dying)
    with pytest.raises(SystemExit):
        run(sweep(database.url, now=due))
    assert [_state(database.url, c.tracking) for c in made] == [(1, 1, 1), (0, 0, 0), (0, 0, 0)]
    monkeypatch.setattr(complaints, "record_breach", real)
    assert run(sweep(database.url, now=due)).escalated == 2
    assert [_state(database.url, c.tracking) for c in made] == [(1, 1, 1)] * 3


def test_two_sweeps_at_once_escalate_once(pg_database):
    """PostgreSQL, two connections: the first sweep claims the step and holds its transaction open;
    the second, working on the same complaint, waits for the row, then finds the level moved."""
    url = pg_database.url
    complaint = run(complain(url, "banyuwangi", now=MONDAY_9_WIB))
    due = as_utc(complaint.response_due_at)

    async def race() -> tuple[bool, bool]:
        engine = make_engine(url)
        maker = make_sessionmaker(engine)
        try:
            async with tenant_session(maker, None) as session:
                tenant = await session.scalar(select(Tenant).where(Tenant.slug == "banyuwangi"))
            async with tenant_session(maker, tenant.id) as first:
                assert await complaints.due_escalations(first, now=due) == [complaint.id]
                won = await complaints.escalate(first, tenant, complaint.id, now=due)

                async def second() -> bool:
                    async with tenant_session(maker, tenant.id) as session:
                        return await complaints.escalate(session, tenant, complaint.id, now=due)

                other = asyncio.create_task(second())
                await _until_waiting_for_a_lock(engine)
                assert not other.done()
            return won, await other  # the first committed when its block ended
        finally:
            await engine.dispose()

    assert run(race()) == (True, False)
    assert _state(url, complaint.tracking) == (1, 1, 1)


async def _until_waiting_for_a_lock(engine, attempts: int = 400) -> None:
    """Until some backend waits for a row lock (the second sweep blocked on the first's UPDATE)."""
    for _ in range(attempts):
        async with engine.connect() as connection:
            waiting = await connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second sweep never waited for the first")


def _a_service(url: str) -> str:
    from satupintu.queue import service as queue

    async def work(session, _tenant):
        return (await queue.queue_services(session))[0][1][0].code

    return run(in_tenant(url, "banyuwangi", work))


def test_the_scheduler_runs_the_sweep(database, monkeypatch):
    """The scheduler's job escalates on the clock it reads; run twice, it escalates once."""
    from satupintu.benchmarks import schedule
    from satupintu.queue import service as queue

    complaint = run(complain(database.url, "banyuwangi", now=MONDAY_9_WIB))
    job = next(job for job in schedule.jobs(database.settings()) if job.id == "complaints-escalation")
    monkeypatch.setattr(queue, "clock", lambda: as_utc(complaint.response_due_at))
    job.run()
    job.run()
    assert _state(database.url, complaint.tracking) == (1, 1, 1)
