"""Complaints of one regency: their categories, the complaints themselves, what happened to each
(events) and the deadlines each one missed (breaches).

Every table is tenant-owned (row-level security applies). A complaint is known publicly by a random
tracking number, never by its integer key. Its contact details (a name, an e-mail address, a phone
number) are optional, sealed with the app's key, shown masked in staff lists and erased when the
complaint is closed; so is its photo (kept in :mod:`satupintu.storage` under ``photo_key``). Its
deadlines are columns (``response_due_at``, ``resolve_due_at`` and the next escalation,
``escalate_at``), enforced by the periodic sweep in :mod:`satupintu.complaints.service`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import READABLE_ALPHABET, Base, TenantOwned, readable_code, str_enum, tenant_fk, utcnow

TRACKING_ALPHABET = READABLE_ALPHABET
TRACKING_LENGTH = 12


def tracking_number() -> str:
    """Twelve characters without look-alikes (31^12, about 7.9 * 10^17): nobody finds another's by guessing."""
    return readable_code(TRACKING_LENGTH)


class Channel(enum.StrEnum):
    """Where a complaint came in; every channel lands in the same list."""

    WEB = "web"  # the citizen's form at /{slug}/pengaduan
    PHONE = "phone"
    WHATSAPP = "whatsapp"
    BOX = "box"  # the complaint box at the mall
    LAPOR = "lapor"  # SP4N-LAPOR!, with its reference
    OPEN311 = "open311"  # another system through the Open311 GeoReport v2 API


class Status(enum.StrEnum):
    RECEIVED = "received"  # waiting for its first response
    RESPONDED = "responded"  # answered, being handled
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = (Status.RECEIVED, Status.RESPONDED)


class EventKind(enum.StrEnum):
    RECEIVED = "received"
    RESPONDED = "responded"  # the first response
    NOTE = "note"  # a later update to the citizen
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Level(enum.IntEnum):
    """Who is answerable for a complaint: the escalation chain."""

    OFFICER = 0
    AGENCY_HEAD = 1
    MPP_MANAGER = 2
    REGENT_OFFICE = 3


class BreachKind(enum.StrEnum):
    RESPONSE = "response"  # no first response by its deadline (the 4-hour rule)
    RESOLUTION = "resolution"  # not resolved by its deadline


class ComplaintCategory(TenantOwned, Base):
    """What a complaint is about (service quality, staff conduct, fees, ...): one Open311 service each."""

    __tablename__ = "complaint_categories"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    description_id: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Complaint(TenantOwned, Base):
    """One complaint, from any channel, about a service, an agency, a counter or a visit (a ticket)."""

    __tablename__ = "complaints"
    __table_info__ = {"bumps_revision": False}  # operational state: no cached public page shows it
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "tracking"),
        tenant_fk(["category_id"], "complaint_categories"),
        tenant_fk(["service_id"], "tenant_services", ondelete="SET NULL"),
        tenant_fk(["agency_id"], "agencies", ondelete="SET NULL"),
        tenant_fk(["counter_id"], "counters", ondelete="SET NULL"),
        tenant_fk(["location_id"], "locations", ondelete="SET NULL"),
        tenant_fk(["ticket_id"], "queue_tickets", ondelete="SET NULL"),
        tenant_fk(["recorded_by"], "staff_accounts", ondelete="SET NULL"),
        Index("ix_complaints_escalate", "tenant_id", "escalate_at"),
        Index("ix_complaints_received", "tenant_id", "received_at"),
    )

    tracking: Mapped[str] = mapped_column(String(TRACKING_LENGTH), default=tracking_number)
    category_id: Mapped[int] = mapped_column(index=True)
    service_id: Mapped[int | None] = mapped_column()
    agency_id: Mapped[int | None] = mapped_column(index=True)  # the responsible unit
    counter_id: Mapped[int | None] = mapped_column()
    location_id: Mapped[int | None] = mapped_column()  # whose opening hours count the working time
    ticket_id: Mapped[int | None] = mapped_column()
    description: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    address: Mapped[str] = mapped_column(String(300), default="")
    media_url: Mapped[str | None] = mapped_column(String(500))  # an Open311 client's own link, as it sent it
    photo_key: Mapped[str | None] = mapped_column(String(60))
    """The storage key of the photo sent with the complaint (personal data: faces, number plates).
    Shown to staff through signed links only; erased by the sweep once the complaint is closed."""
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10))
    external_ref: Mapped[str | None] = mapped_column(String(100))  # SP4N-LAPOR!'s number, an Open311 client's id
    language: Mapped[str] = mapped_column(String(2), default="id")
    anonymous: Mapped[bool] = mapped_column(default=True)
    contact_name: Mapped[str | None] = mapped_column(Text)  # sealed
    contact_email: Mapped[str | None] = mapped_column(Text)  # sealed
    contact_phone: Mapped[str | None] = mapped_column(Text)  # sealed
    status: Mapped[Status] = mapped_column(str_enum(Status, 10), default=Status.RECEIVED)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_due_at: Mapped[datetime] = mapped_column()
    resolve_due_at: Mapped[datetime] = mapped_column()
    first_response_at: Mapped[datetime | None] = mapped_column()
    response_minutes: Mapped[int | None] = mapped_column()  # working minutes from receipt to the first response
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    level: Mapped[int] = mapped_column(default=Level.OFFICER)
    escalate_at: Mapped[datetime | None] = mapped_column()  # the next escalation, while one is possible
    recorded_by: Mapped[int | None] = mapped_column()  # the staff member who recorded a phone/box/... complaint


class ComplaintEvent(TenantOwned, Base):
    """What happened to a complaint: received, first response, escalated to level N, resolved, closed.
    An escalation's ``notified_at`` is claimed by the one job (or sweep) that tells the people now
    answerable (:mod:`satupintu.complaints.notifications`)."""

    __tablename__ = "complaint_events"
    __table_info__ = {"bumps_revision": False}
    __extra_table_args__ = (
        tenant_fk(["complaint_id"], "complaints", ondelete="CASCADE"),
        tenant_fk(["staff_id"], "staff_accounts", ondelete="SET NULL"),
        Index("ix_complaint_events_unsent", "tenant_id", "notified_at", "at"),
    )

    complaint_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 10))
    level: Mapped[int | None] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column()  # None: the system (the sweep) or the citizen
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column()


class ComplaintBreach(TenantOwned, Base):
    """A deadline a complaint missed, recorded against the unit responsible (the sanction's basis)."""

    __tablename__ = "complaint_breaches"
    __table_info__ = {"bumps_revision": False}
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "complaint_id", "kind"),
        tenant_fk(["complaint_id"], "complaints", ondelete="CASCADE"),
        tenant_fk(["agency_id"], "agencies", ondelete="SET NULL"),
    )

    complaint_id: Mapped[int] = mapped_column(index=True)
    agency_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[BreachKind] = mapped_column(str_enum(BreachKind, 10))
    due_at: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
