"""The queue's rules: which line a service joins, when it is open, numbering, order and estimates.

Numbers are per counter group (one agency's counters in one location), per local day, and come
from one row per group and day that is counted up and held while a ticket is numbered: one
``UPDATE ... RETURNING`` takes PostgreSQL's row lock (like ``SELECT ... FOR UPDATE``) and, on
SQLite, the database's write lock (the transaction's first write). The number and the ticket
commit together, so numbers are unique and have no gaps, however many processes take
tickets at once.
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, and_, bindparam, case, cast, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, make_transient_to_detached

from satupintu import i18n
from satupintu.agencies.hours import periods
from satupintu.agencies.models import Agency, Counter, Holiday, Location
from satupintu.audit.service import Change
from satupintu.catalogue.models import TenantService
from satupintu.db import insert_ignore, session_tenant, utcnow
from satupintu.queue import groups
from satupintu.queue.models import (
    ACTIVE,
    CounterGroup,
    Desk,
    NumberSequence,
    QueueSettings,
    ServiceQueueRule,
    Ticket,
    TicketStatus,
    public_id,
)
from satupintu.tenants.models import Tenant
from satupintu.tenants.packs import DAYS

MEASURED_SAMPLE = 200
MIN_MEASURED = 3


def N_(message: str) -> str:
    """Marks a message for translation that is translated later, when the reader's language is known."""
    return message


def clock() -> datetime:
    """Now, in UTC. Tests replace it to drive the day and the opening hours."""
    return utcnow()


def now_or_clock(now: datetime | None) -> datetime:
    """The moment of a step, in UTC (SQLite keeps no offset, so every stored time is UTC)."""
    return (now or clock()).astimezone(UTC)


def local_now(tenant: Tenant, now: datetime | None = None) -> datetime:
    return (now or clock()).astimezone(ZoneInfo(tenant.timezone.iana))


def local_time(tenant: Tenant, moment: datetime | None) -> datetime | None:
    """A stored (UTC) time in the regency's zone, for pages and the API."""
    return as_utc(moment).astimezone(ZoneInfo(tenant.timezone.iana)) if moment else None


class QueueError(Exception):
    """A ticket cannot be given (unknown service, closed, full); the message is for the citizen.

    ``message`` is the English text, which is also the msgid of its Indonesian translation.
    """

    def __init__(self, code: str, status: int, message: str, params: dict[str, Any] | None = None,
                 opens_at: datetime | None = None) -> None:
        super().__init__(message)
        self.code, self.status, self.message, self.params, self.opens_at = code, status, message, params or {}, opens_at

    def text(self, locale: str | None = None) -> str:
        """The message in ``locale`` (default: the request's); callable params are rendered in it too."""
        token = i18n.current_locale.set(locale or i18n.current_locale.get())
        try:
            params = {key: value() if callable(value) else value for key, value in self.params.items()}
            translated = i18n.gettext(self.message)
        finally:
            i18n.current_locale.reset(token)
        return translated % params if params else translated


def unknown_service() -> QueueError:
    return QueueError("unknown_service", 422, N_("There is no such service in this region's queue."))


def _no_counter() -> QueueError:
    return QueueError("no_counter", 422, N_("This service has no counter with a queue at this location."))


# --- opening hours -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    open: bool
    opens_at: datetime | None  # local time of the next opening when closed (None: none in two weeks)
    closes_at: datetime | None  # local time the current opening ends


async def opening(session: AsyncSession, tenant: Tenant, location: Location, now: datetime | None = None,
                  always_open: bool = False) -> Opening:
    """Whether the location takes tickets now (its hours, the regency's and its own holidays)."""
    local = local_now(tenant, now)
    if always_open:
        return Opening(True, None, None)
    holidays = set((await session.scalars(select(Holiday.day).where(
        Holiday.day >= local.date(), Holiday.day <= local.date() + timedelta(days=14),
        or_(Holiday.location_id.is_(None), Holiday.location_id == location.id)))).all())
    zone = local.tzinfo
    for offset in range(15):
        day = local.date() + timedelta(days=offset)
        if day in holidays:
            continue
        for start, end in periods((location.hours or {}).get(DAYS[day.weekday()], "tutup")):
            begins = datetime.combine(day, start, zone)
            ends = datetime.combine(day, end, zone)
            if begins <= local < ends:
                return Opening(True, None, ends)
            if local < begins:
                return Opening(False, begins, None)
    return Opening(False, None, None)


