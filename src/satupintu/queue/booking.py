"""Online booking: time slots per service, a booking with a code and a QR, check-in at the kiosk,
reminders and the release of no-shows.

Slots come from the location's opening hours on that day (none on a holiday, the regency's or the
location's) in slots of the regency's slot length. A slot's capacity is what the line's counters
can serve in it: slot minutes x counters of the line / the line's measured median service time (the
regency's declared default until three tickets were measured), of which the regency's booking share
(50 % by default) may be booked; the rest is for walk-ins. Each slot's count is one row counted up
by a single conditional UPDATE (``booked < capacity``), so two citizens never get the last place.

Deadlines live in the booking's row: ``release_at`` (the slot's start plus the grace period) and
``reminder_due_at``. :func:`sweep` enforces both from the database, so a restarted worker or a
second scheduler neither loses nor repeats anything. The optional contact (an e-mail address) is
sealed with the app's key, never shown in a URL or a log line, and erased when the booking ends:
when it is checked in, cancelled, or released as a no-show.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu import i18n, notify, security
from satupintu.agencies.hours import periods
from satupintu.agencies.models import Counter, Holiday, Location
from satupintu.catalogue.models import TenantService
from satupintu.db import insert_ignore, tenant_session
from satupintu.queue.models import Booking, BookingSlot, BookingStatus, CounterGroup, Ticket, booking_code
from satupintu.queue.service import (N_, QueueError, now_or_clock, unknown_service, as_utc, get_service,
                                     line_for, local_now, service_minutes, settings_of, ticket_for_slot)
from satupintu.tenants.models import Tenant
from satupintu.tenants.packs import DAYS

SEAL_PURPOSE = "booking-contact"
REMINDER_LEAD = timedelta(hours=24)
LATE_REMINDER_LEAD = timedelta(hours=1)
EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
CODE_INPUT = re.compile(r"[^A-Za-z0-9]")
PUBLIC_ID_IN_URL = re.compile(r"/antrian/reservasi/([A-Za-z0-9_-]{16,32})")


@dataclass(frozen=True)
class Slot:
    start: datetime  # local time of the regency
    end: datetime
    capacity: int
    booked: int

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.booked)


@dataclass(frozen=True)
class Day:
    service: TenantService
    location: Location
    group: CounterGroup
    day: date
    slots: list[Slot]


def _zone(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.timezone.iana)


def _closed_day(tenant: Tenant, day: date, holiday: str | None) -> QueueError:
    when = {"day": lambda: f"{i18n.day_name(DAYS[day.weekday()])} {day:%d-%m-%Y}"}
    if holiday:
        return QueueError("closed_day", 422, N_("This location is closed on %(day)s (%(holiday)s)."),
                          {**when, "holiday": holiday})
    return QueueError("closed_day", 422, N_("This location takes no bookings on %(day)s: it is closed that day."), when)


def _past() -> QueueError:
    return QueueError("past", 422, N_("That time has already passed; choose a later slot."))


async def capacity(session: AsyncSession, group: CounterGroup, slot_minutes: int, share_percent: int) -> int:
    """How many bookings one slot of a line takes (see the module's docstring)."""
    counters = await session.scalar(select(func.count()).select_from(Counter).where(
        Counter.location_id == group.location_id, Counter.agency_id == group.agency_id))
    per_slot = slot_minutes * max(1, counters) / max(await service_minutes(session, group.id), 1.0)
    if share_percent <= 0:
        return 0
    return max(1, math.floor(per_slot * share_percent / 100))


async def day_slots(session: AsyncSession, tenant: Tenant, service_code: str, location_code: str | None, day: date,
                    *, now: datetime | None = None) -> Day:
    """The bookable slots of a service on a local day, or QueueError (unknown service, closed day,
    a day in the past or beyond the booking horizon). Slots that have begun are left out."""
    now = now_or_clock(now)
    service = await get_service(session, service_code)
    if service is None:
        raise unknown_service()
    group, location = await line_for(session, service, location_code)
    rules = await settings_of(session)
    today = local_now(tenant, now).date()
    if day < today:
        raise _past()
    if day > today + timedelta(days=rules.booking_days_ahead):
        raise QueueError("too_far", 422, N_("Bookings open %(n)d days ahead; choose an earlier day."),
                         {"n": rules.booking_days_ahead})
    holiday = await session.scalar(select(Holiday.name).where(
        Holiday.day == day, (Holiday.location_id.is_(None)) | (Holiday.location_id == location.id)).limit(1))
    opening = [] if holiday else periods((location.hours or {}).get(DAYS[day.weekday()], "tutup"))
    if not opening:
        raise _closed_day(tenant, day, holiday)
    zone, length = _zone(tenant), timedelta(minutes=rules.booking_slot_minutes)
    starts: list[tuple[datetime, datetime]] = []
    for begin, end in opening:
        start, close = datetime.combine(day, begin, zone), datetime.combine(day, end, zone)
        while start + length <= close:
            if start > now:
                starts.append((start, start + length))
            start += length
    if not starts:
        raise _past()
    booked = dict((await session.execute(select(BookingSlot.starts_at, BookingSlot.booked).where(
        BookingSlot.group_id == group.id, BookingSlot.starts_at >= now_or_clock(starts[0][0]),
        BookingSlot.starts_at <= now_or_clock(starts[-1][0])))).all())
    booked = {now_or_clock(as_utc(at)): count for at, count in booked.items()}
    size = await capacity(session, group, rules.booking_slot_minutes, rules.booking_share_percent)
    return Day(service, location, group, day,
               [Slot(start, end, size, booked.get(now_or_clock(start), 0)) for start, end in starts])


def check_email(value: str | None) -> str | None:
    """The address, or None when none was given; QueueError when it is not one."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL.fullmatch(value):
        raise QueueError("bad_email", 422, N_("Enter an e-mail address such as nama@contoh.id, or leave it empty."))
    return value


async def book(session: AsyncSession, tenant: Tenant, service_code: str, location_code: str | None, start: datetime,
               *, email: str | None = None, language: str = "id", secret_key: str, now: datetime | None = None) -> Booking:
    """Hold one place in a slot, or raise QueueError (unknown service, closed day, past, full)."""
    now = now_or_clock(now)
    email = check_email(email)
    if not 1900 < start.year < 2100:
        raise _past() if start.year <= 1900 else QueueError("too_far", 422, N_("Choose a day in the coming weeks."))
    local = start.replace(tzinfo=_zone(tenant)) if start.tzinfo is None else start.astimezone(_zone(tenant))
    found = await day_slots(session, tenant, service_code, location_code, local.date(), now=now)
    slot = next((s for s in found.slots if s.start == local), None)
    if slot is None:
        if local <= now:
            raise _past()
        raise QueueError("not_a_slot", 422, N_("There is no booking slot at that time; choose one of the offered times."))
    at = now_or_clock(slot.start)
    await session.execute(insert_ignore(session, BookingSlot, [{
        "tenant_id": tenant.id, "group_id": found.group.id, "starts_at": at, "booked": 0,
        "created_at": now, "updated_at": now}]))
    held = await session.scalar(
        update(BookingSlot).where(BookingSlot.group_id == found.group.id, BookingSlot.starts_at == at,
                                  BookingSlot.booked < slot.capacity)
        .values(booked=BookingSlot.booked + 1, updated_at=now).returning(BookingSlot.booked)
        .execution_options(synchronize_session=False))
    if held is None:
        raise QueueError("slot_full", 409, N_("This slot is fully booked; choose another time."))
    rules = await settings_of(session)
    booking = Booking(code=booking_code(), group_id=found.group.id, service_id=found.service.id, day=found.day, slot_start=at,
                      slot_end=now_or_clock(slot.end), release_at=at + timedelta(minutes=rules.booking_grace_minutes),
                      language="en" if language == "en" else "id", booked_at=now)
    if email:
        booking.contact_kind, booking.contact = "email", security.seal(secret_key, email, SEAL_PURPOSE)
        booking.reminder_due_at = reminder_due(at, now)
    while await session.scalar(select(Booking.id).where(Booking.code == booking.code)) is not None:
        booking.code = booking_code()
    session.add(booking)
    await session.flush()
    return booking


def reminder_due(slot_start: datetime, now: datetime) -> datetime | None:
    """A day before the slot; an hour before when it was booked later than that; none within the hour."""
    for lead in (REMINDER_LEAD, LATE_REMINDER_LEAD):
        if slot_start - lead > now:
            return slot_start - lead
    return None


async def get_booking(session: AsyncSession, public: str) -> Booking | None:
    return await session.scalar(select(Booking).where(Booking.public_id == public[:32]))


def _end(booking: Booking, status: BookingStatus, now: datetime) -> None:
    """The booking ends: its contact is erased in the same transaction."""
    booking.status, booking.ended_at = status, now
    booking.contact = booking.contact_kind = booking.reminder_due_at = None


async def cancel(session: AsyncSession, booking: Booking, *, now: datetime | None = None) -> Booking:
    """Give the place back (while the slot has not begun) and end the booking."""
    now = now_or_clock(now)
    if booking.status != BookingStatus.BOOKED:
        raise QueueError("booking_ended", 409, N_("This booking has already ended."))
    if as_utc(booking.slot_start) > now:
        await session.execute(update(BookingSlot).where(
            BookingSlot.group_id == booking.group_id, BookingSlot.starts_at == booking.slot_start, BookingSlot.booked > 0)
            .values(booked=BookingSlot.booked - 1, updated_at=now).execution_options(synchronize_session=False))
    _end(booking, BookingStatus.CANCELLED, now)
    await session.flush()
    return booking


def _wanted(entered: str) -> tuple[str, str]:
    """What a kiosk received: ("public_id", ...) from a scanned status URL, else ("code", ...)."""
    scanned = PUBLIC_ID_IN_URL.search(entered or "")
    if scanned:
        return "public_id", scanned.group(1)
    return "code", CODE_INPUT.sub("", entered or "").upper()[:8]


async def check_in(session: AsyncSession, tenant: Tenant, entered: str, *, now: datetime | None = None) -> Ticket:
    """Turn a booking into a ticket of its line, called at its slot; a second check-in gives the same
    ticket. Refused with QueueError for an unknown code, an ended booking, another day, or too late."""
    now = now_or_clock(now)
    kind, value = _wanted(entered)
    column = Booking.public_id if kind == "public_id" else Booking.code
    booking = await session.scalar(select(Booking).where(column == value)) if value else None
    if booking is None:
        raise QueueError("unknown_booking", 422, N_("There is no booking with this code. Check the code on your booking."))
    if booking.status == BookingStatus.CHECKED_IN and booking.ticket_id is not None:
        ticket = await session.get(Ticket, booking.ticket_id)
        if ticket is not None:
            return ticket
    if booking.status != BookingStatus.BOOKED:
        raise QueueError("booking_ended", 409, N_("This booking has ended (cancelled, or released when nobody "
                                                  "checked in). Please take a ticket."))
    if local_now(tenant, now).date() != booking.day:
        raise QueueError("wrong_day", 409, N_("This booking is for %(day)s; please check in on that day."),
                         {"day": lambda: f"{i18n.day_name(DAYS[booking.day.weekday()])} {booking.day:%d-%m-%Y}"})
    if now >= as_utc(booking.release_at):
        raise QueueError("too_late", 409, N_("The check-in time for this booking has passed and its slot was "
                                             "released. Please take a ticket."))
    group = await session.get(CounterGroup, booking.group_id)
    ticket = await ticket_for_slot(session, tenant, group, booking.service_id, as_utc(booking.slot_start), now=now)
    _end(booking, BookingStatus.CHECKED_IN, now)
    booking.checked_in_at, booking.ticket_id = now, ticket.id
    await session.flush()
    return ticket


# --- the periodic sweep --------------------------------------------------------------------------


async def release_no_shows(session: AsyncSession, *, now: datetime | None = None) -> int:
    """End every booking nobody checked in by its ``release_at``, erasing its contact. Idempotent."""
    now = now_or_clock(now)
    result = await session.execute(
        update(Booking).where(Booking.status == BookingStatus.BOOKED, Booking.release_at <= now)
        .values(status=BookingStatus.NO_SHOW, ended_at=now, contact=None, contact_kind=None, reminder_due_at=None,
                updated_at=now).execution_options(synchronize_session=False))
    return result.rowcount or 0


@dataclass(frozen=True)
class Place:
    """What a reminder says: nothing personal beyond the address it goes to."""

    tenant: str
    service: str
    location: str
    address: str
    start: datetime
    code: str
    url: str


def reminder_text(place: Place, language: str) -> notify.Message:
    token = i18n.current_locale.set(language)
    try:
        subject = i18n.gettext("Reminder: your booking at MPP %(tenant)s") % {"tenant": place.tenant}
        body = i18n.gettext(
            "Your booking for %(service)s is on %(day)s at %(time)s at %(location)s (%(address)s).\n"
            "Check in at the kiosk with the code %(code)s before your time; early check-ins wait for their slot.\n"
            "Your booking, to follow or cancel it: %(url)s") % {
                "service": place.service, "day": f"{place.start:%d-%m-%Y}", "time": f"{place.start:%H:%M}",
                "location": place.location, "address": place.address, "code": place.code, "url": place.url}
    finally:
        i18n.current_locale.reset(token)
    return notify.Message(subject=subject, body=body)


async def due_reminders(session: AsyncSession, *, now: datetime | None = None) -> list[int]:
    """Bookings whose reminder is due and not sent yet (the slot still ahead, a contact kept)."""
    now = now_or_clock(now)
    return list((await session.scalars(select(Booking.id).where(
        Booking.status == BookingStatus.BOOKED, Booking.reminder_due_at <= now, Booking.reminder_sent_at.is_(None),
        Booking.contact.is_not(None), Booking.slot_start > now).order_by(Booking.reminder_due_at))).all())


async def send_reminder(session: AsyncSession, tenant: Tenant, booking_id: int, notifier: notify.Notifier, *,
                        secret_key: str, base_url: str, now: datetime | None = None) -> bool:
    """Send one due reminder. It is claimed (``reminder_sent_at``) by a conditional UPDATE before it
    goes out, in the transaction that commits it: two sweeps never send it twice, and when sending
    fails (:class:`notify.NotSent`) the claim rolls back with the transaction and the next sweep tries again."""
    now = now_or_clock(now)
    claimed = await session.scalar(
        update(Booking).where(Booking.id == booking_id, Booking.status == BookingStatus.BOOKED,
                              Booking.reminder_sent_at.is_(None), Booking.contact.is_not(None))
        .values(reminder_sent_at=now, updated_at=now).returning(Booking.id)
        .execution_options(synchronize_session=False))
    if claimed is None:
        return False
    booking = await session.scalar(select(Booking).where(Booking.id == booking_id)
                                   .execution_options(populate_existing=True))
    service = await session.get(TenantService, booking.service_id)
    group = await session.get(CounterGroup, booking.group_id)
    location = await session.get(Location, group.location_id)
    english = booking.language == "en"
    place = Place(tenant=tenant.name, service=service.name_en if english else service.name_id,
                  location=location.name, address=location.address,
                  start=as_utc(booking.slot_start).astimezone(_zone(tenant)), code=format_code(booking.code),
                  url=f"{base_url.rstrip('/')}/{tenant.slug}/antrian/reservasi/{booking.public_id}")
    address = security.unseal(secret_key, booking.contact, SEAL_PURPOSE)
    await notifier.send(notify.Recipient(booking.contact_kind, address), reminder_text(place, booking.language))
    return True


def format_code(code: str) -> str:
    """How a code is shown and read: two groups of four (K7QM-3XTA)."""
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class SweepResult:
    reminders: int = 0
    released: int = 0


async def sweep(maker: async_sessionmaker[AsyncSession], notifier: notify.Notifier, *, secret_key: str,
                base_url: str, now: datetime | None = None) -> SweepResult:
    """One run of the periodic job over every regency: reminders that are due, then no-shows released.
    Every reminder in a transaction of its own, bound to its regency (row-level security applies); one
    that cannot be sent is logged (without its address) and tried again at the next run."""
    now = now_or_clock(now)
    reminders = released = 0
    for tenant in await notify.regencies(maker):
        async def send(session: AsyncSession, booking_id: int, tenant: Tenant = tenant) -> int:
            return await send_reminder(session, tenant, booking_id, notifier, secret_key=secret_key,
                                       base_url=base_url, now=now)

        reminders += await notify.each_due(maker, tenant, partial(due_reminders, now=now), send,
                                           what="booking reminder")
        async with tenant_session(maker, tenant.id) as session:
            released += await release_no_shows(session, now=now)
    return SweepResult(reminders, released)


def booking_state(booking: Booking, tenant: Tenant) -> dict[str, Any]:
    """Local times of a booking for pages and the API."""
    zone = _zone(tenant)
    return {"start": as_utc(booking.slot_start).astimezone(zone), "end": as_utc(booking.slot_end).astimezone(zone),
            "check_in_until": as_utc(booking.release_at).astimezone(zone), "code": format_code(booking.code)}
