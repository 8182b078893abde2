"""A regency's monthly operations as the ministry sees them: counted from queue tickets where the
queue ran that month, the figures the regency reported by hand otherwise.

Visitors and transactions of a month with at least one ticket come from the queue
(:mod:`satupintu.queue.measures` defines both), with the median and 90th percentile of waiting and
service time; the hand-entered visitors and transactions of that month are then set aside. A month
without tickets keeps the reported figures and is marked ``reported``. Complaints are counted the same
way on their own: a month with complaints recorded in SatuPintu (any channel) takes its received and
answered-on-time counts from them, setting the reported ones aside; other months keep what was reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.benchmarks.models import MonthlyOperations
from satupintu.complaints import service as complaints
from satupintu.db import session_tenant
from satupintu.queue import measures
from satupintu.tenants.models import Tenant

SERIES_MONTHS = 36
RECENT_MONTHS = 12
TICKETS, REPORTED = "tickets", "reported"
CACHE = "benchmarks.cache"


def minutes(seconds: float | None) -> float | None:
    """Seconds as minutes with one decimal, rounded half up (how the ministry shows times)."""
    if seconds is None:
        return None
    return float((Decimal(str(seconds)) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP))


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    source: str  # TICKETS or REPORTED (visitors and transactions)
    visitors: int
    transactions: int
    complaints_received: int | None = None
    complaints_on_time: int | None = None
    waiting_median: float | None = None  # minutes; measured months only
    waiting_p90: float | None = None
    service_median: float | None = None
    service_p90: float | None = None

    def figures(self) -> dict[str, Any]:
        """The month as a point of the ministry's time series."""
        return {"source": self.source, "visitors": self.visitors, "transactions": self.transactions,
                "complaints_received": self.complaints_received or 0,
                "complaints_on_time": self.complaints_on_time or 0,
                "waiting_median": self.waiting_median, "waiting_p90": self.waiting_p90,
                "service_median": self.service_median, "service_p90": self.service_p90}


def first_month(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def month_end(code: str) -> date:
    year, month = map(int, code.split("-"))
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


async def _load(session: AsyncSession, today: date) -> list[Month]:
    reported = {r.month: r for r in (await session.scalars(
        select(MonthlyOperations).order_by(MonthlyOperations.month.desc()).limit(SERIES_MONTHS))).all()}
    earliest = min([first_month(today, SERIES_MONTHS), *(date.fromisoformat(f"{m}-01") for m in reported)])
    measured = {m.month: m for m in await measures.monthly(session, earliest)}
    tenant = await session.get(Tenant, session_tenant(session))
    recorded = await complaints.monthly_counts(session, tenant, earliest) if tenant is not None else {}
    out = []
    for code in sorted(set(reported) | set(measured))[-SERIES_MONTHS:]:
        row, live = reported.get(code), measured.get(code)
        complaints_of = {"complaints_received": row.complaints_received, "complaints_on_time": row.complaints_on_time} \
            if row is not None else {}
        if code in recorded:
            complaints_of = dict(zip(("complaints_received", "complaints_on_time"), recorded[code], strict=True))
        if live is not None:
            out.append(Month(code, TICKETS, live.visitors, live.transactions, **complaints_of,
                             waiting_median=minutes(live.waiting.median), waiting_p90=minutes(live.waiting.p90),
                             service_median=minutes(live.service.median), service_p90=minutes(live.service.p90)))
        else:
            out.append(Month(code, REPORTED, row.visitors, row.transactions, **complaints_of))
    return out


async def months(session: AsyncSession, today: date | None = None) -> list[Month]:
    """The last 36 months with figures, oldest first (read once per rollup computation)."""
    cache = session.info.setdefault(CACHE, {})
    if "monthly" not in cache:
        cache["monthly"] = await _load(session, today or date.today())
    return cache["monthly"]


async def counted(session: AsyncSession, today: date | None = None) -> set[str]:
    """The months of the series window in which the queue counted visitors (the regency's own page
    marks them; counting only, no percentiles)."""
    return await measures.counted_months(session, first_month(today or date.today(), SERIES_MONTHS))


async def recent(session: AsyncSession) -> list[Month]:
    """The months within the twelve months that end with the latest month with figures."""
    rows = await months(session)
    if not rows:
        return []
    since = first_month(date.fromisoformat(f"{rows[-1].month}-01"), RECENT_MONTHS).isoformat()[:7]
    return [r for r in rows if r.month >= since]


def source_of(rows: list[Month]) -> str | None:
    """Where a set of months' visitors and transactions come from: tickets, reported, or mixed."""
    sources = {r.source for r in rows}
    return None if not sources else sources.pop() if len(sources) == 1 else "mixed"


async def times(session: AsyncSession) -> tuple[measures.Times, measures.Times]:
    """Waiting and service time of every ticket served in the twelve months that end with the latest
    measured month (pooled, not a median of monthly medians)."""
    cache = session.info.setdefault(CACHE, {})
    if "times" not in cache:
        measured = [r for r in await months(session) if r.source == TICKETS]
        if not measured:
            cache["times"] = (measures.Times(), measures.Times())
        else:
            last = measured[-1].month
            since = first_month(date.fromisoformat(f"{last}-01"), RECENT_MONTHS)
            cache["times"] = await measures.pooled(session, since, month_end(last))
    return cache["times"]
