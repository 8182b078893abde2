"""Periodic jobs, run by ``satupintu scheduler`` (exactly one replica; the Helm chart sees to that).

Dramatiq's documentation recommends APScheduler for periodic work: the scheduler only enqueues,
the workers do the work, so a restarted scheduler loses nothing but a late start. With the
in-process broker (one machine, no Redis or RabbitMQ) there is no worker in this process to hand
the job to, so the scheduler runs the refresh itself.

Other domains' periodic jobs are added to ``jobs()`` (the queue's booking sweep, the applications'
notices and the complaints' escalation sweep are three);
this module can then move up to the platform level.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from satupintu.config import Settings
from satupintu.logs import get_logger

log = get_logger("satupintu.scheduler")
TIMEZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[[], None]
    trigger: CronTrigger
    description: str


def refresh_rollups_now(settings: Settings) -> int:
    """Recompute every regency's rollup in this process; returns how many regencies were done."""
    from satupintu.benchmarks import rollups
    from satupintu.db import make_engine, make_sessionmaker

    async def work() -> int:
        engine = make_engine(settings.database_url)
        try:
            return len(await rollups.refresh_all(make_sessionmaker(engine)))
        finally:
            await engine.dispose()

    return asyncio.run(work())


def nightly_rollups(settings: Settings) -> Callable[[], None]:
    def run() -> None:
        if settings.broker_kind == "memory":
            count = refresh_rollups_now(settings)
            log.info("nightly rollups computed here (in-process broker)", tenants=count)
            return
        from satupintu.benchmarks.tasks import refresh_all_rollups

        refresh_all_rollups.send()
        log.info("nightly rollups queued")

    return run


def purge_sessions(settings: Settings) -> Callable[[], None]:
    """Delete expired sign-in sessions from ``web_sessions`` (a small delete, done here)."""

    def run() -> None:
        from satupintu.accounts.sessions import DatabaseStore
        from satupintu.db import make_engine, make_sessionmaker

        async def work() -> int:
            engine = make_engine(settings.database_url)
            try:
                return await DatabaseStore(make_sessionmaker(engine)).delete_expired()
            finally:
                await engine.dispose()

        log.info("expired sessions purged", count=asyncio.run(work()))

    return run


def booking_sweep(settings: Settings) -> Callable[[], None]:
    """Send the booking reminders that are due and release no-shows (queue.booking.sweep): the
    deadlines are columns of the bookings, so a late or repeated run neither loses nor repeats one."""

    def run() -> None:
        from satupintu import notify
        from satupintu.db import make_engine, make_sessionmaker
        from satupintu.queue import booking

        async def work() -> booking.SweepResult:
            engine = make_engine(settings.database_url)
            try:
                return await booking.sweep(make_sessionmaker(engine), notify.from_settings(settings),
                                           secret_key=settings.secret_key, base_url=settings.public_url)
            finally:
                await engine.dispose()

        result = asyncio.run(work())
        log.info("bookings swept", reminders=result.reminders, released=result.released)

    return run


def queue_lines(settings: Settings) -> Callable[[], None]:
    """Check that every regency's queue lines match its counters (queue.groups.sync_all); the services
    that change counters keep them so, this only repairs what was written around them."""

    def run() -> None:
        from satupintu.db import make_engine, make_sessionmaker
        from satupintu.queue import groups

        async def work() -> dict[str, int]:
            engine = make_engine(settings.database_url)
            try:
                return await groups.sync_all(make_sessionmaker(engine))
            finally:
                await engine.dispose()

        added = asyncio.run(work())
        if added:
            log.warning("queue lines were missing and have been added", added=added)
        else:
            log.info("queue lines checked: all present")

    return run


def permit_sweep(settings: Settings) -> Callable[[], None]:
    """Remind holders of permits issued first and revoke those whose documents are overdue
    (applications.permits.sweep): deadlines are columns, so a late or repeated run loses and repeats nothing."""

    def run() -> None:
        from satupintu import notify
        from satupintu.applications import permits
        from satupintu.db import make_engine, make_sessionmaker

        async def work() -> permits.SweepResult:
            engine = make_engine(settings.database_url)
            try:
                return await permits.sweep(make_sessionmaker(engine), notify.from_settings(settings),
                                           secret_key=settings.secret_key, base_url=settings.public_url)
            finally:
                await engine.dispose()

        result = asyncio.run(work())
        log.info("permits swept", reminders=result.reminders, revoked=result.revoked)

    return run


def retention_sweep(settings: Settings) -> Callable[[], None]:
    """Erase the personal data and documents of applications past their retention period
    (applications.retention.sweep): deadlines are columns, so a late or repeated run erases once."""

    def run() -> None:
        from satupintu.applications import retention
        from satupintu.db import make_engine, make_sessionmaker
        from satupintu.storage import open_storage

        async def work() -> retention.SweepResult:
            engine = make_engine(settings.database_url)
            try:
                return await retention.sweep(make_sessionmaker(engine), open_storage(settings))
            finally:
                await engine.dispose()

        result = asyncio.run(work())
        log.info("applications past retention erased", scheduled=result.scheduled, erased=result.erased,
                 failed=result.failed)

    return run


