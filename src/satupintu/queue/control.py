"""The regency's control room (Situbondo's "Intelligence Room"): the queue now, one day, and the week's rhythm.

Numbers only: line lengths, waits, counts per agency, line and counter. Nothing names a citizen
(tickets hold nothing personal) or the operator at a counter. Counts and groupings are SQL
aggregates on SQLite and PostgreSQL; medians are computed in Python from one day's served tickets
(a bounded read), with :func:`satupintu.queue.measures.percentile_cont`.

Hours are local (the regency's WIB/WITA/WIT zone); a ticket's ``day`` is already its local day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies.models import Agency, Counter, Location
from satupintu.queue import measures
from satupintu.queue.groups import every_group
from satupintu.queue.models import ACTIVE, Desk, Ticket, TicketStatus
from satupintu.queue.service import as_utc, local_now
from satupintu.tenants.models import Tenant

HEAT_WEEKS = 8
WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")  # Monday first, as packs name them
DEFAULT_HOURS = range(7, 17)  # the rows a day view or heat map shows at least
LEVELS = 4  # heat map shades besides "none"
ACTIVE_DAYS = 7  # a ticket left called or serving this many days ago still shows at its counter


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def in_lines(groups) -> Any:  # noqa: ANN001
    """Tickets of these lines: names the group, so the index on (tenant, group, day, status) serves
    each read of a day or a few weeks instead of the regency's whole history."""
    return Ticket.group_id.in_([g.id for g in groups])


# --- now -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterNow:
    code: str
    name: str
    state: str  # closed (nobody staffs it), idle (staffed, no ticket), called, serving
    ticket: str | None  # the number at the counter
    minutes: int | None  # since the call or the start
    served: int  # finished today at this counter


@dataclass(frozen=True)
class LineNow:
    location: str
    agency: str
    prefix: str
    waiting: int
    longest_wait: int | None  # minutes the longest-waiting ticket has waited so far
    median_wait: int | None  # minutes, of tickets called today
    served: int
    no_shows: int
    counters: list[CounterNow]

    @property
    def idle(self) -> int:
        return sum(c.state == "idle" for c in self.counters)

    @property
    def staffed(self) -> int:
        return sum(c.state != "closed" for c in self.counters)


@dataclass(frozen=True)
class AgencyNow:
    name: str
    waiting: int
    longest_wait: int | None
    served: int
    staffed: int
    idle: int


@dataclass(frozen=True)
class Now:
    at: datetime  # local
    lines: list[LineNow]
    agencies: list[AgencyNow] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return sum(line.waiting for line in self.lines)

    @property
    def served(self) -> int:
        return sum(line.served for line in self.lines)

    @property
    def longest_wait(self) -> int | None:
        return max((line.longest_wait for line in self.lines if line.longest_wait is not None), default=None)

    @property
    def idle(self) -> int:
        return sum(line.idle for line in self.lines)

    @property
    def staffed(self) -> int:
        return sum(line.staffed for line in self.lines)


def _median_minutes(values: list[float]) -> int | None:
    if not values:
        return None
    return round(measures.percentile_cont(sorted(values), 0.5) / 60)


