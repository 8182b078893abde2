"""Permit first, documents later ("izin dulu, berkas menyusul"), as Banyuwangi does it.

When a service's switch ``permit_first`` is on (``tenant_services``; on at import for the permits, the
services of ``catalogue.models.PERMIT_CATEGORIES``, of a regency whose policy issues permits first, and set per
service in its pack or the console), an application for it is issued at once: it is done on submission,
and the documents of its checklist that were not verified are due within the regency's policy
``document_deadline_days`` (30 by default: "if the requirements are not met in one month we revoke the
permit"). Staff record the documents as complete; otherwise the permit is revoked.

Deadlines are columns of :class:`Permit`: ``documents_due_at`` (the end of the last local day) and
``reminder_due_at`` (a week, then a day before). :func:`sweep`, run by ``satupintu scheduler``, reads
them from the database, so a restarted worker or a lost message loses nothing. Every reminder and
every revocation is claimed by a conditional UPDATE in a transaction of its own, bound to its regency:
two sweeps at once, or a sweep run again after a crash, send each reminder once and revoke each
permit once. A revocation ends the application (status ``revoked``), adds it to the timeline the
citizen's status page shows (with the deadline that passed, in the applicant's language) and writes
it to the regency's audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Index, UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from satupintu import i18n, notify
from satupintu.applications import service
from satupintu.applications.models import Application, ApplicationEvent, ApplicationStatus, DocumentStatus, Submitter
from satupintu.audit import service as audit
from satupintu.audit.service import Change
from satupintu.catalogue.models import TenantService
from satupintu.db import Base, TenantOwned, tenant_fk, tenant_session
from satupintu.security import Principal
from satupintu.tenants.models import Tenant, TenantPolicy


DEFAULT_DEADLINE_DAYS = 30
REMINDERS = (timedelta(days=7), timedelta(days=1))
"""How long before the deadline the holder is reminded (each reminder once)."""
SWEEPER = Principal("system", 0, "sistem@satupintu", "SatuPintu", "system")
"""Who the audit log names for what the periodic sweep does."""


class Permit(TenantOwned, Base):
    """A permit issued before its documents were complete, and the deadline for them."""

    __tablename__ = "application_permits"
    __table_info__ = {"bumps_revision": False}  # no cached public page shows a permit
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "application_id"),
        tenant_fk(["application_id"], "applications", ondelete="CASCADE"),
        tenant_fk(["completed_by"], "staff_accounts", ondelete="SET NULL"),
        Index("ix_application_permits_open", "revoked_at", "completed_at", "documents_due_at"),
        Index("ix_application_permits_reminder", "reminder_due_at"),
    )

    application_id: Mapped[int] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column()
    documents_due_at: Mapped[datetime] = mapped_column()  # revoked from this moment unless completed
    reminder_due_at: Mapped[datetime | None] = mapped_column()  # the next reminder; None: none left
    reminders_sent: Mapped[int] = mapped_column(default=0)
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by: Mapped[int | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


# --- issuing -------------------------------------------------------------------------------------


def _zone(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.timezone.iana)


def last_day(permit: Permit, tenant: Tenant) -> date:
    """The last local day on which the documents may still be brought."""
    return (service.as_utc(permit.documents_due_at).astimezone(_zone(tenant)) - timedelta(seconds=1)).date()


def next_reminder(deadline: datetime, after: datetime) -> datetime | None:
    """The first reminder time strictly after ``after``, or None."""
    for before in REMINDERS:
        moment = deadline - before
        if moment > after:
            return moment
    return None


def _in_language(language: str, message: str, **values: object) -> str:
    token = i18n.current_locale.set(language)
    try:
        return i18n.gettext(message) % values
    finally:
        i18n.current_locale.reset(token)


async def document_days(session: AsyncSession) -> int:
    """The days a permit issued first has for its documents: the regency's policy (30 by default)."""
    policy = await session.scalar(select(TenantPolicy))
    return (policy.document_deadline_days if policy else None) or DEFAULT_DEADLINE_DAYS


async def deadline_days(session: AsyncSession) -> int | None:
    """The days a permit's documents are due in when any service of the regency is issued first, else None."""
    if await session.scalar(select(TenantService.id).where(TenantService.permit_first.is_(True)).limit(1)) is None:
        return None
    return await document_days(session)


async def applies(session: AsyncSession, the_service: TenantService) -> int | None:
    """The days the documents are due in when this service's permit is issued first (its own switch; the
    days are the regency's policy), else None."""
    if not the_service.permit_first:
        return None
    return await document_days(session)


