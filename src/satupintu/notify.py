"""Notifications (booking and permit reminders, application steps, complaint escalations), through
one adapter per channel, and what every notice shares: the claim of an event (:func:`claim`), the job
that sends one (:func:`send_queued`), the job queued after the commit (:func:`queue_after_commit`) and
the one loop every sweep runs (:func:`each_due`).

E-mail goes out over SMTP when ``SATUPINTU_SMTP_HOST`` is set. WhatsApp and SMS gateways are
regional contracts: an adapter for one implements :class:`Notifier` and is registered under its
channel in :func:`from_settings`. Until a channel has an adapter, :class:`LogNotifier` stands in:
it records that a message would have gone out, with the address masked and without the message's
text (which carries the booking code). No adapter ever logs an address in clear.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Protocol

from satupintu.config import Settings, SmtpSettings
from satupintu.logs import get_logger

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from satupintu.tenants.models import Tenant

log = get_logger("satupintu.notify")


@dataclass(frozen=True)
class Recipient:
    kind: str  # "email", "whatsapp", "sms"
    address: str

    def __repr__(self) -> str:  # never the address in clear, also not in a traceback
        return f"Recipient({self.kind!r}, {mask(self.address)!r})"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


class NotSent(Exception):
    """The channel did not take the message; the caller tries again later."""


class Notifier(Protocol):
    async def send(self, to: Recipient, message: Message) -> None:
        """Deliver or raise :class:`NotSent`."""


def mask(address: str) -> str:
    """What staff lists and logs may show of an address: r•••@•••.id, or •••••78 for a number."""
    if "@" in address:
        local, _, domain = address.rpartition("@")
        top = domain.rsplit(".", 1)[-1] if "." in domain else ""
        return f"{local[:1]}•••@•••.{top}"
    digits = [c for c in address if c.isdigit()]
    return "•••••" + "".join(digits[-2:])


class LogNotifier:
    """The default of every channel without an adapter: a log line, masked, without the text."""

    def __init__(self) -> None:
        self.sent: list[Recipient] = []

    async def send(self, to: Recipient, message: Message) -> None:
        self.sent.append(to)
        log.info("notification not sent: no adapter for this channel", channel=to.kind, to=mask(to.address),
                 subject=message.subject)


class EmailNotifier:
    """E-mail over SMTP, in a thread (smtplib blocks); a refusal or a network error is NotSent."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp

    async def send(self, to: Recipient, message: Message) -> None:
        await asyncio.to_thread(self._send, to, message)

    def _send(self, to: Recipient, message: Message) -> None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.smtp.sender, to.address, message.subject
        email.set_content(message.body)
        smtp = self.smtp
        try:
            if smtp.security == "ssl":
                client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
            with client:
                if smtp.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if smtp.user:
                    client.login(smtp.user, smtp.password or "")
                client.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:
            raise NotSent(f"{type(exc).__name__} from {smtp.host}:{smtp.port}") from None


class Channels:
    """Sends each message through the adapter of its recipient's channel."""

    def __init__(self, adapters: dict[str, Notifier], fallback: Notifier | None = None) -> None:
        self.adapters, self.fallback = adapters, fallback or LogNotifier()

    async def send(self, to: Recipient, message: Message) -> None:
        await self.adapters.get(to.kind, self.fallback).send(to, message)


def from_settings(settings: Settings) -> Channels:
    """E-mail over SMTP when configured; every other channel (WhatsApp, SMS) logs until it has an adapter."""
    adapters: dict[str, Notifier] = {}
    if settings.smtp is not None:
        adapters["email"] = EmailNotifier(settings.smtp)
    return Channels(adapters)


async def regencies(maker: async_sessionmaker[AsyncSession]) -> list[Tenant]:
    """Every regency, in a stable order: what a sweep walks over."""
    from sqlalchemy import select

    from satupintu.db import tenant_session
    from satupintu.tenants.models import Tenant

    async with tenant_session(maker, None) as session:
        return list((await session.scalars(select(Tenant).order_by(Tenant.id))).all())


