"""The complaint clock: deadlines counted in working time (a location's opening hours, not on
holidays, in the regency's zone) or around the clock when the regency says so.

Pure functions over a :class:`Calendar`; :func:`calendar_for` reads one from the database. Indonesia's
zones have no daylight saving, but the arithmetic is done in local wall-clock time per opening period
and converted back, so it would stay right with one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies.hours import DAYS, periods
from satupintu.agencies.models import Holiday, Location, LocationKind
from satupintu.tenants.models import Tenant

HORIZON_DAYS = 366
"""How far ahead working time is looked for (and holidays read): a week of no opening hours at all
counts around the clock instead, so a deadline always exists."""


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    hours: dict[str, Any] = field(default_factory=dict)  # weekly hours, as a location keeps them
    holidays: frozenset[date] = frozenset()
    around_the_clock: bool = False

    def _continuous(self) -> bool:
        return self.around_the_clock or not any(periods(self.hours.get(day, "")) for day in DAYS)

    def _periods(self, start: datetime):
        """The opening periods (UTC start, UTC end) from the local day of ``start`` onwards."""
        day = start.astimezone(self.zone).date()
        for offset in range(HORIZON_DAYS):
            current = day + timedelta(days=offset)
            if current in self.holidays:
                continue
            for begin, end in periods(self.hours.get(DAYS[current.weekday()], "")):
                yield (datetime.combine(current, begin, self.zone).astimezone(UTC),
                       datetime.combine(current, end, self.zone).astimezone(UTC))

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` of working time after ``start`` (UTC)."""
        start = start.astimezone(UTC)
        if self._continuous():
            return start + timedelta(minutes=minutes)
        left = timedelta(minutes=minutes)
        for begin, end in self._periods(start):
            if end <= start:
                continue
            begin = max(begin, start)
            if begin + left <= end:
                return begin + left
            left -= end - begin
        return start + timedelta(minutes=minutes)  # no opening in a year: around the clock

    def between(self, start: datetime, end: datetime) -> int:
        """Whole minutes of working time from ``start`` to ``end`` (0 when ``end`` is not later)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0
        if self._continuous():
            return int((end - start).total_seconds() // 60)
        total = timedelta()
        for begin, close in self._periods(start):
            if begin >= end:
                break
            if close <= start:
                continue
            total += min(close, end) - max(begin, start)
        return int(total.total_seconds() // 60)


async def main_location(session: AsyncSession) -> Location | None:
    """The mall itself (the first location of kind MPP), else the first location."""
    return await session.scalar(select(Location).order_by((Location.kind != LocationKind.MPP), Location.id).limit(1))


async def calendar_for(session: AsyncSession, tenant: Tenant, location_id: int | None, around_the_clock: bool,
                       since: datetime) -> Calendar:
    """The calendar of a location (else the mall's) with its holidays from ``since`` for a year."""
    zone = ZoneInfo(tenant.timezone.iana)
    if around_the_clock:
        return Calendar(zone, around_the_clock=True)
    location = await session.get(Location, location_id) if location_id else None
    location = location or await main_location(session)
    if location is None:
        return Calendar(zone, around_the_clock=True)
    first = since.astimezone(zone).date() - timedelta(days=1)
    holidays = (await session.scalars(select(Holiday.day).where(
        Holiday.day >= first, Holiday.day <= first + timedelta(days=HORIZON_DAYS),
        or_(Holiday.location_id.is_(None), Holiday.location_id == location.id)))).all()
    return Calendar(zone, dict(location.hours or {}), frozenset(holidays))
