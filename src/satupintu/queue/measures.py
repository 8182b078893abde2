"""What the queue measured, per month, for the ministry: visitors, transactions, waiting and service time.

Definitions (the ministry's definitions page and docs/architecture.md say the same):

- A **visitor** is a ticket taken (at the kiosk, on a phone, through the API or by checking in a
  booking) that was not marked as a no-show. One ticket is one visit to one line: a transferred
  ticket keeps its number and counts once; a citizen who takes tickets for two agencies counts
  twice, because tickets carry nothing that could tell two of one person's tickets apart.
- A **transaction** is a ticket served to the end: started and finished at a counter (status done).
- **Waiting time** of a served ticket: from joining its line (taking the ticket, or its last
  transfer; a booking checked in before its slot joins at the slot) to the call that brought it to
  the counter that served it.
- **Service time** of a served ticket: from the operator's start to the finish.

Months are the regency's local months (a ticket's ``day`` is its local day). Percentiles are the
continuous ones (linear interpolation between the two nearest values, PostgreSQL's
``percentile_cont``): PostgreSQL computes them in SQL, SQLite in Python from the month's rows,
with the same result. Counts are SQL aggregates on both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.queue.models import CounterGroup, Ticket, TicketStatus

SHARES = (0.5, 0.9)  # median and p90


@dataclass(frozen=True)
class Times:
    """Median and 90th percentile of one measure, in seconds (None when nothing was measured)."""

    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class MonthMeasures:
    month: str  # YYYY-MM, the regency's local month
    visitors: int
    transactions: int
    waiting: Times
    service: Times


def percentile_cont(ordered: Sequence[float], share: float) -> float:
    """The continuous percentile of sorted values, as PostgreSQL's ``percentile_cont`` computes it."""
    position = share * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def times_of(values: list[float]) -> Times:
    if not values:
        return Times()
    ordered = sorted(values)
    return Times(*(percentile_cont(ordered, share) for share in SHARES))


def _month_of() -> tuple:
    """The local month of a ticket as (year, month): no bound literal, so it groups on PostgreSQL too."""
    return extract("year", Ticket.day), extract("month", Ticket.day)


def _code(year: int, month: int) -> str:
    return f"{int(year):04d}-{int(month):02d}"


def joined(session: AsyncSession) -> Any:
    """When a ticket joined the line it waits in: taken, or its last transfer; a booking checked in
    before its slot joins at the slot (it is not called before). A SQL expression."""
    base = func.coalesce(Ticket.transferred_at, Ticket.taken_at)
    later = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max  # SQLite's max(a, b)
    return later(base, func.coalesce(Ticket.slot_at, base))


def joined_at(taken: datetime, transferred: datetime | None, slot: datetime | None) -> datetime:
    """The same moment computed in Python (UTC)."""
    base = _aware(transferred or taken)
    return max(base, _aware(slot)) if slot is not None else base


async def _lines(session: AsyncSession) -> Any:
    """Tickets of the regency's lines: naming the groups lets the index on (tenant, group, day,
    status) serve the read of a few months instead of the regency's whole history."""
    return Ticket.group_id.in_((await session.scalars(select(CounterGroup.id))).all())


def _served(lines: Any, since: date, until: date | None) -> list:
    where = [lines, Ticket.status == TicketStatus.DONE, Ticket.day >= since, Ticket.called_at.is_not(None),
             Ticket.started_at.is_not(None), Ticket.finished_at.is_not(None)]
    if until is not None:
        where.append(Ticket.day <= until)
    return where


def _seconds(value: object) -> float:
    """A PostgreSQL interval (a timedelta) in seconds."""
    return value.total_seconds()  # type: ignore[attr-defined]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _counts(session: AsyncSession, since: date) -> dict[str, tuple[int, int]]:
    month = _month_of()
    rows = await session.execute(
        select(*month, func.count(), func.sum(case((Ticket.status == TicketStatus.DONE, 1), else_=0)))
        .where(await _lines(session), Ticket.day >= since, Ticket.status != TicketStatus.NO_SHOW).group_by(*month))
    return {_code(year, m): (int(visitors), int(done or 0)) for year, m, visitors, done in rows.all()}


async def _pg_times(session: AsyncSession, since: date, until: date | None,
                    by_month: bool) -> dict[str | None, tuple[Times, Times]]:
    waited = Ticket.called_at - joined(session)
    served = Ticket.finished_at - Ticket.started_at
    columns = [func.percentile_cont(share).within_group(measure) for measure in (waited, served) for share in SHARES]
    where = _served(await _lines(session), since, until)
    query = select(*columns).where(*where)
    if by_month:
        month = _month_of()
        query = select(*month, *columns).where(*where).group_by(*month)
    out: dict[str | None, tuple[Times, Times]] = {}
    for row in (await session.execute(query)).all():
        key, values = (_code(row[0], row[1]), row[2:]) if by_month else (None, row)
        if values[0] is None:
            continue
        w50, w90, s50, s90 = (_seconds(v) for v in values)
        out[key] = (Times(w50, w90), Times(s50, s90))
    return out


async def _python_times(session: AsyncSession, since: date, until: date | None,
                        by_month: bool) -> dict[str | None, tuple[Times, Times]]:
    rows = await session.execute(
        select(Ticket.day, Ticket.taken_at, Ticket.transferred_at, Ticket.slot_at, Ticket.called_at,
               Ticket.started_at, Ticket.finished_at).where(*_served(await _lines(session), since, until)))
    waits: dict[str | None, list[float]] = {}
    services: dict[str | None, list[float]] = {}
    for day, taken, transferred, slot, called, started, finished in rows.all():
        key = f"{day:%Y-%m}" if by_month else None
        waits.setdefault(key, []).append((_aware(called) - joined_at(taken, transferred, slot)).total_seconds())
        services.setdefault(key, []).append((_aware(finished) - _aware(started)).total_seconds())
    return {key: (times_of(waits[key]), times_of(services[key])) for key in waits}


async def _served_times(session: AsyncSession, since: date, until: date | None,
                    by_month: bool) -> dict[str | None, tuple[Times, Times]]:
    if session.get_bind().dialect.name == "postgresql":
        return await _pg_times(session, since, until, by_month)
    return await _python_times(session, since, until, by_month)


async def monthly(session: AsyncSession, since: date) -> list[MonthMeasures]:
    """Every local month from ``since`` on in which the regency's queue took a ticket, oldest first."""
    counts = await _counts(session, since)
    times = await _served_times(session, since, None, by_month=True)
    out = []
    for month in sorted(set(counts) | {m for m in times if m}):
        visitors, transactions = counts.get(month, (0, 0))
        waiting, service = times.get(month, (Times(), Times()))
        out.append(MonthMeasures(month, visitors, transactions, waiting, service))
    return out


async def counted_months(session: AsyncSession, since: date) -> set[str]:
    """The local months from ``since`` on in which the queue had visitors (counts only: cheap)."""
    return set(await _counts(session, since))


async def pooled(session: AsyncSession, since: date, until: date) -> tuple[Times, Times]:
    """Waiting and service time of every ticket served between two local days (inclusive)."""
    return (await _served_times(session, since, until, by_month=False)).get(None, (Times(), Times()))
