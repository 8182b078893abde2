"""Rollups are computed per regency through a session bound to it, hold aggregates only, are queued after a
change commits (never after a rollback), and are recomputed by the Dramatiq jobs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import dramatiq
import pytest
from sqlalchemy import delete, func, inspect as sa_inspect, select

from satupintu import jobs
from satupintu.agencies.models import Agency
from satupintu.benchmarks import indicators, rollups, triggers
from satupintu.benchmarks.indicators import INDICATORS
from satupintu.benchmarks.models import BenchmarkPoint, BenchmarkRollup, MonthlyOperations
from satupintu.benchmarks.tasks import refresh_all_rollups, refresh_tenant_rollup
from satupintu.catalogue.models import TenantService
from satupintu.catalogue.shared import load_catalogue
from satupintu.db import TenantNotBound, make_engine, make_sessionmaker, tenant_session
from satupintu.tenants.models import Tenant
from tests.benchmarks.conftest import refresh
from tests.conftest import run


async def _with_maker(url: str, work):
    engine = make_engine(url)
    try:
        return await work(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def with_maker(database, work):
    return run(_with_maker(database.url, work))


async def _ids(maker) -> dict[str, int]:
    async with tenant_session(maker, None) as session:
        return dict((await session.execute(select(Tenant.slug, Tenant.id))).all())


def test_indicators_are_named_once_and_the_issue_5_slots_are_empty():
    names = [ind.name for ind in INDICATORS]
    assert len(names) == len(set(names)) >= 20
    slots = {"onboarding_readiness", "training_completion", "innovations"}
    assert slots <= set(names)
    assert all(ind.label and ind.definition and ind.unit in indicators.UNITS for ind in INDICATORS)


def test_rollups_match_each_regions_own_data(database):
    rows = {r.tenant_slug: r for r in refresh(database)}
    assert set(rows) == {"banyuwangi", "purbalingga", "bangkalan", "labuhanbatu"}

    async def direct(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["banyuwangi"]) as session:
            enabled = await session.scalar(select(func.count()).select_from(TenantService)
                                           .where(TenantService.enabled.is_(True)))
            agencies = await session.scalar(select(func.count()).select_from(Agency))
        return enabled, agencies

    enabled, agencies = with_maker(database, direct)
    figures = rows["banyuwangi"].figures
    assert figures["services_live"] == enabled
    coverage = Decimal(enabled * 100) / len(load_catalogue().services)
    assert figures["catalogue_coverage"] == float(coverage.quantize(Decimal("0.1"), ROUND_HALF_UP))
    assert figures["agencies_total"] == agencies
    assert figures["policies_adopted"] == 3  # permits first, answers in 4 hours, delivery (Banyuwangi's pack)
    assert figures["ikm"] == 85.0  # the seeded summary: every element 3,4 -> 3,4 x 25
    assert figures["ipp"] == 4.0
    assert figures["complaints_on_time"] == 90.0
    assert figures["onboarding_readiness"] == 100.0  # a live mall passes every go-live check
    assert figures["innovations"] >= 1
    assert 0.0 <= figures["training_completion"] <= 100.0
    assert rows["banyuwangi"].details == {"ikm_period": "2026-S1", "ikm_respondents": 100, "ikm_source": "summary", "ipp_year": 2025,
                                          "ipp_verified": False, "operations_source": "reported",
                                          "villages": [{"code": "35.10.01.2001", "name": "Desa Uji banyuwangi",
                                                        "applications": 0, "done": 0, "open": 0}]}


def test_rollup_tables_are_platform_tables_of_aggregates():
    for model in (BenchmarkRollup, BenchmarkPoint):
        columns = {c.name for c in sa_inspect(model).columns}
        assert "tenant_id" not in columns
        assert not columns & {"email", "nik", "phone", "name_person", "actor"}


def test_computing_needs_a_session_bound_to_the_region(database):
    async def unbound(maker):
        async with tenant_session(maker, None) as session:
            await rollups.compute(session)

    with pytest.raises(TenantNotBound):
        with_maker(database, unbound)


def test_a_region_is_computed_from_its_own_rows_only(database):
    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["labuhanbatu"]) as session:
            session.add(MonthlyOperations(month="2026-04", visitors=999_999, transactions=1, complaints_received=0,
                                          complaints_on_time=0))
        return await rollups.refresh_tenant(maker, ids["banyuwangi"]), await rollups.refresh_tenant(maker, ids["labuhanbatu"])

    mine, theirs = with_maker(database, work)
    assert mine.figures["visitors_month"] == 1000
    assert theirs.figures["visitors_month"] == 500_500  # 500 499,5 rounded half up


def test_series_and_the_skip_of_up_to_date_requests(database):
    async def work(maker):
        ids = await _ids(maker)
        first = await rollups.refresh_tenant(maker, ids["bangkalan"])
        skipped = await rollups.refresh_tenant(maker, ids["bangkalan"], only_if_stale=True)
        forced = await rollups.refresh_tenant(maker, ids["bangkalan"])
        async with tenant_session(maker, None) as session:
            kinds = await rollups.series(session, [first.region_code])
        return first, skipped, forced, kinds[first.region_code]

    first, skipped, forced, kinds = with_maker(database, work)
    assert skipped.computed_at == first.computed_at, "nothing changed since: the request is answered by the rollup"
    assert forced.computed_at > first.computed_at, "the nightly run recomputes anyway"
    assert first.data_revision == skipped.data_revision == forced.data_revision
    assert [p.period for p in kinds["month"]] == ["2026-05"]
    # the seeded answers in the app (January 2020, every element 3) and the seeded upload (2026-S1)
    assert [(p.period, p.figures["source"]) for p in kinds["survey"]] == [("2020-S1", "live"), ("2026-S1", "summary")]
    assert kinds["survey"][0].figures == {"ikm": 75.0, "respondents": 1, "source": "live", "transactions": 0,
                                          "sample": 0, "elements": {f"U{n}": 3.0 for n in range(1, 10)}}
    assert kinds["survey"][1].figures == {"ikm": 85.0, "respondents": 100, "source": "summary",
                                          "elements": {f"U{n}": 3.4 for n in range(1, 10)}}
    assert kinds["year"][0].figures == {"ipp": 4.0, "verified": False}


async def _add_month(maker, tenant_id: int, month: str, visitors: int) -> None:
    async with tenant_session(maker, tenant_id) as session:
        session.add(MonthlyOperations(month=month, visitors=visitors, transactions=1, complaints_received=0,
                                      complaints_on_time=0))


def test_a_change_committed_during_a_computation_is_recomputed_by_its_job(worker_env, sent, monkeypatch):
    """The computation reads the data, then (the hook) a change commits, then the rollup is written: it
    is written after the change's commit time, yet the change's job must recompute, because the rollup
    read an older revision of the regency."""
    real = rollups.compute

    async def work(maker):
        tenant_id = (await _ids(maker))["purbalingga"]
        before = await rollups.refresh_tenant(maker, tenant_id)

        async def compute_then_a_change_commits(session):
            snapshot = await real(session)
            await _add_month(maker, tenant_id, "2026-06", 90_000)
            return snapshot

        monkeypatch.setattr(rollups, "compute", compute_then_a_change_commits)
        during = await rollups.refresh_tenant(maker, tenant_id)
        monkeypatch.setattr(rollups, "compute", real)
        assert [args[0] for args in sent] == [tenant_id], "the change queued its regency's job"
        job = refresh_tenant_rollup.fn.__wrapped__  # the actor's coroutine, on this loop and worker_env's database
        try:
            await job(*sent[0])  # the change's job, after the rollup was written
            await job(*sent[0])  # delivered twice: the second finds it up to date
        finally:
            await jobs.runtime.dispose()
        async with tenant_session(maker, None) as session:
            after = await session.get(BenchmarkRollup, during.region_code)
        return before, during, after

    before, during, after = with_maker(worker_env, work)
    assert during.figures["visitors_month"] == before.figures["visitors_month"] == 1000, "read before the change"
    assert _aware(during.computed_at) > datetime.fromisoformat(sent[0][1]), "written after the change committed"
    assert after.figures["visitors_month"] == (1000 + 90_000) / 2, "the change's job recomputed"
    assert after.data_revision > during.data_revision
    assert _months(worker_env, after.region_code) == ["2026-05", "2026-06"]


def _months(database, region_code: str) -> list[str]:
    async def work(maker):
        async with tenant_session(maker, None) as session:
            return [p.period for p in (await rollups.series(session, [region_code]))[region_code]["month"]]

    return with_maker(database, work)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives it back without its zone


def test_an_older_computation_never_replaces_a_newer_rollup(database, sent, monkeypatch):
    """A slow computation read revision N; meanwhile a change commits and a quicker one stores N+1. The
    slow one's write changes nothing (rollup and series)."""
    real = rollups.compute

    async def work(maker):
        tenant_id = (await _ids(maker))["purbalingga"]

        async def slow(session):
            snapshot = await real(session)
            await _add_month(maker, tenant_id, "2026-06", 90_000)
            monkeypatch.setattr(rollups, "compute", real)
            await rollups.refresh_tenant(maker, tenant_id)  # the quicker one, from the later revision
            return snapshot

        monkeypatch.setattr(rollups, "compute", slow)
        return await rollups.refresh_tenant(maker, tenant_id)

    row = with_maker(database, work)
    assert row.figures["visitors_month"] == (1000 + 90_000) / 2
    assert _months(database, row.region_code) == ["2026-05", "2026-06"]