def _closed(tenant: Tenant, state: Opening) -> QueueError:
    if state.opens_at is None:
        return QueueError("closed", 409, N_("This service is closed and has no opening hours in the next two weeks."))
    return QueueError("closed", 409, N_("This service is closed now. It opens on %(day)s at %(time)s %(zone)s."),
                      {"day": lambda: f"{i18n.day_name(DAYS[state.opens_at.weekday()])} {state.opens_at:%d-%m-%Y}",
                       "time": f"{state.opens_at:%H:%M}", "zone": tenant.timezone.value},
                      opens_at=state.opens_at)


# --- lines (counter groups: see queue.groups, which only the services changing counters write) ---


SETTING_FIELDS = ("priority_weight", "default_service_minutes", "booking_slot_minutes", "booking_share_percent",
                  "booking_grace_minutes", "booking_days_ahead")


async def settings_of(session: AsyncSession) -> QueueSettings:
    """The regency's queue rules, or the defaults until an admin saves them."""
    return await session.scalar(select(QueueSettings)) or QueueSettings(
        priority_weight=10, default_service_minutes=6, booking_slot_minutes=30, booking_share_percent=50,
        booking_grace_minutes=15, booking_days_ahead=14)


async def save_settings(session: AsyncSession, tenant: Tenant, values: dict[str, int]) -> Change:
    """Change the regency's queue rules (priority weight, declared service time, booking rules).
    Bookings already made keep their slot and deadlines; new ones follow the new rules."""
    settings = await settings_of(session)
    before = {name: getattr(settings, name) for name in SETTING_FIELDS}
    for name in SETTING_FIELDS:
        setattr(settings, name, values[name])
    session.add(settings)
    await session.flush()
    return Change("update", "queue_settings", tenant.slug, before, {name: values[name] for name in SETTING_FIELDS})


async def get_service(session: AsyncSession, code: str) -> TenantService | None:
    return await session.scalar(select(TenantService).where(TenantService.code == code[:60],
                                                            TenantService.enabled.is_(True)))


async def queue_services(session: AsyncSession) -> list[tuple[Agency, list[Any]]]:
    """The services a citizen can queue for (enabled, with an agency that has a line), by agency: rows
    of code, names and agency only (a list never reads the rest of a service)."""
    agency_ids = select(CounterGroup.agency_id).where(groups.has_counter())
    services = (await session.execute(select(
        TenantService.code, TenantService.name_id, TenantService.name_en, TenantService.agency_id).where(
        TenantService.enabled.is_(True), TenantService.agency_id.in_(agency_ids)).order_by(TenantService.name_id))).all()
    agencies = {a.id: a for a in (await session.scalars(select(Agency).where(Agency.id.in_(agency_ids)))).all()}
    by_agency: dict[int, list[Any]] = {}
    for service in services:
        by_agency.setdefault(service.agency_id, []).append(service)
    return [(agencies[a], items) for a, items in sorted(by_agency.items(), key=lambda kv: agencies[kv[0]].name)]


async def queue_locations(session: AsyncSession) -> list[Location]:
    """Locations that have at least one line."""
    ids = select(CounterGroup.location_id).where(groups.has_counter())
    return list((await session.scalars(select(Location).where(Location.id.in_(ids)).order_by(Location.id))).all())


async def line_for(session: AsyncSession, service: Any, location_code: str | None) -> tuple[CounterGroup, Location]:
    """The line a service's ticket joins: at the named location, else where its counter is, else at
    the first location where its agency has a line. ``service`` needs ``agency_id`` and ``counter_id``."""
    if service.agency_id is None:
        raise _no_counter()
    line = and_(CounterGroup.location_id == Location.id, CounterGroup.agency_id == service.agency_id,
                groups.has_counter())
    if location_code:
        found = (await session.execute(select(Location, CounterGroup).outerjoin(CounterGroup, line)
                                       .where(Location.code == location_code[:40]))).first()
        if found is None:
            raise QueueError("unknown_location", 422, N_("There is no such location in this region."))
    else:
        query, found = select(Location, CounterGroup).join(CounterGroup, line), None
        if service.counter_id is not None:
            found = (await session.execute(query.join(Counter, Counter.location_id == Location.id)
                                           .where(Counter.id == service.counter_id))).first()
        if found is None:
            found = (await session.execute(query.order_by(Location.id).limit(1))).first()
    location, group = found if found is not None else (None, None)
    if group is None:
        raise _no_counter()
    return group, location


