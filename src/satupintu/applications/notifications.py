"""Telling the applicant about each step: the tracking number when they apply, then every status change.

Each timeline event is sent once. The request that adds an event queues a Dramatiq job for it after
its transaction commits (nothing for work that rolled back); the job claims the event by a
conditional UPDATE of ``notified_at`` in the transaction that sends it, so a redelivered message, a
second worker or the sweep never send it twice, and a sending that fails (:class:`notify.NotSent`)
rolls its claim back. The periodic :func:`sweep` sends every event still unsent after a few minutes
(a lost message, a broker that was down), for a week; an older step is no longer news. Messages go
to the applicant's e-mail address and phone (WhatsApp/SMS through its adapter, which logs by
default), in the language they applied in, and carry the tracking number and the status page's
address, never the NIK or the name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu import i18n, notify
from satupintu.applications import service
from satupintu.applications.models import Application, ApplicationEvent, ApplicationStatus
from satupintu.catalogue.models import TenantService
from satupintu.survey import service as survey
from satupintu.tenants.models import Tenant

KEY = "applications.new_events"
SWEEP_AFTER = timedelta(minutes=5)  # the job's own chance first
SWEEP_WINDOW = timedelta(days=7)

S = ApplicationStatus
HEADLINES = {
    S.SUBMITTED: i18n.N_("Your application %(number)s for %(service)s was received."),
    S.VERIFIED: i18n.N_("Your application %(number)s was verified: the documents are complete."),
    S.IN_PROCESS: i18n.N_("Your application %(number)s is being processed."),
    S.DONE: i18n.N_("Your application %(number)s is done."),
    S.READY: i18n.N_("The result of your application %(number)s is ready for pick-up."),
    S.DELIVERED: i18n.N_("The result of your application %(number)s was handed over."),
    S.REJECTED: i18n.N_("Your application %(number)s was rejected."),
    S.REVOKED: i18n.N_("The permit of your application %(number)s was revoked."),
}


def status_url(base_url: str, tenant: Tenant, number: str) -> str:
    return f"{base_url.rstrip('/')}/{tenant.slug}/lacak/{number}"


def message(tenant: Tenant, application: Application, service_name: str, step: ApplicationEvent,
            base_url: str, rate_url: str | None = None) -> notify.Message:
    """The message of one step, in the applicant's language; the step that makes the result done
    invites the applicant to rate the service (``rate_url``, the survey's sealed link)."""
    token = i18n.current_locale.set(application.language)
    try:
        values = {"number": application.tracking_number, "service": service_name, "tenant": tenant.name,
                  "due": f"{application.due_date:%d-%m-%Y}", "url": status_url(base_url, tenant, application.tracking_number)}
        subject = i18n.gettext("Application %(number)s at MPP %(tenant)s") % values
        lines = [i18n.gettext(HEADLINES[step.status]) % values]
        if step.note and step.status in (S.REJECTED, S.REVOKED):
            lines.append(i18n.gettext("Reason: %(reason)s") % {"reason": step.note})
        elif step.note:
            lines.append(step.note)
        if step.status in (S.SUBMITTED, S.VERIFIED, S.IN_PROCESS):
            lines.append(i18n.gettext("It is due to be done by %(due)s.") % values)
        lines.append(i18n.gettext("Follow it with the tracking number %(number)s at %(url)s") % values)
        if rate_url and step.status == S.DONE:
            lines.append(i18n.gettext("How did we serve you? Nine short questions, anonymous: %(url)s")
                         % {"url": rate_url})
    finally:
        i18n.current_locale.reset(token)
    return notify.Message(subject=subject, body="\n".join(lines))


async def send_event(session: AsyncSession, tenant: Tenant, event_id: int, notifier: notify.Notifier, *,
                     secret_key: str, base_url: str, now: datetime | None = None) -> int:
    """Send one event's message to the applicant's addresses; 0 when it was sent already (or there is
    nobody to tell). Raises NotSent, which rolls the claim back with the transaction."""
    step = await notify.claim(session, ApplicationEvent, event_id, service._now(now))
    if step is None:
        return 0
    application = await session.get(Application, step.application_id)
    the_service = await session.get(TenantService, application.service_id)
    personal = service.unseal(application, secret_key)
    recipients = [notify.Recipient(kind, address) for kind, address in
                  (("email", personal.email), ("whatsapp", personal.phone)) if address]
    name = the_service.name_en if application.language == "en" else the_service.name_id
    rate_url = base_url.rstrip("/") + survey.rating_path(secret_key, tenant, survey.APPLICATION,
                                                         application.tracking_number) \
        if step.status == S.DONE else None
    text = message(tenant, application, name, step, base_url, rate_url)
    for recipient in recipients:
        await notifier.send(recipient, text)
    return len(recipients)


async def unsent(session: AsyncSession, *, now: datetime) -> list[int]:
    return list((await session.scalars(select(ApplicationEvent.id).where(
        ApplicationEvent.notified_at.is_(None), ApplicationEvent.at <= now - SWEEP_AFTER,
        ApplicationEvent.at > now - SWEEP_WINDOW).order_by(ApplicationEvent.at, ApplicationEvent.id))).all())


async def sweep(maker: async_sessionmaker[AsyncSession], notifier: notify.Notifier, *, secret_key: str,
                base_url: str, now: datetime | None = None) -> int:
    """Send every event that is still unsent (each in a transaction of its own, bound to its regency);
    one that cannot be sent is logged and tried again at the next run. Returns the messages sent."""
    now = service._now(now)
    sent = 0
    for tenant in await notify.regencies(maker):
        async def send(session: AsyncSession, event_id: int, tenant: Tenant = tenant) -> int:
            return await send_event(session, tenant, event_id, notifier, secret_key=secret_key, base_url=base_url,
                                    now=now)

        sent += await notify.each_due(maker, tenant, partial(unsent, now=now), send, what="application notice")
    return sent


async def tenant_of(session: AsyncSession, tenant_id: int) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


# --- after the commit ----------------------------------------------------------------------------


def _new_event(obj: Any) -> tuple[int, int] | None:
    return (obj.tenant_id, obj.id) if isinstance(obj, ApplicationEvent) and obj.id is not None else None


def _actor() -> Any:
    from satupintu.applications.tasks import notify_event

    return notify_event


notify.queue_after_commit(KEY, _new_event, _actor, what="application notices")


def local_time(tenant: Tenant, moment: datetime) -> datetime:
    return service.as_utc(moment).astimezone(ZoneInfo(tenant.timezone.iana))