def test_two_first_rollups_of_a_new_regency_do_not_collide(database, monkeypatch):
    """Two computations of a regency that has no rollup yet, each on its own connection, both read before
    either writes; on PostgreSQL the second's write waits for the first's row and then updates it. The
    race runs for several rounds: without the advisory lock in store(), the slug's unique index made about one
    run in eight fail (ON CONFLICT arbitrates only the region code)."""
    real = rollups.compute

    async def work():
        engines = [make_engine(database.url) for _ in range(2)]
        makers = [make_sessionmaker(engine) for engine in engines]
        try:
            tenant_id = (await _ids(makers[0]))["labuhanbatu"]
            outcomes = []
            for _round in range(8):
                async with tenant_session(makers[0], None) as session:
                    await session.execute(delete(BenchmarkRollup))
                barrier = asyncio.Barrier(2)

                async def together(session, barrier=barrier):
                    snapshot = await real(session)
                    await barrier.wait()  # both have read; both write now
                    return snapshot

                monkeypatch.setattr(rollups, "compute", together)
                results = await asyncio.gather(*(rollups.refresh_tenant(m, tenant_id) for m in makers),
                                               return_exceptions=True)
                async with tenant_session(makers[0], None) as session:
                    rows = (await session.scalars(select(BenchmarkRollup))).all()
                    points = (await session.scalars(select(BenchmarkPoint))).all()
                outcomes.append(([r for r in results if isinstance(r, BaseException)], [r.tenant_slug for r in rows],
                                 sorted((p.kind, p.period) for p in points)))
            return outcomes
        finally:
            for engine in engines:
                await engine.dispose()

    expected = ([], ["labuhanbatu"], [("month", "2026-05"), ("survey", "2020-S1"), ("survey", "2026-S1"), ("year", "2025")])
    failed = [outcome for outcome in run(work()) if outcome != expected]
    assert not failed, failed[:1]