# --- numbering -----------------------------------------------------------------------------------


async def _start_day(session: AsyncSession, group_id: int, day: date, now: datetime) -> None:
    """The group's row for the day, inserted by the day's first ticket (a concurrent insert is ignored)."""
    await session.execute(insert_ignore(session, NumberSequence, [{
        "tenant_id": session_tenant(session), "group_id": group_id, "day": day, "last_number": 0,
        "created_at": now, "updated_at": now}]))


def label(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


NUMBERED_COLUMNS = ("tenant_id", "group_id", "service_id", "day", "priority", "priority_weight", "taken_at", "slot_at",
                    "public_id", "status", "recalls", "transfers", "created_at", "updated_at")
"""The columns of a ticket numbered by :func:`_numbered_insert`, given as parameters ``new_<column>``."""


@functools.cache
def _numbered_insert() -> Any:
    """PostgreSQL: number and insert a ticket in ONE statement, built once and run with parameters::

        WITH counted AS (UPDATE queue_sequences SET last_number = last_number + 1, updated_at = :now
                         WHERE group_id = :line AND day = :new_day RETURNING last_number)
        INSERT INTO queue_tickets (..., number, label)
        SELECT :new_tenant_id, ..., last_number, :prefix || lpad(last_number::text, 3, '0') FROM counted
        RETURNING *

    The group's row is held for this statement and the commit only, with no round trip to the web
    process in between. The tenant guard lets this INSERT ... SELECT through (its ``tenant_id`` is the
    bound tenant's, every table in it is tenant-owned) and filters every table in it to the tenant."""
    counted = (update(NumberSequence)
               .where(NumberSequence.group_id == bindparam("line"), NumberSequence.day == bindparam("new_day"))
               .values(last_number=NumberSequence.last_number + 1, updated_at=bindparam("new_updated_at"))
               .returning(NumberSequence.last_number).cte("counted"))
    number, digits = counted.c.last_number, cast(counted.c.last_number, Text)
    label_ = bindparam("prefix", type_=Text) + func.lpad(digits, func.greatest(3, func.length(digits)), "0")
    row = select(*(bindparam(f"new_{name}", type_=Ticket.__table__.c[name].type).label(name)
                   for name in NUMBERED_COLUMNS), number.label("number"), label_.label("label"))
    return insert(Ticket).from_select([*NUMBERED_COLUMNS, "number", "label"], row).returning(*Ticket.__table__.c)


async def _number_and_insert(session: AsyncSession, group: CounterGroup, columns: dict[str, Any]) -> Ticket | None:
    """The ticket, numbered and inserted by :func:`_numbered_insert`; None when the group has no row for
    the day yet."""
    values = {"tenant_id": session_tenant(session), **columns, "public_id": public_id(),
              "status": TicketStatus.WAITING, "recalls": 0, "transfers": 0, "created_at": columns["taken_at"],
              "updated_at": columns["taken_at"]}
    params = {"line": group.id, "prefix": f"{group.prefix}-", **{f"new_{name}": v for name, v in values.items()}}
    # "raw": the parameters are the statement's, not rows of an ORM bulk insert
    row = (await session.execute(_numbered_insert(), params, execution_options={"dml_strategy": "raw"})).first()
    if row is None:
        return None
    ticket = Ticket(**row._mapping)  # the stored row, as a persistent object of the session
    make_transient_to_detached(ticket)
    session.add(ticket)
    return ticket


async def _issue(session: AsyncSession, group: CounterGroup, service_id: int | None, day: date, now: datetime,
                 *, priority: bool = False, priority_weight: int = 0, slot_at: datetime | None = None) -> Ticket:
    """The line's next number and its ticket. Numbers are unique and gap-free because the number is
    counted up and the ticket inserted in the same transaction, under the group's row lock."""
    columns = {"group_id": group.id, "service_id": service_id, "day": day, "priority": priority,
               "priority_weight": priority_weight, "taken_at": now, "slot_at": slot_at}
    if session.get_bind().dialect.name == "postgresql":
        ticket = await _number_and_insert(session, group, columns)
        if ticket is None:
            await _start_day(session, group.id, day, now)
            ticket = await _number_and_insert(session, group, columns)
        return ticket
    # SQLite cannot UPDATE inside a WITH: two statements, under the database's write lock from the first.
    count_up = (update(NumberSequence).where(NumberSequence.group_id == group.id, NumberSequence.day == day)
                .values(last_number=NumberSequence.last_number + 1, updated_at=now)
                .returning(NumberSequence.last_number).execution_options(synchronize_session=False))
    number = await session.scalar(count_up)
    if number is None:
        await _start_day(session, group.id, day, now)
        number = await session.scalar(count_up)
    ticket = Ticket(**columns, number=number, label=label(group.prefix, number))
    session.add(ticket)
    await session.flush()
    return ticket


async def _ticket_rules(session: AsyncSession, code: str) -> Any:
    """What taking a ticket reads of an enabled service, in one statement: its id, agency and counter
    (for its line) and its daily quota, if any; None for no such service."""
    return (await session.execute(
        select(TenantService.id, TenantService.agency_id, TenantService.counter_id, ServiceQueueRule.daily_quota)
        .outerjoin(ServiceQueueRule, ServiceQueueRule.service_id == TenantService.id)
        .where(TenantService.code == code[:60], TenantService.enabled.is_(True)))).first()


@functools.cache
def _ticket_line_query(at_location: bool) -> Any:
    """What taking a ticket reads before numbering, in one statement built once: the enabled service
    (parameter ``code``) with its daily quota and the line its ticket joins, as :func:`line_for` chooses
    it: at the location ``location``, or where the service's counter is, else at the first location
    where its agency has a line."""
    own = aliased(Counter)
    query = (select(TenantService.id, ServiceQueueRule.daily_quota, CounterGroup, Location)
             .select_from(TenantService)
             .join(CounterGroup, and_(CounterGroup.agency_id == TenantService.agency_id, groups.has_counter()))
             .join(Location, Location.id == CounterGroup.location_id)
             .outerjoin(ServiceQueueRule, ServiceQueueRule.service_id == TenantService.id)
             .where(TenantService.code == bindparam("code"), TenantService.enabled.is_(True)))
    if at_location:
        return query.where(Location.code == bindparam("location"))
    return (query.outerjoin(own, own.id == TenantService.counter_id)
            .order_by(case((Location.id == own.location_id, 0), else_=1), Location.id).limit(1))


async def _ticket_line(session: AsyncSession, code: str,
                       location_code: str | None) -> tuple[Any, CounterGroup, Location]:
    """The service's id and quota, its line and location; a refusal says what is missing (read apart,
    only then: an unknown service, an unknown location, no counter)."""
    found = (await session.execute(_ticket_line_query(bool(location_code)),
                                   {"code": code[:60], "location": (location_code or "")[:40]})).first()
    if found is not None:
        return found, found.CounterGroup, found.Location
    service = await _ticket_rules(session, code)
    if service is None:
        raise unknown_service()
    group, location = await line_for(session, service, location_code)
    return service, group, location


async def take_ticket(session: AsyncSession, tenant: Tenant, service_code: str, location_code: str | None = None,
                      priority: bool = False, *, now: datetime | None = None, always_open: bool = False) -> Ticket:
    """Give the citizen the next number for a service, or raise :class:`QueueError` (then the caller
    rolls the transaction back, and a number already counted goes to the next ticket).

    Everything that needs no lock is read first; then numbering and inserting hold the line's row
    (one statement on PostgreSQL) until the caller commits, which it should do at once."""
    now = now_or_clock(now)
    service, group, location = await _ticket_line(session, service_code, location_code)
    state = await opening(session, tenant, location, now, always_open)
    if not state.open:
        raise _closed(tenant, state)
    day = local_now(tenant, now).date()
    weight = (await settings_of(session)).priority_weight if priority else 0
    ticket = await _issue(session, group, service.id, day, now, priority=priority, priority_weight=weight)
    if service.daily_quota is not None:
        # Counted after numbering, while the group's row is held: every ticket of this line numbered
        # before this one has committed or rolled back, so this count (this ticket included) is exact.
        taken = await session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.service_id == service.id, Ticket.group_id == group.id, Ticket.day == day))
        if taken > service.daily_quota:
            raise QueueError("quota_full", 409, N_("Today's %(n)d tickets for this service have all been taken. "
                             "Please come back on the next working day."), {"n": service.daily_quota})
    return ticket