async def issue_first(session: AsyncSession, tenant: Tenant, application: Application, the_service: TenantService,
                      now: datetime) -> Permit | None:
    """Issue the permit of a just-submitted application at once, when the regency's policy says so:
    the application is done, and its documents are due by the end of the N-th local day."""
    days = await applies(session, the_service)
    if days is None:
        return None
    issued_day = now.astimezone(_zone(tenant)).date()
    deadline = datetime.combine(issued_day + timedelta(days=days + 1), time(0), _zone(tenant)).astimezone(UTC)
    permit = Permit(application_id=application.id, issued_at=now, documents_due_at=deadline,
                    reminder_due_at=next_reminder(deadline, now))
    session.add(permit)
    application.status, application.done_at = ApplicationStatus.DONE, now
    note = _in_language(application.language, i18n.N_(
        "Permit issued first: the missing documents are due by %(day)s; otherwise the permit is revoked."),
        day=f"{issued_day + timedelta(days=days):%d-%m-%Y}")
    session.add(ApplicationEvent(application_id=application.id, status=ApplicationStatus.DONE, note=note,
                                 actor=Submitter.STAFF, at=now))
    await session.flush()
    return permit


# --- reading and completing ----------------------------------------------------------------------


async def of_application(session: AsyncSession, application: Application) -> Permit | None:
    return await session.scalar(select(Permit).where(Permit.application_id == application.id))


@dataclass(frozen=True)
class Waiting:
    permit: Permit
    application: Application
    service: TenantService
    last_day: date


async def awaiting_documents(session: AsyncSession, tenant: Tenant, limit: int = 200) -> list[Waiting]:
    """Permits issued first whose documents are still due, the nearest deadline first."""
    rows = (await session.execute(
        select(Permit, Application, TenantService).join(Application, Application.id == Permit.application_id)
        .join(TenantService, TenantService.id == Application.service_id)
        .where(Permit.completed_at.is_(None), Permit.revoked_at.is_(None))
        .order_by(Permit.documents_due_at, Permit.id).limit(limit))).all()
    return [Waiting(p, a, s, last_day(p, tenant)) for p, a, s in rows]


async def find(session: AsyncSession, number: str) -> tuple[Application, Permit] | None:
    """The application with this tracking number and its permit, when it was issued first."""
    application = await service.by_tracking_number(session, number)
    permit = await of_application(session, application) if application is not None else None
    return None if permit is None else (application, permit)


async def complete(session: AsyncSession, application: Application, permit: Permit, staff: Principal, *,
                   now: datetime | None = None) -> Change:
    """Staff record that the documents of a permit issued first are complete: the permit stands, its
    checklist is verified and no reminder follows. Refused once the permit was completed or revoked."""
    now = service._now(now)
    claimed = await session.scalar(
        update(Permit).where(Permit.id == permit.id, Permit.completed_at.is_(None), Permit.revoked_at.is_(None))
        .values(completed_at=now, completed_by=staff.id, reminder_due_at=None, updated_at=now)
        .returning(Permit.id).execution_options(synchronize_session=False))
    if claimed is None:
        raise service.Refused(i18n.gettext("This permit's documents were already recorded, or it was revoked."))
    for document in await service.documents(session, application):
        if document.status != DocumentStatus.VERIFIED:
            document.status, document.verified_at, document.verified_by = DocumentStatus.VERIFIED, now, staff.id
    await session.flush()
    return Change("update", "permit", application.tracking_number, {"documents_complete": False},
                  {"documents_complete": True})


# --- the periodic sweep --------------------------------------------------------------------------


async def revoke(session: AsyncSession, permit_id: int, *, now: datetime) -> bool:
    """Revoke one permit whose deadline passed. Claimed by a conditional UPDATE, so whatever runs it
    twice revokes once; the application's end, its timeline event and the audit entry commit with it."""
    claimed = await session.scalar(
        update(Permit).where(Permit.id == permit_id, Permit.revoked_at.is_(None), Permit.completed_at.is_(None),
                             Permit.documents_due_at <= now)
        .values(revoked_at=now, reminder_due_at=None, updated_at=now)
        .returning(Permit.application_id).execution_options(synchronize_session=False))
    if claimed is None:
        return False
    application = await session.get(Application, claimed)
    permit = await session.get(Permit, permit_id)
    tenant = await session.get(Tenant, application.tenant_id)
    before = application.status
    application.status, application.closed_at = ApplicationStatus.REVOKED, now
    note = _in_language(application.language, i18n.N_(
        "Permit revoked: the missing documents were not complete by %(day)s."),
        day=f"{last_day(permit, tenant):%d-%m-%Y}")
    session.add(ApplicationEvent(application_id=application.id, status=ApplicationStatus.REVOKED, note=note,
                                 actor=Submitter.STAFF, at=now))
    await session.flush()
    await audit.record_change(session, SWEEPER, Change("update", "application", application.tracking_number,
                                                       {"status": before.value},
                                                       {"status": ApplicationStatus.REVOKED.value}))
    return True


