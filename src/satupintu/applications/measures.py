"""What applications tell the ministry, per local month of the regency: counts and times only.

An application's **completion time** runs from its submission to the moment it was done (its product
made: done, then ready or delivered), in the regency's working days: the working days after the local
day of submission up to the local day it was done, on the calendar its due date is counted on
(``sla.Calendar``: the serving place's opening days less holidays), so an application submitted on a
Friday and done on the Monday took one working day, not three; a permit issued first is done at
submission (0). It is
**within its SLA** when it was done on or before its due date (the service's completion time in the
regency's working days). A **revoked permit** counts in the month of its revocation, a **delivery**
in the month it was handed over. Medians and 90th percentiles are continuous percentiles, as the
queue's times are (``queue.measures.percentile_cont``), over the month's applications read in Python
(bounded by the rollup's window); nothing personal is read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.applications.delivery import Delivery, DeliveryStatus
from satupintu.applications.models import Application
from satupintu.applications.permits import Permit
from satupintu.applications.service import as_utc
from satupintu.applications.sla import Calendar, calendars
from satupintu.catalogue.models import TenantService
from satupintu.queue.measures import percentile_cont
from satupintu.tenants.models import Tenant

Done = tuple[datetime, datetime, date, int]
"""An application done: submitted, done, its due date and its service's id."""


@dataclass(frozen=True)
class Figures:
    done: int = 0
    completion_median: float | None = None  # working days
    completion_p90: float | None = None
    within_sla: float | None = None  # percent of the done
    permits_revoked: int = 0
    deliveries: int = 0

    def point(self) -> dict[str, float | int | None]:
        """The month as a point of the ministry's series."""
        return {"applications_done": self.done, "completion_median_days": _round(self.completion_median),
                "completion_p90_days": _round(self.completion_p90), "within_sla_percent": _round(self.within_sla),
                "permits_revoked": self.permits_revoked, "deliveries": self.deliveries}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def _zone(session: AsyncSession) -> ZoneInfo:
    tenant = await session.get(Tenant, session.info["tenant_id"])
    return ZoneInfo(tenant.timezone.iana)


def _month(moment: datetime, zone: ZoneInfo) -> str:
    return f"{as_utc(moment).astimezone(zone):%Y-%m}"


def _local(moment: datetime, zone: ZoneInfo) -> date:
    return as_utc(moment).astimezone(zone).date()


async def _calendars(session: AsyncSession, done: list[Done], zone: ZoneInfo) -> dict[int, Calendar]:
    """The calendar of every service of ``done``, over the days they span."""
    if not done:
        return {}
    ids = {service_id for *_times, service_id in done}
    services = (await session.scalars(select(TenantService).where(TenantService.id.in_(ids)))).all()
    return await calendars(session, services, min(_local(s, zone) for s, *_rest in done),
                           max(_local(f, zone) for _s, f, *_rest in done))


def _figures(done: list[Done], zone: ZoneInfo, revoked: int, delivered: int,
             calendar: dict[int, Calendar]) -> Figures:
    days = sorted(calendar[service_id].working_days(_local(submitted, zone), _local(finished, zone))
                  for submitted, finished, _due, service_id in done)
    on_time = sum(_local(finished, zone) <= due for _submitted, finished, due, _service in done)
    return Figures(len(done), percentile_cont(days, 0.5) if days else None, percentile_cont(days, 0.9) if days else None,
                   100 * on_time / len(done) if done else None, revoked, delivered)


async def monthly(session: AsyncSession, since: date, until: date | None = None) -> dict[str, Figures]:
    """Figures per local month (``YYYY-MM``) from ``since`` (a first of a month, local) to ``until``
    (inclusive; the latest otherwise); months with nothing are left out."""
    zone = await _zone(session)
    start = datetime.combine(since, datetime.min.time(), zone)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), zone) if until else None

    def window(column):  # noqa: ANN001, ANN202 - a column and its condition
        return (column >= start,) if end is None else (column >= start, column < end)

    done: dict[str, list[Done]] = defaultdict(list)
    rows = [tuple(row) for row in (await session.execute(select(
        Application.submitted_at, Application.done_at, Application.due_date, Application.service_id)
        .where(Application.done_at.is_not(None), *window(Application.done_at)))).all()]
    for row in rows:
        done[_month(row[1], zone)].append(row)
    calendar = await _calendars(session, rows, zone)
    revoked: dict[str, int] = defaultdict(int)
    for (moment,) in (await session.execute(select(Permit.revoked_at).where(
            Permit.revoked_at.is_not(None), *window(Permit.revoked_at)))).all():
        revoked[_month(moment, zone)] += 1
    delivered: dict[str, int] = defaultdict(int)
    for (moment,) in (await session.execute(select(Delivery.delivered_at).where(
            Delivery.status == DeliveryStatus.DELIVERED, *window(Delivery.delivered_at)))).all():
        delivered[_month(moment, zone)] += 1
    return {month: _figures(done.get(month, []), zone, revoked.get(month, 0), delivered.get(month, 0), calendar)
            for month in sorted(set(done) | set(revoked) | set(delivered))}


async def pooled(session: AsyncSession, since: date, until: date | None = None) -> Figures:
    """The same figures over the whole window (pooled, not a median of monthly medians)."""
    zone = await _zone(session)
    start = datetime.combine(since, datetime.min.time(), zone)
    conditions = [Application.done_at.is_not(None), Application.done_at >= start]
    if until is not None:
        conditions.append(Application.done_at < datetime.combine(until + timedelta(days=1), datetime.min.time(), zone))
    done = [tuple(row) for row in (await session.execute(select(
        Application.submitted_at, Application.done_at, Application.due_date, Application.service_id)
        .where(*conditions))).all()]
    months = await monthly(session, since, until)
    return _figures(done, zone, sum(f.permits_revoked for f in months.values()),
                    sum(f.deliveries for f in months.values()), await _calendars(session, done, zone))