async def ticket_for_slot(session: AsyncSession, tenant: Tenant, group: CounterGroup, service_id: int,
                          slot_at: datetime, *, now: datetime | None = None) -> Ticket:
    """A checked-in booking's ticket: the line's next number, called from its slot on (see CALL_ORDER).
    The daily quota does not apply: the booking already holds a place."""
    now = now_or_clock(now)
    day = local_now(tenant, now).date()
    return await _issue(session, group, service_id, day, now, slot_at=now_or_clock(slot_at))


# --- where a ticket stands -----------------------------------------------------------------------


def ahead_of(ticket: Ticket, now: datetime | None = None) -> Any:
    """Waiting tickets of the same line that will be called before ``ticket`` (the order of CALL_ORDER).

    A walk-in has behind it no walk-in of lower weight or taken later, and ahead of it every booking
    whose slot has begun by ``now``; a booking has ahead of it only bookings of an earlier slot (or of
    the same slot, by weight and the time they checked in)."""
    by_weight = or_(Ticket.priority_weight > ticket.priority_weight,
                    and_(Ticket.priority_weight == ticket.priority_weight,
                         or_(Ticket.taken_at < ticket.taken_at,
                             and_(Ticket.taken_at == ticket.taken_at, Ticket.id < ticket.id))))
    line = (Ticket.group_id == ticket.group_id, Ticket.day == ticket.day, Ticket.status == TicketStatus.WAITING)
    if ticket.slot_at is None:
        due = and_(Ticket.slot_at.is_not(None), Ticket.slot_at <= now_or_clock(now))
        return and_(*line, or_(due, and_(Ticket.slot_at.is_(None), by_weight)))
    slot = now_or_clock(as_utc(ticket.slot_at))
    return and_(*line, Ticket.slot_at.is_not(None),
                or_(Ticket.slot_at < slot, and_(Ticket.slot_at == slot, by_weight)))