def reminder_text(tenant: Tenant, application: Application, service_name: str, day: date,
                  base_url: str) -> notify.Message:
    values = {"number": application.tracking_number, "service": service_name, "tenant": tenant.name,
              "day": f"{day:%d-%m-%Y}", "url": f"{base_url.rstrip('/')}/{tenant.slug}/lacak/{application.tracking_number}"}
    token = i18n.current_locale.set(application.language)
    try:
        subject = i18n.gettext("Reminder: documents for your permit %(number)s") % values
        body = i18n.gettext(
            "Your permit %(number)s for %(service)s was issued before its documents were complete.\n"
            "Bring the missing documents to MPP %(tenant)s by %(day)s; otherwise the permit is revoked.\n"
            "Follow it at %(url)s") % values
    finally:
        i18n.current_locale.reset(token)
    return notify.Message(subject=subject, body=body)


async def send_reminder(session: AsyncSession, tenant: Tenant, permit_id: int, notifier: notify.Notifier, *,
                        secret_key: str, base_url: str, now: datetime) -> bool:
    """Send one due reminder, claimed by moving ``reminder_due_at`` on to the next one in the
    transaction that commits it; a failed sending (NotSent) rolls the claim back for the next sweep."""
    permit = await session.scalar(select(Permit).where(Permit.id == permit_id))
    if permit is None or permit.reminder_due_at is None:
        return False
    due = permit.reminder_due_at
    claimed = await session.scalar(
        update(Permit).where(Permit.id == permit_id, Permit.reminder_due_at == due, Permit.revoked_at.is_(None),
                             Permit.completed_at.is_(None))
        .values(reminder_due_at=next_reminder(service.as_utc(permit.documents_due_at), max(service.as_utc(due), now)),
                reminders_sent=Permit.reminders_sent + 1, updated_at=now)
        .returning(Permit.id).execution_options(synchronize_session=False))
    if claimed is None:
        return False
    application = await session.get(Application, permit.application_id)
    the_service = await session.get(TenantService, application.service_id)
    personal = service.unseal(application, secret_key)
    name = the_service.name_en if application.language == "en" else the_service.name_id
    text = reminder_text(tenant, application, name, last_day(permit, tenant), base_url)
    for kind, address in (("email", personal.email), ("whatsapp", personal.phone)):
        if address:
            await notifier.send(notify.Recipient(kind, address), text)
    return True


@dataclass(frozen=True)
class SweepResult:
    reminders: int = 0
    revoked: int = 0


async def sweep(maker: async_sessionmaker[AsyncSession], notifier: notify.Notifier, *, secret_key: str,
                base_url: str, now: datetime | None = None) -> SweepResult:
    """One run over every regency: due reminders, then permits past their deadline revoked, each in a
    transaction of its own bound to its regency (row-level security applies)."""
    now = service._now(now)
    reminders = revoked = 0
    for tenant in await notify.regencies(maker):
        async def due(session: AsyncSession) -> list[int]:
            return list((await session.scalars(select(Permit.id).where(
                Permit.reminder_due_at <= now, Permit.revoked_at.is_(None), Permit.completed_at.is_(None),
                Permit.documents_due_at > now).order_by(Permit.reminder_due_at))).all())

        async def send(session: AsyncSession, permit_id: int, tenant: Tenant = tenant) -> int:
            return await send_reminder(session, tenant, permit_id, notifier, secret_key=secret_key,
                                       base_url=base_url, now=now)

        reminders += await notify.each_due(maker, tenant, due, send, what="permit reminder")
        async with tenant_session(maker, tenant.id) as session:
            lapsed = list((await session.scalars(select(Permit.id).where(
                Permit.revoked_at.is_(None), Permit.completed_at.is_(None), Permit.documents_due_at <= now)
                .order_by(Permit.documents_due_at, Permit.id))).all())
        for permit_id in lapsed:
            async with tenant_session(maker, tenant.id) as session:
                revoked += await revoke(session, permit_id, now=now)
    return SweepResult(reminders, revoked)

