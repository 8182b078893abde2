"""The queue of one regency: counter groups, daily number sequences, tickets, staffed desks and
online bookings.

Every table is tenant-owned (row-level security applies, like any regency data). A ticket carries
no personal data at all: no NIK, no name, no phone. It is known publicly by a random ``public_id``,
never by its integer key, so nobody can walk other people's tickets by counting. A booking holds at
most one optional contact for its reminder, encrypted, and only until the booking ends.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import Enum, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, readable_code, tenant_fk, utcnow


class TicketStatus(enum.StrEnum):
    WAITING = "waiting"  # in line (also after a transfer)
    CALLED = "called"  # called to a counter, the citizen is walking there
    SERVING = "serving"  # the operator started serving
    DONE = "done"
    NO_SHOW = "no_show"  # skipped: did not come when called


ACTIVE = (TicketStatus.CALLED, TicketStatus.SERVING)


def public_id() -> str:
    return secrets.token_urlsafe(16)


class QueueSettings(TenantOwned, Base):
    """A regency's queue rules (one row per tenant; defaults apply until an admin saves one)."""

    __tablename__ = "queue_settings"
    __extra_table_args__ = (UniqueConstraint("tenant_id"),)

    priority_weight: Mapped[int] = mapped_column(default=10)
    default_service_minutes: Mapped[int] = mapped_column(default=6)
    booking_slot_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    booking_share_percent: Mapped[int] = mapped_column(default=50, server_default="50")
    booking_grace_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    booking_days_ahead: Mapped[int] = mapped_column(default=14, server_default="14")


class ServiceQueueRule(TenantOwned, Base):
    """A daily ticket quota for one service at one location (e.g. 60 passport applications)."""

    __tablename__ = "queue_service_rules"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "service_id"),
        tenant_fk(["service_id"], "tenant_services", ondelete="CASCADE"),
    )

    service_id: Mapped[int] = mapped_column(index=True)
    daily_quota: Mapped[int | None] = mapped_column()


class CounterGroup(TenantOwned, Base):
    """The counters of one agency in one location: they share a line and a letter (A-001)."""

    __tablename__ = "queue_groups"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "location_id", "agency_id"),
        UniqueConstraint("tenant_id", "location_id", "prefix"),
        tenant_fk(["location_id"], "locations", ondelete="CASCADE"),
        tenant_fk(["agency_id"], "agencies", ondelete="CASCADE"),
    )

    location_id: Mapped[int] = mapped_column(index=True)
    agency_id: Mapped[int] = mapped_column(index=True)
    prefix: Mapped[str] = mapped_column(String(2))


class NumberSequence(TenantOwned, Base):
    """The last number given in one group on one local day; locked while a ticket is numbered."""

    __tablename__ = "queue_sequences"
    __table_info__ = {"bumps_revision": False}  # operational state: no cached public page shows it
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "group_id", "day"),
        tenant_fk(["group_id"], "queue_groups", ondelete="CASCADE"),
    )

    group_id: Mapped[int] = mapped_column(index=True)
    day: Mapped[date] = mapped_column()
    last_number: Mapped[int] = mapped_column(default=0)