def call_order(model: Any = Ticket) -> tuple[Any, ...]:
    """The order "call next" follows, among the tickets it may call (walk-ins, and bookings whose slot
    has begun; a booking checked in early waits for its slot):

    1. checked-in bookings whose slot has begun, earliest slot first: a booking is a promised time;
    2. then everyone else by priority weight (older people, disabilities, pregnancy: the regency's
       weight) and then first come, first served.
    Within one slot, bookings follow rule 2 among themselves. Bookings take at most the regency's
    booking share of a line's capacity per slot, so walk-ins are never starved."""
    return (model.slot_at.is_(None), model.slot_at, model.priority_weight.desc(), model.taken_at, model.id)


def callable_at(now: datetime, model: Any = Ticket) -> Any:
    """Tickets "call next" may take at ``now``: walk-ins, and bookings whose slot has begun."""
    return or_(model.slot_at.is_(None), model.slot_at <= now)


CALL_ORDER = call_order()


async def position(session: AsyncSession, ticket: Ticket, now: datetime | None = None) -> int | None:
    """1 for the next ticket to be called; None once the ticket has been called."""
    if ticket.status != TicketStatus.WAITING:
        return None
    return 1 + await session.scalar(select(func.count()).select_from(Ticket).where(ahead_of(ticket, now)))


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def service_minutes(session: AsyncSession, group_id: int) -> float:
    """The median measured service time of a line's recent tickets, or the regency's default."""
    rows = (await session.execute(select(Ticket.started_at, Ticket.finished_at).where(
        Ticket.group_id == group_id, Ticket.status == TicketStatus.DONE, Ticket.started_at.is_not(None),
        Ticket.finished_at.is_not(None)).order_by(Ticket.finished_at.desc()).limit(MEASURED_SAMPLE))).all()
    samples = [(as_utc(end) - as_utc(start)).total_seconds() / 60 for start, end in rows]
    if len(samples) < MIN_MEASURED:
        return float((await settings_of(session)).default_service_minutes)
    return statistics.median(samples)


async def servers(session: AsyncSession, group: CounterGroup) -> int:
    """How many counters serve a line now: staffed desks, or all its counters when none is staffed."""
    counters = select(Counter.id).where(Counter.location_id == group.location_id, Counter.agency_id == group.agency_id)
    staffed, standing = (await session.execute(select(
        select(func.count()).select_from(Desk).where(Desk.counter_id.in_(counters)).scalar_subquery(),
        select(func.count()).select_from(counters.subquery()).scalar_subquery()))).one()
    return staffed or max(1, standing)