async def each_due(maker: async_sessionmaker[AsyncSession], tenant: Tenant,
                   due: Callable[[AsyncSession], Awaitable[list[int]]],
                   act: Callable[[AsyncSession, int], Awaitable[int]], *, what: str,
                   failures: tuple[type[Exception], ...] = (NotSent,)) -> int:
    """One regency's part of a sweep: read the ids of what is due (``due``), then claim and do each
    (``act``: claim it by a conditional UPDATE, send or erase, and count what it did) in a transaction
    of its own bound to the regency (row-level security applies). One that fails with ``failures``
    (a message that cannot be sent, by default) rolls back and is logged, without any address, for
    the next run. Returns the sum of the counts."""
    from satupintu.db import tenant_session

    async with tenant_session(maker, tenant.id) as session:
        ids = await due(session)
    done = 0
    for item in ids:
        try:
            async with tenant_session(maker, tenant.id) as session:
                done += await act(session, item)
        except failures as exc:
            log.warning("sweep step not done; tried again at the next run", step=what, tenant=tenant.slug, id=item,
                        error=str(exc) if isinstance(exc, NotSent) else type(exc).__name__)
    return done


async def claim(session: AsyncSession, model: type, event_id: int, now: datetime, *conditions: Any) -> Any:
    """Claim one event for its notice by a conditional UPDATE of its ``notified_at`` (and
    ``conditions``): the event, read again, for the one caller that claims it; None for every other
    (a redelivered job, a second worker, the sweep). The claim commits with the sending, or rolls back."""
    from sqlalchemy import select, update

    claimed = await session.scalar(
        update(model).where(model.id == event_id, model.notified_at.is_(None), *conditions)
        .values(notified_at=now).returning(model.id).execution_options(synchronize_session=False))
    if claimed is None:
        return None
    return await session.scalar(select(model).where(model.id == event_id).execution_options(populate_existing=True))


async def send_queued(tenant_id: int, event_id: int,
                      send: Callable[[AsyncSession, Tenant, int, Notifier, Settings], Awaitable[int]]) -> int:
    """What a notice job does: ``send`` one event in a transaction bound to its regency, with this
    process's settings and channels (nothing when the regency is gone). A NotSent raised by ``send``
    rolls the claim back and makes Dramatiq retry the job."""
    from satupintu import jobs
    from satupintu.db import tenant_session
    from satupintu.tenants.models import Tenant

    settings = Settings.from_env()
    async with tenant_session(jobs.sessionmaker(), tenant_id) as session:
        tenant = await session.get(Tenant, tenant_id)
        if tenant is None:
            return 0
        return await send(session, tenant, event_id, from_settings(settings), settings)


def queue_after_commit(key: str, pick: Callable[[Any], tuple[int, int] | None], actor: Callable[[], Any], *,
                       what: str) -> None:
    """Queue one job per new row a regency's transaction added, once it commits (nothing for work that
    rolled back): after each flush ``pick`` names the rows to tell about as (tenant id, row id), and
    after the commit ``actor()`` (imported late: no import cycle) is sent each pair. A broker that
    cannot be reached must not undo what committed: that is logged, and the sweep sends them later."""
    from sqlalchemy import event

    from satupintu.db import TenantSession

    @event.listens_for(TenantSession, "after_flush")
    def _note(session: Any, _context: Any) -> None:
        for obj in session.new:
            found = pick(obj)
            if found is not None:
                session.info.setdefault(key, []).append(found)

    @event.listens_for(TenantSession, "after_commit")
    def _queue(session: Any) -> None:
        rows = session.info.pop(key, None)
        if not rows:
            return
        try:
            job = actor()
            for tenant_id, row_id in rows:
                job.send(tenant_id, row_id)
        except Exception as exc:  # noqa: BLE001 - logged; the sweep catches up
            log.warning("notices not queued; the sweep sends them", notice=what, count=len(rows),
                        error=type(exc).__name__)

    @event.listens_for(TenantSession, "after_rollback")
    def _forget(session: Any) -> None:
        session.info.pop(key, None)