class Ticket(TenantOwned, Base):
    """One place in line, with every step timestamped so waiting and service time are measured."""

    __tablename__ = "queue_tickets"
    __table_info__ = {"bumps_revision": False}  # operational state: no cached public page shows it
    __extra_table_args__ = (
        UniqueConstraint("public_id"),
        UniqueConstraint("tenant_id", "group_id", "day", "number"),
        tenant_fk(["group_id"], "queue_groups", ondelete="CASCADE"),
        tenant_fk(["service_id"], "tenant_services", ondelete="SET NULL"),
        tenant_fk(["counter_id"], "counters", ondelete="SET NULL"),
        Index("ix_queue_tickets_line", "tenant_id", "group_id", "day", "status"),
        Index("ix_queue_tickets_finished", "tenant_id", "group_id", "finished_at"),  # the estimate's last 200
    )

    public_id: Mapped[str] = mapped_column(String(32), default=public_id)
    group_id: Mapped[int] = mapped_column()
    service_id: Mapped[int | None] = mapped_column()
    day: Mapped[date] = mapped_column()
    number: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(String(12))
    priority: Mapped[bool] = mapped_column(default=False)
    priority_weight: Mapped[int] = mapped_column(default=0)
    status: Mapped[TicketStatus] = mapped_column(
        Enum(TicketStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=TicketStatus.WAITING,
    )
    counter_id: Mapped[int | None] = mapped_column(index=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column()
    recalled_at: Mapped[datetime | None] = mapped_column()
    recalls: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    no_show_at: Mapped[datetime | None] = mapped_column()
    transferred_at: Mapped[datetime | None] = mapped_column()
    transfers: Mapped[int] = mapped_column(default=0)
    slot_at: Mapped[datetime | None] = mapped_column()  # a checked-in booking's slot: called from then on


class Desk(TenantOwned, Base):
    """An operator staffing one counter: one operator per counter and one counter per operator."""

    __tablename__ = "queue_desks"
    __table_info__ = {"bumps_revision": False}  # operational state: no cached public page shows it
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "counter_id"),
        UniqueConstraint("tenant_id", "staff_id"),
        tenant_fk(["counter_id"], "counters", ondelete="CASCADE"),
        tenant_fk(["staff_id"], "staff_accounts", ondelete="CASCADE"),
    )

    counter_id: Mapped[int] = mapped_column()
    staff_id: Mapped[int] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"  # a slot is held; reminders may go out
    CHECKED_IN = "checked_in"  # the citizen came: the booking became a ticket
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"  # nobody checked in by the end of the grace period: released


class BookingSlot(TenantOwned, Base):
    """How many bookings one line has for one slot; counted up only while under the slot's capacity."""

    __tablename__ = "queue_booking_slots"
    __table_info__ = {"bumps_revision": False}  # operational state: no cached public page shows it
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "group_id", "starts_at"),
        tenant_fk(["group_id"], "queue_groups", ondelete="CASCADE"),
    )

    group_id: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column()
    booked: Mapped[int] = mapped_column(default=0)


def booking_code() -> str:
    """Eight characters a citizen can read out and type: no 0/O, 1/I/L (about 8 * 10^11 codes)."""
    return readable_code(8)


class Booking(TenantOwned, Base):
    """A time slot booked online for one service; checked in at the kiosk, it becomes a ticket.

    ``release_at`` (the slot's start plus the grace period) and ``reminder_due_at`` are the deadlines
    the periodic sweep enforces, so they survive any restart. ``contact`` is the optional address for
    the reminder, sealed with the app's key, and erased the moment the booking ends.
    """

    __tablename__ = "queue_bookings"
    __table_info__ = {"bumps_revision": False}  # operational state: no cached public page shows it
    __extra_table_args__ = (
        UniqueConstraint("public_id"),
        UniqueConstraint("tenant_id", "code"),
        tenant_fk(["group_id"], "queue_groups", ondelete="CASCADE"),
        tenant_fk(["service_id"], "tenant_services", ondelete="CASCADE"),
        tenant_fk(["ticket_id"], "queue_tickets", ondelete="SET NULL"),
        Index("ix_queue_bookings_release", "tenant_id", "status", "release_at"),
        Index("ix_queue_bookings_reminder", "tenant_id", "status", "reminder_due_at"),
    )

    public_id: Mapped[str] = mapped_column(String(32), default=public_id)
    code: Mapped[str] = mapped_column(String(8), default=booking_code)
    group_id: Mapped[int] = mapped_column()
    service_id: Mapped[int] = mapped_column()
    day: Mapped[date] = mapped_column()
    slot_start: Mapped[datetime] = mapped_column()
    slot_end: Mapped[datetime] = mapped_column()
    release_at: Mapped[datetime] = mapped_column()
    status: Mapped[BookingStatus] = mapped_column(
        Enum(BookingStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=BookingStatus.BOOKED,
    )
    language: Mapped[str] = mapped_column(String(2), default="id")
    contact_kind: Mapped[str | None] = mapped_column(String(10))
    contact: Mapped[str | None] = mapped_column(Text)
    reminder_due_at: Mapped[datetime | None] = mapped_column()
    reminder_sent_at: Mapped[datetime | None] = mapped_column()
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    ticket_id: Mapped[int | None] = mapped_column()
