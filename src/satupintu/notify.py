"""Notifications to citizens (booking reminders), through one adapter per channel.

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
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from satupintu.config import Settings, SmtpSettings
from satupintu.logs import get_logger

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
