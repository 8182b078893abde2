"""`satupintu rollups refresh [SLUG]` and `satupintu scheduler`, which queues the nightly rollups."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from satupintu.benchmarks import schedule
from satupintu.benchmarks.tasks import refresh_all_rollups
from satupintu.cli import main


def env(database, broker: str = "memory://") -> dict[str, str]:
    return {"SATUPINTU_DATABASE_URL": database.url, "SATUPINTU_BROKER_URL": broker,
            "SATUPINTU_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789"}


def test_rollups_refresh(database):
    runner = CliRunner()
    result = runner.invoke(main, ["rollups", "refresh"], env=env(database))
    assert result.exit_code == 0, result.output
    assert "refreshed 4 regions" in result.output and "banyuwangi" in result.output
    one = runner.invoke(main, ["rollups", "refresh", "bangkalan"], env=env(database))
    assert one.exit_code == 0 and "refreshed 1 regions" in one.output and "banyuwangi" not in one.output
    unknown = runner.invoke(main, ["rollups", "refresh", "atlantis"], env=env(database))
    assert unknown.exit_code != 0 and "unknown tenant 'atlantis'" in unknown.output


def test_the_nightly_job_is_scheduled_at_half_past_one_in_jakarta(database):
    settings = __import__("satupintu.config", fromlist=["Settings"]).Settings.from_env(env(database))
    scheduler = schedule.build(settings, BackgroundScheduler(timezone=schedule.TIMEZONE))
    job = scheduler.get_job("rollups-nightly")
    after = datetime(2026, 11, 22, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert job.trigger.get_next_fire_time(None, after) == datetime(2026, 11, 23, 1, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert job.coalesce and job.max_instances == 1


def test_the_nightly_job_queues_with_a_real_broker_and_computes_here_without_one(database, monkeypatch):
    from satupintu.config import Settings

    sent = []
    monkeypatch.setattr(refresh_all_rollups, "send", lambda: sent.append(True))
    schedule.nightly_rollups(Settings.from_env(env(database, "redis://127.0.0.1:6379/0")))()
    assert sent == [True]
    computed = []
    monkeypatch.setattr(schedule, "refresh_rollups_now", lambda settings: computed.append(settings) or 4)
    schedule.nightly_rollups(Settings.from_env(env(database)))()
    assert len(computed) == 1 and sent == [True]


def test_the_scheduler_command_starts_and_lists_its_jobs(database, monkeypatch):
    import signal

    started = []
    monkeypatch.setattr("apscheduler.schedulers.blocking.BlockingScheduler.start", lambda self: started.append(self))
    handlers = {}
    monkeypatch.setattr(signal, "signal", lambda sig, handler: handlers.setdefault(sig, handler))
    result = CliRunner().invoke(main, ["scheduler"], env=env(database))
    assert result.exit_code == 0, result.output
    assert "scheduled rollups-nightly" in result.output and started
    assert signal.SIGTERM in handlers


def test_the_scheduler_can_run_its_jobs_at_once(database, monkeypatch):
    """On one machine (in-process broker) the scheduler computes the rollups itself."""
    from sqlalchemy import func, select

    from satupintu.benchmarks.models import BenchmarkRollup
    from satupintu.db import make_engine
    from tests.conftest import run

    async def count() -> int:
        engine = make_engine(database.url)
        async with engine.connect() as connection:
            value = await connection.scalar(select(func.count()).select_from(BenchmarkRollup))
        await engine.dispose()
        return value

    monkeypatch.setattr("apscheduler.schedulers.blocking.BlockingScheduler.start", lambda self: None)
    monkeypatch.setattr("signal.signal", lambda *_args: None)
    assert run(count()) == 0
    result = CliRunner().invoke(main, ["scheduler", "--now"], env=env(database))
    assert result.exit_code == 0, result.output
    assert run(count()) == 4


def test_two_schedulers_run_a_slot_once(database):
    """A second scheduler started by mistake (or an old pod during a rollout) fires the same
    slot: only the one that claims it first runs the job; the claim is in the database, so it
    holds across processes and restarts."""
    from apscheduler.triggers.cron import CronTrigger

    from satupintu.config import Settings

    settings = Settings.from_env(env(database))
    ran = []
    job = schedule.Job("probe-nightly", lambda: ran.append(1), CronTrigger(hour=1, minute=30, timezone=schedule.TIMEZONE),
                       "a nightly job")
    first, second = schedule.once_per_slot(settings, job), schedule.once_per_slot(settings, job)
    assert first() is True
    assert second() is False and first() is False
    assert ran == [1]


def test_concurrent_claims_of_one_slot_let_exactly_one_win(database):
    import asyncio

    from satupintu import periodic
    from satupintu.db import make_engine, make_sessionmaker

    slot = datetime(2026, 12, 6, 1, 30, tzinfo=ZoneInfo("Asia/Jakarta"))

    async def claims() -> list[bool]:
        engines = [make_engine(database.url) for _ in range(6)]
        try:
            return await asyncio.gather(*(periodic.claim(make_sessionmaker(e), "rollups-nightly", slot) for e in engines))
        finally:
            for engine in engines:
                await engine.dispose()

    assert sorted(asyncio.run(claims())) == [False] * 5 + [True]


def test_scheduler_now_twice_computes_the_rollups_once(database, monkeypatch):
    monkeypatch.setattr("apscheduler.schedulers.blocking.BlockingScheduler.start", lambda self: None)
    monkeypatch.setattr("signal.signal", lambda *_args: None)
    first = CliRunner().invoke(main, ["scheduler", "--now"], env=env(database))
    second = CliRunner().invoke(main, ["scheduler", "--now"], env=env(database))
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "skipped" not in first.output
    assert "another scheduler has run this slot" in second.output


def test_the_scheduler_purges_expired_sessions(database):
    """The hourly job deletes sign-in sessions whose time is up from web_sessions and keeps live ones."""
    import asyncio

    from satupintu.accounts.sessions import DatabaseStore
    from satupintu.config import Settings
    from satupintu.db import make_engine, make_sessionmaker

    settings = Settings.from_env(env(database))
    job = next(job for job in schedule.jobs(settings) if job.id == "sessions-purge")
    assert schedule.build(settings, BackgroundScheduler(timezone=schedule.TIMEZONE)).get_job("sessions-purge")

    async def sessions(write: bool) -> list[str]:
        engine = make_engine(database.url)
        store = DatabaseStore(make_sessionmaker(engine))
        try:
            if write:
                await store.set("lama", b"{}", expires_in=-60)
                await store.set("baru", b"{}", expires_in=3600)
            return [key for key in ("lama", "baru") if await store.expires_in(key) is not None]
        finally:
            await engine.dispose()

    assert asyncio.run(sessions(write=True)) == ["lama", "baru"]
    job.run()
    assert asyncio.run(sessions(write=False)) == ["baru"]