async def now(session: AsyncSession, tenant: Tenant, moment: datetime) -> Now:
    """Every line of every location: how many wait and for how long, what each counter is doing."""
    today = local_now(tenant, moment).date()
    moment = moment.astimezone(UTC)
    groups = await every_group(session)
    ours = in_lines(groups)
    by_status: dict[tuple[int, str], tuple[int, datetime | None]] = {}
    for group_id, status, count, oldest in (await session.execute(
            select(Ticket.group_id, Ticket.status, func.count(), func.min(measures.joined(session)))
            .where(ours, Ticket.day == today).group_by(Ticket.group_id, Ticket.status))).all():
        by_status[(group_id, TicketStatus(status).value)] = (count, oldest)
    served_at = dict((await session.execute(
        select(Ticket.counter_id, func.count()).where(ours, Ticket.day == today, Ticket.status == TicketStatus.DONE)
        .group_by(Ticket.counter_id))).all())
    waits: dict[int, list[float]] = {}
    for group_id, joined, called in (await session.execute(
            select(Ticket.group_id, measures.joined(session), Ticket.called_at)
            .where(ours, Ticket.day == today, Ticket.called_at.is_not(None)))).all():
        waits.setdefault(group_id, []).append((as_utc(called) - as_utc(joined)).total_seconds())
    active = {counter_id: (label, status, called, started) for counter_id, label, status, called, started in (
        await session.execute(select(Ticket.counter_id, Ticket.label, Ticket.status, Ticket.called_at,
                                     Ticket.started_at).where(ours, Ticket.day >= today - timedelta(days=ACTIVE_DAYS),
                                                              Ticket.status.in_(ACTIVE)))).all()}
    staffed = set((await session.scalars(select(Desk.counter_id))).all())
    counters = (await session.scalars(select(Counter).order_by(Counter.code))).all()
    locations = {loc.id: loc for loc in (await session.scalars(select(Location))).all()}
    agencies = {a.id: a for a in (await session.scalars(select(Agency))).all()}

    def counter_now(counter: Counter) -> CounterNow:
        served = served_at.get(counter.id, 0)
        if counter.id in active:
            label, status, called, started = active[counter.id]
            since = started if status == TicketStatus.SERVING and started else called
            return CounterNow(counter.code, counter.name, TicketStatus(status).value, label,
                              _minutes(moment - as_utc(since)) if since else None, served)
        return CounterNow(counter.code, counter.name, "idle" if counter.id in staffed else "closed", None, None, served)

    lines = []
    for group in groups:
        location_id, agency_id = group.location_id, group.agency_id
        waiting, oldest = by_status.get((group.id, "waiting"), (0, None))
        agency = agencies[agency_id]
        lines.append(LineNow(
            location=locations[location_id].name, agency=agency.short or agency.name, prefix=group.prefix,
            waiting=waiting, longest_wait=_minutes(moment - as_utc(oldest)) if oldest else None,
            median_wait=_median_minutes(waits.get(group.id, [])),
            served=by_status.get((group.id, "done"), (0, None))[0],
            no_shows=by_status.get((group.id, "no_show"), (0, None))[0],
            counters=[counter_now(c) for c in counters if (c.location_id, c.agency_id) == (location_id, agency_id)]))
    lines.sort(key=lambda line: (line.location, line.prefix))
    return Now(local_now(tenant, moment), lines, _by_agency(lines))


def _by_agency(lines: list[LineNow]) -> list[AgencyNow]:
    grouped: dict[str, list[LineNow]] = {}
    for line in lines:
        grouped.setdefault(line.agency, []).append(line)
    return [AgencyNow(name, sum(x.waiting for x in items),
                      max((x.longest_wait for x in items if x.longest_wait is not None), default=None),
                      sum(x.served for x in items), sum(x.staffed for x in items), sum(x.idle for x in items))
            for name, items in sorted(grouped.items())]


# --- one day -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hour:
    hour: int
    taken: int
    served: int
    no_shows: int
    median_wait: int | None  # minutes, of the hour's tickets that were called


@dataclass(frozen=True)
class Day:
    day: date
    hours: list[Hour]
    taken: int
    served: int
    no_shows: int
    waiting: measures.Times  # seconds, of the day's served tickets
    service: measures.Times

    @property
    def busiest(self) -> Hour | None:
        return max((h for h in self.hours if h.taken), key=lambda h: h.taken, default=None)


