"""Telling the people a complaint escalated to that it is now theirs to answer.

Who, by the level the complaint reached:

- head of agency (1): the active staff accounts of the responsible agency (``StaffAccount.agency_id``;
  SatuPintu has no "head" role, and a regency assigns an agency's accounts to the people who answer
  for it), else, for a complaint about the mall as a whole or an agency without accounts, the
  regency's admins;
- MPP manager (2): the regency's active admin accounts (role tenant_admin);
- regent's office (3): the address the regency sets in its policy (``complaint_regent_email``, in the
  console's policies), else the regency's admins.

Each escalation event is told once, like the applications' notices: the transaction that records it
queues a Dramatiq job after it commits (registered in :mod:`satupintu.complaints.service`); the job claims the event by
a conditional UPDATE of ``notified_at`` in the transaction that sends it, so a redelivered message, a
second worker or the sweep never send it twice, and a sending that fails (:class:`notify.NotSent`)
rolls its claim back. The periodic :func:`sweep` sends every escalation still untold after a few
minutes (a lost message, a broker that was down), for a week. The message carries the tracking number,
the category, the agency, the deadline missed and by how much, and the console's address of the
complaint; never the citizen's contact, description or photo. Staff accounts keep no language, so it
is in Indonesian.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu import i18n, notify
from satupintu.accounts.models import Role, StaffAccount
from satupintu.agencies.models import Agency
from satupintu.complaints import service
from satupintu.complaints.models import Complaint, ComplaintCategory, ComplaintEvent, EventKind, Level
from satupintu.queue.service import as_utc, now_or_clock
from satupintu.tenants.models import Tenant, TenantPolicy

SWEEP_AFTER = timedelta(minutes=5)  # the job's own chance first
SWEEP_WINDOW = timedelta(days=7)
LANGUAGE = "id"
"""Staff accounts carry no language of their own; the regency's working language is Indonesian."""

WHO = {
    Level.AGENCY_HEAD: i18n.N_("the head of the agency"),
    Level.MPP_MANAGER: i18n.N_("the MPP manager"),
    Level.REGENT_OFFICE: i18n.N_("the regent's office"),
}


async def recipients(session: AsyncSession, complaint: Complaint, level: int, policy: TenantPolicy) -> list[str]:
    """The e-mail addresses answerable at ``level`` for this complaint (see the module's text)."""
    active = StaffAccount.active.is_(True)
    if level == Level.AGENCY_HEAD and complaint.agency_id is not None:
        agency_staff = (await session.scalars(select(StaffAccount.email).where(
            active, StaffAccount.agency_id == complaint.agency_id,
            StaffAccount.role.in_((Role.OPERATOR, Role.TENANT_ADMIN))))).all()
        if agency_staff:
            return sorted(set(agency_staff))
    if level == Level.REGENT_OFFICE and policy.complaint_regent_email:
        return [policy.complaint_regent_email]
    return sorted(set((await session.scalars(select(StaffAccount.email).where(
        active, StaffAccount.role == Role.TENANT_ADMIN))).all()))


def console_url(base_url: str, tenant: Tenant, complaint: Complaint) -> str:
    return f"{base_url.rstrip('/')}/{tenant.slug}/admin/pengaduan/{complaint.tracking}"


def _late(minutes: int) -> str:
    hours, minutes = divmod(max(minutes, 0), 60)
    return i18n.gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}


def message(tenant: Tenant, complaint: Complaint, step: ComplaintEvent, category: str, agency: str,
            base_url: str, language: str = LANGUAGE) -> notify.Message:
    """The notice of one escalation, in ``language``; nothing in it about the person who complained."""
    token = i18n.current_locale.set(language)
    try:
        answered = complaint.first_response_at is not None
        due = as_utc(complaint.resolve_due_at if answered else complaint.response_due_at)
        values = {"number": service.format_tracking(complaint.tracking), "tenant": tenant.name,
                  "who": i18n.gettext(WHO[Level(step.level)]), "category": category,
                  "agency": agency or i18n.gettext("the mall as a whole"),
                  "due": f"{due.astimezone(ZoneInfo(tenant.timezone.iana)):%d-%m-%Y %H:%M} {tenant.timezone.value}",
                  "late": _late(int((as_utc(step.at) - due).total_seconds() // 60)),
                  "url": console_url(base_url, tenant, complaint)}
        subject = i18n.gettext("Complaint %(number)s is late and now with %(who)s (MPP %(tenant)s)") % values
        lines = [
            i18n.gettext("Complaint %(number)s missed its deadline and was passed up to %(who)s.") % values,
            i18n.gettext("About: %(category)s. Agency: %(agency)s.") % values,
            (i18n.gettext("It was to be resolved by %(due)s and is %(late)s late.") if answered
             else i18n.gettext("Its first answer was due by %(due)s and is %(late)s late.")) % values,
            i18n.gettext("Answer it in the console: %(url)s") % values,
        ]
    finally:
        i18n.current_locale.reset(token)
    return notify.Message(subject=subject, body="\n".join(lines))


async def send_event(session: AsyncSession, tenant: Tenant, event_id: int, notifier: notify.Notifier, *,
                     base_url: str, now: datetime | None = None) -> int:
    """Tell the people answerable at one escalation's level; 0 when it was told already (or it is not
    an escalation). Raises NotSent, which rolls the claim back with the transaction."""
    step = await notify.claim(session, ComplaintEvent, event_id, now_or_clock(now),
                              ComplaintEvent.kind == EventKind.ESCALATED)
    if step is None:
        return 0
    complaint = await session.get(Complaint, step.complaint_id)
    category = await session.get(ComplaintCategory, complaint.category_id)
    agency = await session.get(Agency, complaint.agency_id) if complaint.agency_id else None
    addresses = await recipients(session, complaint, step.level, await service.rules(session))
    text = message(tenant, complaint, step, service.category_name(category, LANGUAGE), agency.name if agency else "",
                   base_url)
    for address in addresses:
        await notifier.send(notify.Recipient("email", address), text)
    return len(addresses)


async def unsent(session: AsyncSession, *, now: datetime) -> list[int]:
    return list((await session.scalars(select(ComplaintEvent.id).where(
        ComplaintEvent.kind == EventKind.ESCALATED, ComplaintEvent.notified_at.is_(None),
        ComplaintEvent.at <= now - SWEEP_AFTER, ComplaintEvent.at > now - SWEEP_WINDOW)
        .order_by(ComplaintEvent.at, ComplaintEvent.id))).all())


async def sweep(maker: async_sessionmaker[AsyncSession], notifier: notify.Notifier, *, base_url: str,
                now: datetime | None = None) -> int:
    """Tell every escalation no job told (each in a transaction of its own, bound to its regency); one
    that cannot be sent is logged and tried again at the next run. Returns the messages sent."""
    now = now_or_clock(now)
    sent = 0
    for tenant in await notify.regencies(maker):
        async def send(session: AsyncSession, event_id: int, tenant: Tenant = tenant) -> int:
            return await send_event(session, tenant, event_id, notifier, base_url=base_url, now=now)

        sent += await notify.each_due(maker, tenant, partial(unsent, now=now), send, what="complaint escalation")
    return sent