def test_rollups_of_deleted_regions_are_pruned(database):
    async def work(maker):
        await rollups.refresh_all(maker)
        async with tenant_session(maker, None) as session:
            session.add(BenchmarkRollup(region_code="99.99", tenant_slug="hilang", name="Kabupaten Hilang",
                                        province="X", status="live", figures={}, details={}))
        await rollups.refresh_all(maker)
        async with tenant_session(maker, None) as session:
            return sorted((await session.scalars(select(BenchmarkRollup.tenant_slug))).all())

    assert with_maker(database, work) == ["bangkalan", "banyuwangi", "labuhanbatu", "purbalingga"]


@pytest.fixture
def sent(monkeypatch):
    messages: list[tuple] = []
    monkeypatch.setattr(refresh_tenant_rollup, "send", lambda *args: messages.append(args))
    return messages


def test_a_committed_change_queues_its_regions_rollup_once(database, sent):
    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["purbalingga"]) as session:
            for month in ("2026-01", "2026-02"):
                session.add(MonthlyOperations(month=month, visitors=1, transactions=1, complaints_received=0,
                                              complaints_on_time=0))
            await session.flush()
            assert not sent, "nothing may be queued before the commit"
        return ids

    ids = with_maker(database, work)
    assert [m[0] for m in sent] == [ids["purbalingga"]]
    assert datetime.fromisoformat(sent[0][1]) <= datetime.now(UTC)


def test_a_rolled_back_change_queues_nothing(database, sent):
    async def work(maker):
        ids = await _ids(maker)
        with pytest.raises(RuntimeError):
            async with tenant_session(maker, ids["purbalingga"]) as session:
                session.add(MonthlyOperations(month="2026-01", visitors=1, transactions=1, complaints_received=0,
                                              complaints_on_time=0))
                await session.flush()
                raise RuntimeError("refused")
        async with tenant_session(maker, ids["purbalingga"]) as session:  # unwatched change: nothing either
            await session.execute(select(func.count()).select_from(MonthlyOperations))

    with_maker(database, work)
    assert sent == []


def test_a_broker_outage_does_not_undo_a_committed_change(database, monkeypatch):
    def down(*_args):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(refresh_tenant_rollup, "send", down)
    triggers.enqueue([1], datetime.now(UTC))  # logged, not raised


@pytest.fixture
def worker_env(database, monkeypatch):
    monkeypatch.setenv("SATUPINTU_DATABASE_URL", database.url)
    jobs.runtime.reset()
    yield database
    jobs.runtime.reset()


def test_the_jobs_recompute_rollups_on_the_in_process_broker(worker_env):
    from dramatiq.brokers.stub import StubBroker

    from satupintu.broker import with_asyncio

    broker = with_asyncio(StubBroker())
    broker.emit_after("process_boot")
    originals = {actor: actor.broker for actor in (refresh_tenant_rollup, refresh_all_rollups)}
    for actor in originals:
        broker.declare_actor(actor)
        actor.broker = broker
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        refresh_all_rollups.send()
        broker.join(refresh_all_rollups.queue_name, timeout=60_000)
        worker.join()
    finally:
        worker.stop()
        for actor, original in originals.items():
            actor.broker = original

    async def stored(maker):
        async with tenant_session(maker, None) as session:
            return sorted((await session.scalars(select(BenchmarkRollup.tenant_slug))).all())

    assert with_maker(worker_env, stored) == ["bangkalan", "banyuwangi", "labuhanbatu", "purbalingga"]