async def estimated_wait(session: AsyncSession, ticket: Ticket, group: CounterGroup, place: int | None,
                         now: datetime | None = None) -> int | None:
    """Minutes until the ticket is likely called; a booking checked in early waits at least until its slot."""
    if place is None:
        return None
    minutes = await service_minutes(session, ticket.group_id)
    wait = math.ceil((place - 1) * minutes / await servers(session, group))
    if ticket.slot_at is not None:
        wait = max(wait, math.ceil((as_utc(ticket.slot_at) - now_or_clock(now)).total_seconds() / 60))
    return wait


async def get_ticket(session: AsyncSession, public: str) -> Ticket | None:
    return await session.scalar(select(Ticket).where(Ticket.public_id == public[:32]))


@dataclass(frozen=True)
class ServiceName:
    code: str
    name_id: str
    name_en: str


@dataclass(frozen=True)
class TicketState:
    ticket: Ticket
    position: int | None
    wait_minutes: int | None
    service: ServiceName | None
    location: Location
    agency: Agency
    counter: Counter | None


async def ticket_state(session: AsyncSession, ticket: Ticket) -> TicketState:
    """Where a ticket stands, and the names its page shows (its line, service and counter: one read)."""
    now = now_or_clock(None)
    group, location, agency, code, name_id, name_en, counter = (await session.execute(
        select(CounterGroup, Location, Agency, TenantService.code, TenantService.name_id, TenantService.name_en,
               Counter)
        .join(Location, Location.id == CounterGroup.location_id).join(Agency, Agency.id == CounterGroup.agency_id)
        .outerjoin(TenantService, TenantService.id == ticket.service_id)
        .outerjoin(Counter, Counter.id == ticket.counter_id)
        .where(CounterGroup.id == ticket.group_id))).one()
    place = await position(session, ticket, now)
    return TicketState(
        ticket=ticket, position=place, wait_minutes=await estimated_wait(session, ticket, group, place, now),
        service=ServiceName(code, name_id, name_en) if code is not None else None, location=location, agency=agency,
        counter=counter)


# --- the board -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    number: str
    counter_code: str
    counter_name: str
    status: str
    called_at: datetime


@dataclass(frozen=True)
class LineLength:
    prefix: str
    agency: str
    waiting: int


@dataclass(frozen=True)
class Board:
    location: Location
    calls: list[Call]
    lines: list[LineLength]


async def board(session: AsyncSession, tenant: Tenant, location: Location, now: datetime | None = None,
                limit: int = 8) -> Board:
    """What is being called where in one location today, newest first, and how long each line is."""
    day = local_now(tenant, now).date()
    lines = list((await groups.lines(session, location.id)).values())
    ids = [g.id for g in lines]
    calls = (await session.execute(
        select(Ticket.label, Counter.code, Counter.name, Ticket.status, Ticket.called_at, Ticket.recalled_at)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(Ticket.group_id.in_(ids), Ticket.day == day, Ticket.status.in_([TicketStatus.CALLED, TicketStatus.SERVING]))
        .order_by(func.coalesce(Ticket.recalled_at, Ticket.called_at).desc()).limit(limit))).all()
    waiting = dict((await session.execute(
        select(Ticket.group_id, func.count()).where(Ticket.group_id.in_(ids), Ticket.day == day,
                                                    Ticket.status == TicketStatus.WAITING)
        .group_by(Ticket.group_id))).all())
    agencies = {a.id: a for a in (await session.scalars(select(Agency).where(
        Agency.id.in_([g.agency_id for g in lines])))).all()}
    return Board(
        location=location,
        calls=[Call(label_, code, name, status.value, as_utc(recalled or called))
               for label_, code, name, status, called, recalled in calls],
        lines=[LineLength(g.prefix, agencies[g.agency_id].short or agencies[g.agency_id].name, waiting.get(g.id, 0))
               for g in sorted(lines, key=lambda g: g.prefix)],
    )


# --- counters: the operator's console ------------------------------------------------------------


async def desk_of(session: AsyncSession, staff_id: int) -> Desk | None:
    return await session.scalar(select(Desk).where(Desk.staff_id == staff_id))


async def desk_counters(session: AsyncSession, agency_id: int | None) -> list[Counter]:
    """The counters an operator may staff: their agency's, or any when they belong to none."""
    query = select(Counter).order_by(Counter.code)
    if agency_id is not None:
        query = query.where(Counter.agency_id == agency_id)
    return list((await session.scalars(query)).all())