def application_notices(settings: Settings) -> Callable[[], None]:
    """Send the applications' notices that no job sent (applications.notifications.sweep): each event
    is claimed once, so a late or repeated run neither loses nor repeats one."""

    def run() -> None:
        from satupintu import notify
        from satupintu.applications import notifications
        from satupintu.db import make_engine, make_sessionmaker

        async def work() -> int:
            engine = make_engine(settings.database_url)
            try:
                return await notifications.sweep(make_sessionmaker(engine), notify.from_settings(settings),
                                                 secret_key=settings.secret_key, base_url=settings.public_url)
            finally:
                await engine.dispose()

        log.info("application notices swept", sent=asyncio.run(work()))

    return run


def complaint_sweep(settings: Settings) -> Callable[[], None]:
    """Escalate complaints past their deadlines, close long-resolved ones and erase closed ones' photos
    (complaints.service.sweep), then tell the escalations no job told (complaints.notifications.sweep):
    the deadlines are columns of the complaints, and each step and each notice is claimed by a
    conditional UPDATE, so a late, repeated or concurrent run neither loses nor repeats one."""

    def run() -> None:
        from satupintu import notify
        from satupintu.complaints import notifications
        from satupintu.complaints import service as complaints
        from satupintu.db import make_engine, make_sessionmaker
        from satupintu.storage import open_storage

        async def work() -> tuple[complaints.SweepResult, int]:
            engine = make_engine(settings.database_url)
            try:
                maker = make_sessionmaker(engine)
                result = await complaints.sweep(maker, storage=open_storage(settings))
                sent = await notifications.sweep(maker, notify.from_settings(settings), base_url=settings.public_url)
                return result, sent
            finally:
                await engine.dispose()

        result, sent = asyncio.run(work())
        log.info("complaints swept", escalated=result.escalated, closed=result.closed,
                 photos_erased=result.photos_erased, notices=sent)

    return run


def jobs(settings: Settings) -> list[Job]:
    return [Job("rollups-nightly", nightly_rollups(settings), CronTrigger(hour=1, minute=30, timezone=TIMEZONE),
                "recompute every regency's benchmark rollups at 01:30 WIB"),
            Job("sessions-purge", purge_sessions(settings), CronTrigger(minute=15, timezone=TIMEZONE),
                "delete expired sign-in sessions every hour"),
            Job("queue-bookings", booking_sweep(settings), CronTrigger(minute="*/5", timezone=TIMEZONE),
                "send due booking reminders and release no-shows every five minutes"),
            Job("queue-lines", queue_lines(settings), CronTrigger(minute=40, timezone=TIMEZONE),
                "check every hour that each regency's queue lines match its counters"),
            Job("application-permits", permit_sweep(settings), CronTrigger(minute="7,37", timezone=TIMEZONE),
                "remind holders of permits issued first and revoke those whose documents are overdue"),
            Job("applications-retention", retention_sweep(settings), CronTrigger(minute=45, timezone=TIMEZONE),
                "erase applications' personal data and documents past their retention period, hourly"),
            Job("application-notices", application_notices(settings), CronTrigger(minute="*/5", timezone=TIMEZONE),
                "send the applications' status notices that no job sent, every five minutes"),
            Job("complaints-escalation", complaint_sweep(settings), CronTrigger(minute="*/5", timezone=TIMEZONE),
                "escalate complaints past their deadlines and tell the people they reach, every five minutes")]


def latest_slot(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The most recent time the trigger was due, at or before ``now`` (within the last week)."""
    slot = None
    due = trigger.get_next_fire_time(None, now - timedelta(days=7))
    while due is not None and due <= now:
        slot = due
        due = trigger.get_next_fire_time(due, due + timedelta(seconds=1))
    return slot


def once_per_slot(settings: Settings, job: Job) -> Callable[[], bool]:
    """The job's run, done only by the scheduler that claims the job's current slot (see periodic)."""

    def run() -> bool:
        slot = latest_slot(job.trigger, datetime.now(ZoneInfo(TIMEZONE)))
        if slot is None or not _claim(settings, job.id, slot):
            log.info("scheduled job skipped: another scheduler has run this slot", job=job.id,
                     slot=slot.isoformat() if slot else None)
            return False
        job.run()
        return True

    return run


def _claim(settings: Settings, job_id: str, slot: datetime) -> bool:
    from satupintu import periodic
    from satupintu.db import make_engine, make_sessionmaker

    async def work() -> bool:
        engine = make_engine(settings.database_url)
        try:
            return await periodic.claim(make_sessionmaker(engine), job_id, slot)
        finally:
            await engine.dispose()

    return asyncio.run(work())


def build(settings: Settings, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """A scheduler with every periodic job; a run missed by up to an hour still happens, once, and
    a slot that another scheduler already ran is skipped."""
    scheduler = scheduler or BlockingScheduler(timezone=TIMEZONE)
    for job in jobs(settings):
        scheduler.add_job(once_per_slot(settings, job), job.trigger, id=job.id, name=job.description, coalesce=True,
                          max_instances=1, misfire_grace_time=3600, replace_existing=True)
    return scheduler
