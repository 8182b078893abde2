"""When an application is due: the service's completion time counted in the regency's working days.

A working day is one on which the place that serves the application is open (its weekly hours: the
service's counter's location, else the regency's mall, else any of its locations) and that is no
holiday of the regency or of that location. A completion time in days counts that many working days
after the day of submission; a time in minutes or hours is due on the day of submission when that
is a working day, else on the next one (longer than a day: one more working day per started day).
The ministry's completion times count the same calendar (:meth:`Calendar.working_days`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies.hours import DAYS, periods
from satupintu.agencies.models import Counter, Holiday, Location, LocationKind
from satupintu.catalogue.models import TenantService

UNIT_MINUTES = {"menit": 1, "jam": 60, "hari": 24 * 60}
HORIZON = 3 * 366  # days looked ahead at most (a calendar without a single open day is not waited on forever)


def working_days_needed(service: TenantService) -> int:
    if service.completion_unit == "hari":
        return max(0, service.completion_value)
    minutes = service.completion_value * UNIT_MINUTES.get(service.completion_unit, 24 * 60)
    return max(0, math.ceil(minutes / (24 * 60)) - 1)


async def serving_location(session: AsyncSession, service: TenantService) -> Location | None:
    if service.counter_id is not None:
        counter = await session.get(Counter, service.counter_id)
        if counter is not None:
            return await session.get(Location, counter.location_id)
    if service.agency_id is not None:
        found = await session.scalar(select(Location).join(Counter, Counter.location_id == Location.id)
                                     .where(Counter.agency_id == service.agency_id).order_by(Location.id).limit(1))
        if found is not None:
            return found
    return await session.scalar(select(Location).order_by((Location.kind != LocationKind.MPP), Location.id).limit(1))


@dataclass(frozen=True)
class Calendar:
    """The working days of one serving place: its open weekdays, less the holidays (of the regency or the place)."""

    open_weekdays: frozenset[int]
    holidays: frozenset[date]

    def working(self, day: date) -> bool:
        return day.weekday() in self.open_weekdays and day not in self.holidays

    def working_days(self, after: date, through: date) -> int:
        """How many working days come after ``after`` up to and including ``through`` (0 on the same day):
        an application submitted on a Friday and done on the Monday took one working day with the weekend closed."""
        return sum(self.working(after + timedelta(days=n)) for n in range(1, (through - after).days + 1))


def _open_weekdays(location: Location | None) -> frozenset[int]:
    hours = (location.hours or {}) if location is not None else {}
    found = frozenset(i for i, name in enumerate(DAYS) if periods(hours.get(name, ""))) if hours else frozenset()
    return found or frozenset({0, 1, 2, 3, 4})


async def calendars(session: AsyncSession, services: Iterable[TenantService], start: date,
                    end: date) -> dict[int, Calendar]:
    """The calendar of each service (by id) from ``start`` to ``end``: one per serving place, the holidays
    read once."""
    places = {service.id: await serving_location(session, service) for service in services}
    rows = (await session.execute(select(Holiday.day, Holiday.location_id).where(
        Holiday.day >= start, Holiday.day <= end))).all()
    by_place: dict[int | None, Calendar] = {}
    for location in places.values():
        key = location.id if location is not None else None
        if key not in by_place:
            by_place[key] = Calendar(_open_weekdays(location), frozenset(
                day for day, where in rows if where is None or (key is not None and where == key)))
    return {service_id: by_place[location.id if location is not None else None]
            for service_id, location in places.items()}


async def due_date(session: AsyncSession, service: TenantService, submitted: date) -> date:
    """The local day by which the application should be done (see the module's docstring)."""
    calendar = (await calendars(session, [service], submitted, submitted + timedelta(days=HORIZON)))[service.id]
    needed = working_days_needed(service)
    day = submitted
    if needed == 0:
        while not calendar.working(day) and day < submitted + timedelta(days=HORIZON):
            day += timedelta(days=1)
        return day
    while needed and day < submitted + timedelta(days=HORIZON):
        day += timedelta(days=1)
        if calendar.working(day):
            needed -= 1
    return day
