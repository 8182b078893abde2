"""Erasing an application's personal data and documents when its service's retention period ends.

The deadline is a column: ``applications.erase_after`` = the day the application ended (delivered or
rejected) + the service's ``retention_days`` (365 unless the regency sets another period). The
periodic sweep (``satupintu scheduler``, daily) first stamps the deadline on every ended application
that has none, then erases every application past its deadline, each in a transaction of its own:
the stored files are deleted first (deleting a file that is gone already is harmless), then the
sealed NIK, name, phone, e-mail and answers, their masked forms and keyed hash, the rejection reason,
the timeline's notes and a delivery's address are cleared and ``erased_at`` is set. An erased application is never
selected again, so running the sweep twice erases once; a run that stops half-way (a crash, storage
unreachable) leaves the application unerased for the next run to finish. What remains is what the
regency's figures need: the service, the dates and the statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.applications.delivery import Delivery
from satupintu.applications.models import Application, ApplicationDocument, ApplicationEvent
from satupintu.applications.service import as_utc, clock
from satupintu.catalogue.models import TenantService
from satupintu.db import tenant_session
from satupintu.logs import get_logger
from satupintu.storage import Storage
from satupintu.tenants.models import Tenant

log = get_logger("satupintu.applications.retention")


@dataclass(frozen=True)
class SweepResult:
    scheduled: int
    erased: int
    failed: int


async def schedule(session: AsyncSession) -> int:
    """Stamp ``erase_after`` on the regency's ended applications that have no deadline yet."""
    rows = (await session.execute(
        select(Application, TenantService.retention_days).join(TenantService, TenantService.id == Application.service_id)
        .where(Application.closed_at.is_not(None), Application.erase_after.is_(None),
               Application.erased_at.is_(None)))).all()
    for application, days in rows:
        application.erase_after = as_utc(application.closed_at) + timedelta(days=days)
    await session.flush()
    return len(rows)


async def due(session: AsyncSession, now: datetime) -> list[int]:
    return list((await session.scalars(select(Application.id).where(
        Application.erase_after <= now, Application.erased_at.is_(None)).order_by(Application.erase_after))).all())


async def erase(session: AsyncSession, storage: Storage, application_id: int, now: datetime) -> bool:
    """Erase one application (False when it is already erased): files first, then the columns."""
    application = await session.get(Application, application_id)
    if application is None or application.erased_at is not None:
        return False
    documents = (await session.scalars(select(ApplicationDocument).where(
        ApplicationDocument.application_id == application.id))).all()
    for document in documents:
        if document.upload_key:
            await storage.delete(document.upload_key)
            document.upload_key = None
    application.nik = application.name = application.phone = application.email = application.answers = None
    application.nik_digest = application.rejection_reason = None
    application.nik_masked = application.name_masked = ""
    application.erased_at = now
    await session.execute(update(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
                          .values(note=None))
    await session.execute(update(Delivery).where(Delivery.application_id == application.id)
                          .values(address=None, address_masked=""))
    await session.flush()
    return True


async def sweep(maker: async_sessionmaker[AsyncSession], storage: Storage, *, now: datetime | None = None) -> SweepResult:
    """One run over every regency (row-level security applies: each regency in its own sessions)."""
    now = as_utc(now or clock())
    async with tenant_session(maker, None) as session:
        tenants = (await session.scalars(select(Tenant.id).order_by(Tenant.id))).all()
    scheduled = erased = failed = 0
    for tenant_id in tenants:
        async with tenant_session(maker, tenant_id) as session:
            scheduled += await schedule(session)
            ids = await due(session, now)
        for application_id in ids:
            try:
                async with tenant_session(maker, tenant_id) as session:
                    erased += await erase(session, storage, application_id, now)
            except Exception as exc:  # noqa: BLE001 - the next run tries again; the others go on
                failed += 1
                log.warning("application not erased; tried again at the next sweep", tenant=tenant_id,
                            application=application_id, error=type(exc).__name__)
    return SweepResult(scheduled, erased, failed)