async def day_view(session: AsyncSession, tenant: Tenant, day: date) -> Day:
    """One local day hour by hour (by the hour a ticket was taken), with the day's waits and service."""
    zone = ZoneInfo(tenant.timezone.iana)
    rows = (await session.execute(
        select(Ticket.status, Ticket.taken_at, measures.joined(session), Ticket.called_at, Ticket.started_at, Ticket.finished_at)
        .where(in_lines(await every_group(session)), Ticket.day == day))).all()
    hours: dict[int, list] = {}
    waits, services = [], []
    for status, taken, joined, called, started, finished in rows:
        bucket = hours.setdefault(as_utc(taken).astimezone(zone).hour, [0, 0, 0, []])
        bucket[0] += 1
        status = TicketStatus(status)
        bucket[1] += status == TicketStatus.DONE
        bucket[2] += status == TicketStatus.NO_SHOW
        if called is not None:
            bucket[3].append((as_utc(called) - as_utc(joined)).total_seconds())
        if status == TicketStatus.DONE and called and started and finished:
            waits.append((as_utc(called) - as_utc(joined)).total_seconds())
            services.append((as_utc(finished) - as_utc(started)).total_seconds())
    shown = sorted(set(DEFAULT_HOURS) | set(hours))
    out = [Hour(h, *(hours.get(h, [0, 0, 0, []])[:3]), _median_minutes(hours.get(h, [0, 0, 0, []])[3]))
           for h in range(shown[0], shown[-1] + 1)]
    return Day(day, out, sum(h.taken for h in out), sum(h.served for h in out), sum(h.no_shows for h in out),
               measures.times_of(waits), measures.times_of(services))


# --- the week's rhythm ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Heat:
    since: date
    until: date
    weeks: int
    hours: list[int]
    cells: dict[tuple[int, int], float]  # (weekday Monday=0, local hour) -> tickets per such day
    peak: float

    def value(self, weekday: int, hour: int) -> float:
        return self.cells.get((weekday, hour), 0.0)

    def level(self, weekday: int, hour: int) -> int:
        """0 for none, then 1..LEVELS by the share of the peak (the shade; the number is printed too)."""
        value = self.value(weekday, hour)
        if not value or not self.peak:
            return 0
        return max(1, min(LEVELS, math.ceil(value / self.peak * LEVELS)))


def _offset_hours(tenant: Tenant) -> int:
    """The zone's offset from UTC in whole hours (Indonesia's zones have no daylight saving)."""
    return int(ZoneInfo(tenant.timezone.iana).utcoffset(datetime(2000, 1, 1)).total_seconds() // 3600)


async def heat_map(session: AsyncSession, tenant: Tenant, until: date, weeks: int = HEAT_WEEKS) -> Heat:
    """Tickets taken per weekday and local hour, averaged over the ``weeks`` weeks that end on ``until``.

    The database groups by the ticket's local day of the week and its hour in UTC; the zone's fixed
    offset turns that hour into the local one (the local day already holds the date)."""
    since = until - timedelta(days=7 * weeks - 1)
    weekday, hour = extract("dow", Ticket.day), extract("hour", _utc(session, Ticket.taken_at))
    rows = (await session.execute(
        select(weekday, hour, func.count())
        .where(in_lines(await every_group(session)), Ticket.day >= since, Ticket.day <= until)
        .group_by(weekday, hour))).all()
    offset = _offset_hours(tenant)
    cells: dict[tuple[int, int], float] = {}
    for dow, utc_hour, count in rows:
        key = ((int(dow) + 6) % 7, (int(utc_hour) + offset) % 24)  # SQL's day of week starts on Sunday (0)
        cells[key] = cells.get(key, 0.0) + count / weeks
    used = {h for (_d, h) in cells}
    hours = sorted(set(DEFAULT_HOURS) | used)
    return Heat(since, until, weeks, list(range(hours[0], hours[-1] + 1)), cells, max(cells.values(), default=0.0))


def _utc(session: AsyncSession, column):  # noqa: ANN001, ANN202
    """A stored moment as UTC wall time: PostgreSQL keeps ``timestamptz`` and reads it in the session's
    zone, so it is converted; SQLite stores UTC text already."""
    if session.get_bind().dialect.name == "postgresql":
        return func.timezone("UTC", column)
    return column