async def open_desk(session: AsyncSession, staff_id: int, agency_id: int | None, counter_code: str) -> Desk:
    """Staff a counter; one operator per counter and one counter per operator."""
    counter = next((c for c in await desk_counters(session, agency_id) if c.code == counter_code), None)
    if counter is None:
        raise QueueError("unknown_counter", 422, N_("Choose one of your agency's counters."))
    if await desk_of(session, staff_id) is not None:
        raise QueueError("desk_open", 409, N_("You already staff a counter; close it first."))
    taken = await session.scalar(select(Desk).where(Desk.counter_id == counter.id))
    if taken is not None:
        raise QueueError("counter_staffed", 409, N_("Someone else is staffing this counter."))
    desk = Desk(counter_id=counter.id, staff_id=staff_id, opened_at=now_or_clock(None))
    session.add(desk)
    await session.flush()
    return desk


async def close_desk(session: AsyncSession, desk: Desk) -> None:
    if await active_ticket(session, desk.counter_id) is not None:
        raise QueueError("busy", 409, N_("Finish, skip or transfer the current ticket first."))
    await session.delete(desk)
    await session.flush()


async def active_ticket(session: AsyncSession, counter_id: int) -> Ticket | None:
    return await session.scalar(select(Ticket).where(Ticket.counter_id == counter_id, Ticket.status.in_(ACTIVE)))


async def group_of(session: AsyncSession, counter: Counter) -> CounterGroup:
    """The line a counter serves."""
    group = await groups.line_of(session, counter.location_id, counter.agency_id)
    if group is None:
        raise _no_counter()
    return group


async def _lock_desk(session: AsyncSession, counter_id: int, now: datetime) -> None:
    """Serialise one counter's actions (a double click calls one ticket, not two): a write on its desk
    row holds PostgreSQL's row lock, and on SQLite the database's write lock, until the commit."""
    await session.execute(update(Desk).where(Desk.counter_id == counter_id).values(updated_at=now)
                          .execution_options(synchronize_session=False))


async def call_next(session: AsyncSession, tenant: Tenant, counter: Counter, *, now: datetime | None = None) -> Ticket | None:
    """Call the next ticket of the counter's line to this counter, or None when nobody waits.

    Order: :func:`call_order` (bookings at their slot, then priority weight, then first come, first
    served); a ticket transferred to one counter waits for that counter only. Claiming is one UPDATE of the first
    waiting row: PostgreSQL skips rows another operator has locked (FOR UPDATE SKIP LOCKED), SQLite
    runs it under its write lock, so two operators never get the same ticket.
    """
    now = now_or_clock(now)
    await _lock_desk(session, counter.id, now)
    if await active_ticket(session, counter.id) is not None:
        raise QueueError("busy", 409, N_("Finish, skip or transfer the current ticket first."))
    group = await group_of(session, counter)
    waiting = aliased(Ticket)
    first = (select(waiting.id)
             .where(waiting.tenant_id == session_tenant(session), waiting.group_id == group.id,
                    waiting.day == local_now(tenant, now).date(), waiting.status == TicketStatus.WAITING,
                    or_(waiting.counter_id.is_(None), waiting.counter_id == counter.id), callable_at(now, waiting))
             .order_by(*call_order(waiting))
             .limit(1).with_for_update(skip_locked=True, of=waiting).scalar_subquery())
    claimed = await session.scalar(
        update(Ticket).where(Ticket.id == first, Ticket.status == TicketStatus.WAITING)
        .values(status=TicketStatus.CALLED, counter_id=counter.id, called_at=now, updated_at=now)
        .returning(Ticket.id).execution_options(synchronize_session=False))
    if claimed is None:
        return None
    return await session.scalar(select(Ticket).where(Ticket.id == claimed).execution_options(populate_existing=True))


def _must_be(ticket: Ticket | None, *states: TicketStatus) -> Ticket:
    if ticket is None:
        raise QueueError("no_ticket", 409, N_("There is no ticket at this counter now; call the next one."))
    if ticket.status not in states:
        raise QueueError("wrong_step", 409, N_("Ticket %(n)s cannot take this step now."), {"n": ticket.label})
    return ticket


async def _current(session: AsyncSession, counter: Counter, now: datetime, *states: TicketStatus) -> Ticket:
    """The counter's active ticket, with the desk locked, if it is in one of ``states``."""
    await _lock_desk(session, counter.id, now)
    return _must_be(await active_ticket(session, counter.id), *states)


