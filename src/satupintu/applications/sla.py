"""When an application is due: the service's completion time counted in the regency's working days.

A working day is one on which the place that serves the application is open (its weekly hours: the
service's counter's location, else the regency's mall, else any of its locations) and that is no
holiday of the regency or of that location. A completion time in days counts that many working days
after the day of submission; a time in minutes or hours is due on the day of submission when that
is a working day, else on the next one (longer than a day: one more working day per started day).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlalchemy import or_, select
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


async def due_date(session: AsyncSession, service: TenantService, submitted: date) -> date:
    """The local day by which the application should be done (see the module's docstring)."""
    location = await serving_location(session, service)
    hours = (location.hours or {}) if location is not None else {}
    open_weekdays = {i for i, name in enumerate(DAYS) if periods(hours.get(name, ""))} if hours else {0, 1, 2, 3, 4}
    if not open_weekdays:
        open_weekdays = {0, 1, 2, 3, 4}
    holiday_filter = Holiday.location_id.is_(None)
    if location is not None:
        holiday_filter = or_(holiday_filter, Holiday.location_id == location.id)
    holidays = set((await session.scalars(select(Holiday.day).where(
        holiday_filter, Holiday.day >= submitted, Holiday.day <= submitted + timedelta(days=HORIZON)))).all())

    def working(day: date) -> bool:
        return day.weekday() in open_weekdays and day not in holidays

    needed = working_days_needed(service)
    day = submitted
    if needed == 0:
        while not working(day) and day < submitted + timedelta(days=HORIZON):
            day += timedelta(days=1)
        return day
    while needed and day < submitted + timedelta(days=HORIZON):
        day += timedelta(days=1)
        if working(day):
            needed -= 1
    return day