async def _step(session: AsyncSession, counter: Counter, now: datetime | None, expect: TicketStatus,
                stamp: str, status: TicketStatus | None = None) -> Ticket:
    """One step of the counter's active ticket: lock the desk, require a status, time-stamp the step
    and move the ticket to its next status (a recall keeps it)."""
    now = now_or_clock(now)
    ticket = await _current(session, counter, now, expect)
    setattr(ticket, stamp, now)
    if status is None:
        ticket.recalls += 1
    else:
        ticket.status = status
    await session.flush()
    return ticket


async def recall(session: AsyncSession, counter: Counter, *, now: datetime | None = None) -> Ticket:
    return await _step(session, counter, now, TicketStatus.CALLED, "recalled_at")


async def start(session: AsyncSession, counter: Counter, *, now: datetime | None = None) -> Ticket:
    return await _step(session, counter, now, TicketStatus.CALLED, "started_at", TicketStatus.SERVING)


async def finish(session: AsyncSession, counter: Counter, *, now: datetime | None = None) -> Ticket:
    return await _step(session, counter, now, TicketStatus.SERVING, "finished_at", TicketStatus.DONE)


async def no_show(session: AsyncSession, counter: Counter, *, now: datetime | None = None) -> Ticket:
    return await _step(session, counter, now, TicketStatus.CALLED, "no_show_at", TicketStatus.NO_SHOW)


async def transfer(session: AsyncSession, counter: Counter, *, to_counter: str | None = None,
                   to_service: str | None = None, now: datetime | None = None) -> Ticket:
    """Send the current ticket to another counter (it waits for that counter only) or to another
    service's line at the same location; it keeps its number and its place by the time it was taken."""
    now = now_or_clock(now)
    ticket = await _current(session, counter, now, TicketStatus.CALLED, TicketStatus.SERVING)
    if to_counter:
        target = await session.scalar(select(Counter).where(Counter.code == to_counter[:20]))
        if target is None or target.id == counter.id or target.location_id != counter.location_id:
            raise QueueError("unknown_counter", 422, N_("Choose another counter in this location."))
        group, ticket.counter_id = await group_of(session, target), target.id
    else:
        service = await get_service(session, to_service or "")
        if service is None:
            raise unknown_service()
        location = await session.get(Location, counter.location_id)
        group, _location = await line_for(session, service, location.code)
        ticket.service_id, ticket.counter_id = service.id, None
    ticket.group_id, ticket.status = group.id, TicketStatus.WAITING
    ticket.called_at = ticket.recalled_at = ticket.started_at = None
    ticket.transferred_at, ticket.transfers = now, ticket.transfers + 1
    await session.flush()
    return ticket


async def upcoming(session: AsyncSession, tenant: Tenant, counter: Counter, limit: int = 5) -> tuple[int, list[Ticket]]:
    """How many wait for this counter (bookings checked in early included), and the next few numbers
    in the order they will be called now (numbers only: nothing personal)."""
    group = await group_of(session, counter)
    now = now_or_clock(None)
    where = (Ticket.group_id == group.id, Ticket.day == local_now(tenant, now).date(),
             Ticket.status == TicketStatus.WAITING, or_(Ticket.counter_id.is_(None), Ticket.counter_id == counter.id))
    count = await session.scalar(select(func.count()).select_from(Ticket).where(*where))
    return count, list((await session.scalars(select(Ticket).where(*where, callable_at(now))
                                              .order_by(*CALL_ORDER).limit(limit))).all())


# --- what a board announces ----------------------------------------------------------------------

DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")


def spelled(code: str) -> str:
    """A code as it is read aloud in Indonesian, character by character: A-007 -> "A nol nol tujuh"."""
    return " ".join(DIGITS[int(c)] if c.isdigit() else c.upper() for c in code if c.isalnum())


async def announcement(session: AsyncSession, ticket: Ticket) -> dict[str, Any]:
    """What the boards of the ticket's location show and say when it is called (no personal data)."""
    counter = await session.get(Counter, ticket.counter_id)
    return {"number": ticket.label, "counter": counter.code, "counter_name": counter.name,
            "location_id": counter.location_id,
            "speech": f"Nomor antrean {spelled(ticket.label)}, silakan ke loket {spelled(counter.code)}."}

