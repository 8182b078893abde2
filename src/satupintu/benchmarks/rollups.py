"""Rollups: the aggregate tables the ministry reads, and the reading of them.

Computing: for each regency, open a session bound to THAT regency (so the ORM filter and
PostgreSQL's row-level security both apply), read the regency's ``revision`` first, run every
indicator and collect its time series, then write the result, in a separate transaction that
touches platform tables only. Nothing personal can reach a rollup: indicators return numbers,
series carry counts and indices.

Staleness is decided by that revision, never by clocks: every transaction that writes a regency's
data adds one to ``tenants.revision`` as it commits, and a rollup keeps the revision it read before
reading the data (``data_revision``). A change that commits while a rollup is being computed leaves
the regency's revision above the stored one, so its own job (or any later check) recomputes. The
write is one upsert that never replaces a rollup computed from a later revision, so two
computations of the same regency (two first rollups of a new regency included) cannot collide.

Reading: the ministry's pages and the tenant admin's "position" page read ``benchmark_rollups``
and ``benchmark_series`` only; medians, ranks and distributions are computed from those rows.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.applications import measures as app_measures
from satupintu.applications import villages as app_villages
from satupintu.benchmarks import formulas, monthly, periods, skm
from satupintu.benchmarks.indicators import (
    CACHE,
    INDICATORS,
    Indicator,
    evaluation_index,
    latest_evaluation,
)
from satupintu.benchmarks.models import BenchmarkPoint, BenchmarkRollup, ServiceEvaluation
from satupintu.db import tenant_session, utcnow
from satupintu.tenants.models import Tenant, TenantStatus

SERIES_MONTHS = monthly.SERIES_MONTHS


# -- computing ------------------------------------------------------------------------------------

@dataclass
class Snapshot:
    figures: dict[str, float | None]
    details: dict[str, Any]
    points: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (kind, period, values)


async def compute(session: AsyncSession) -> Snapshot:
    """Every indicator and the time series of the tenant this session is bound to."""
    session.info.pop(CACHE, None)
    figures: dict[str, float | None] = {}
    for ind in INDICATORS:
        value = ind.rounded(await ind.compute(session))
        figures[ind.name] = None if value is None else float(value)
    details: dict[str, Any] = {}
    surveys = await skm.surveys(session)
    if surveys.latest is not None:
        details.update(ikm_period=surveys.latest.period, ikm_respondents=surveys.latest.respondents,
                       ikm_source=surveys.latest.source)
        if surveys.latest.transactions is not None:
            details.update(ikm_transactions=surveys.latest.transactions, ikm_sample=surveys.latest.sample)
    if surveys.set_aside:
        details["ikm_set_aside"] = surveys.set_aside
    evaluation = await latest_evaluation(session)
    if evaluation is not None:
        details.update(ipp_year=evaluation.year, ipp_verified=evaluation.verified_at is not None)
    places = await app_villages.figures(session)
    if places:  # village service points: public place names and counts only
        details["villages"] = [{"code": f.village.code, "name": f.village.name, "applications": f.applications,
                                "done": f.finished, "open": f.open} for f in places]
    points: list[tuple[str, str, dict[str, Any]]] = []
    points += [("month", row.month, row.figures()) for row in await monthly.months(session)]
    source = monthly.source_of(await monthly.recent(session))
    if source is not None:
        details["operations_source"] = source
    points += [("app_month", month, figures.point()) for month, figures in (await app_measures.monthly(
        session, monthly.first_month(date.today(), SERIES_MONTHS))).items()]
    points += [("survey", period.period, period.figures()) for period in surveys.counted]
    for row in (await session.scalars(select(ServiceEvaluation))).all():
        index = evaluation_index(row)
        points.append(("year", str(row.year), {"ipp": None if index is None else float(formulas.round2(index)),
                                               "verified": row.verified_at is not None}))
    session.info.pop(CACHE, None)
    return Snapshot(figures, details, points)


def _upsert(session: AsyncSession, values: dict[str, Any]) -> Any:
    """INSERT ... ON CONFLICT (region_code) DO UPDATE, unless the stored row was computed from a later
    revision; returns the region code when it wrote, nothing when it left a newer row alone."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(BenchmarkRollup).values(**values)
    return insert.on_conflict_do_update(
        index_elements=[BenchmarkRollup.region_code],
        set_={name: insert.excluded[name] for name in values if name != "region_code"},
        where=BenchmarkRollup.data_revision <= insert.excluded.data_revision,
    ).returning(BenchmarkRollup.region_code)


async def store(session: AsyncSession, tenant: Tenant, snapshot: Snapshot) -> BenchmarkRollup:
    """Replace a regency's rollup and series (platform tables; the session needs no tenant). ``tenant``
    is the row as read before the snapshot's data: its revision is the rollup's ``data_revision``.

    One upsert writes the rollup: two computations storing at once cannot both insert (the second
    waits for the first's row, then updates it), and one computed from an older revision than the
    stored row's changes nothing, series included. On PostgreSQL a transaction-scoped advisory lock
    on the slug comes first: ON CONFLICT arbitrates only the region code, so without it two first
    inserts could still collide on the slug's own unique index."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext("benchmark_rollup:" + tenant.slug))))
    await session.execute(delete(BenchmarkRollup).where(BenchmarkRollup.tenant_slug == tenant.slug,
                                                        BenchmarkRollup.region_code != tenant.region_code))
    written = (await session.execute(_upsert(session, {
        "region_code": tenant.region_code, "tenant_slug": tenant.slug, "name": tenant.name,
        "province": tenant.province, "status": tenant.status.value, "figures": snapshot.figures,
        "details": snapshot.details, "computed_at": utcnow(), "data_revision": tenant.revision,
    }))).scalar_one_or_none()
    if written is not None:
        await session.execute(delete(BenchmarkPoint).where(BenchmarkPoint.region_code == tenant.region_code))
        session.add_all(BenchmarkPoint(region_code=tenant.region_code, kind=kind, period=period, figures=values)
                        for kind, period, values in snapshot.points)
        await session.flush()
    return await session.get(BenchmarkRollup, tenant.region_code, populate_existing=True)


async def refresh_tenant(maker: async_sessionmaker[AsyncSession], tenant_id: int, *,
                         only_if_stale: bool = False) -> BenchmarkRollup | None:
    """Recompute one regency's rollup. ``only_if_stale`` (a change's job): skipped while the stored
    rollup was computed from the regency's current revision (many changes in a row queue many jobs;
    one recomputation answers them all)."""
    if only_if_stale:
        async with tenant_session(maker, None) as session:
            revision = await session.scalar(select(Tenant.revision).where(Tenant.id == tenant_id))
            if revision is None:
                return None
            current = await session.scalar(select(BenchmarkRollup).join(
                Tenant, Tenant.region_code == BenchmarkRollup.region_code).where(Tenant.id == tenant_id))
            if current is not None and current.data_revision >= revision:
                return current
    async with tenant_session(maker, tenant_id) as session:
        tenant = await session.get(Tenant, tenant_id)  # its revision, read before any of its data
        if tenant is None:
            return None
        snapshot = await compute(session)
        session.expunge(tenant)
    async with tenant_session(maker, None) as session:
        return await store(session, tenant, snapshot)


async def tenant_ids(maker: async_sessionmaker[AsyncSession], slug: str | None = None) -> list[int]:
    async with tenant_session(maker, None) as session:
        query = select(Tenant.id).order_by(Tenant.id)
        if slug:
            query = query.where(Tenant.slug == slug)
        return list((await session.scalars(query)).all())


async def prune(maker: async_sessionmaker[AsyncSession]) -> int:
    """Drop rollups of regencies that no longer exist."""
    async with tenant_session(maker, None) as session:
        codes = select(Tenant.region_code)
        result = await session.execute(delete(BenchmarkRollup).where(BenchmarkRollup.region_code.not_in(codes)))
        return result.rowcount or 0


async def refresh_all(maker: async_sessionmaker[AsyncSession], slug: str | None = None) -> list[BenchmarkRollup]:
    """Recompute every regency (or one), one tenant-bound session at a time; then prune."""
    done = []
    for tenant_id in await tenant_ids(maker, slug):
        row = await refresh_tenant(maker, tenant_id)
        if row is not None:
            done.append(row)
    if slug is None:
        await prune(maker)
    return done


# -- reading --------------------------------------------------------------------------------------

STATUSES = tuple(s.value for s in TenantStatus)


async def all_rollups(session: AsyncSession) -> list[BenchmarkRollup]:
    return list((await session.scalars(select(BenchmarkRollup).order_by(BenchmarkRollup.name))).all())


async def rollup_by_slug(session: AsyncSession, slug: str) -> BenchmarkRollup | None:
    return await session.scalar(select(BenchmarkRollup).where(BenchmarkRollup.tenant_slug == slug))


async def series(session: AsyncSession, region_codes: Iterable[str]) -> dict[str, dict[str, list[BenchmarkPoint]]]:
    """Time series by region code, then by kind (month, survey, year), in time order."""
    codes = list(region_codes)
    out: dict[str, dict[str, list[BenchmarkPoint]]] = {code: {"month": [], "survey": [], "year": []} for code in codes}
    if not codes:
        return out
    rows = (await session.scalars(select(BenchmarkPoint).where(BenchmarkPoint.region_code.in_(codes)))).all()
    for row in rows:
        out[row.region_code].setdefault(row.kind, []).append(row)
    for kinds in out.values():
        for kind, points in kinds.items():
            points.sort(key=lambda p: periods.sort_key(p.period) if kind != "year" else (p.period, 0))
    return out


def live(rows: Iterable[BenchmarkRollup]) -> list[BenchmarkRollup]:
    return [r for r in rows if r.status == TenantStatus.LIVE.value]


def values_of(rows: Iterable[BenchmarkRollup], ind: Indicator) -> list[float]:
    return [ind.rounded(r.figures[ind.name]) for r in rows if r.figures.get(ind.name) is not None]


def national(rows: Iterable[BenchmarkRollup], ind: Indicator) -> float | None:
    """The national figure of the live regions: the median, or for yes/no indicators the share that says yes."""
    values = values_of(live(rows), ind)
    if not values:
        return None
    if ind.unit == "flag":
        return round(sum(values) * 100 / len(values), 1)
    return ind.rounded(statistics.median(values))


@dataclass(frozen=True)
class Distribution:
    count: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


def distribution(values: list[float]) -> Distribution | None:
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        q1 = q3 = ordered[0]
    else:
        q1, _m, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Distribution(len(ordered), ordered[0], q1, statistics.median(ordered), q3, ordered[-1])


def rank(rows: Iterable[BenchmarkRollup], ind: Indicator, region_code: str) -> tuple[int, int] | None:
    """1-based rank of a region among the live regions that report the indicator (best first), and of how many."""
    candidates = [(ind.rounded(r.figures[ind.name]), r.region_code) for r in live(rows)
                  if r.figures.get(ind.name) is not None]
    mine = next((v for v, code in candidates if code == region_code), None)
    if mine is None:
        return None
    better = sum(1 for v, _ in candidates if (v > mine if ind.higher_is_better else v < mine))
    return better + 1, len(candidates)


def percentile(values: list[float], value: float, higher_is_better: bool = True) -> int:
    """Share of regions this value is at least as good as, in whole percent."""
    if not values:
        return 0
    as_good = sum(1 for v in values if (v <= value if higher_is_better else v >= value))
    return int(Fraction(as_good * 100, len(values)))


MIN_REPORTING = 5
"""A regency is shown national figures for an indicator only when at least this many live regions
report it. With fewer, what a position page shows would give another regency's value away: with two
reporting, the median, the lowest or highest value, the rank or the percentile each tells the other
one's figure exactly; with three or four, the lowest and highest values are other regencies' own."""


@dataclass(frozen=True)
class Standing:
    """Where one region stands on one indicator, as its own admin may see it."""

    value: float | None  # the region's own value
    reporting: int  # live regions that report the indicator
    national: float | None = None  # median, or the share saying yes for flags
    distribution: Distribution | None = None
    rank: tuple[int, int] | None = None
    percentile: int | None = None

    @property
    def shown(self) -> bool:
        return self.reporting >= MIN_REPORTING


def standing(rows: list[BenchmarkRollup], ind: Indicator, region_code: str) -> Standing:
    """The region's value and, only when at least ``MIN_REPORTING`` live regions report the indicator,
    the national figure, distribution, rank and percentile; below that, nothing but the region's own
    value (not even how many report: "fewer than five" is all a page says)."""
    mine = next((r for r in rows if r.region_code == region_code), None)
    value = ind.rounded(mine.figures.get(ind.name)) if mine is not None else None
    values = values_of(live(rows), ind)
    if len(values) < MIN_REPORTING:
        return Standing(value, len(values))
    if ind.unit == "flag":
        return Standing(value, len(values), national(rows, ind))
    return Standing(value, len(values), national(rows, ind), distribution(values), rank(rows, ind, region_code),
                    None if value is None else percentile(values, value, ind.higher_is_better))


SORT_FIXED = ("name", "province", "status")


def table(rows: list[BenchmarkRollup], *, province: str = "", status: str = "", sort: str = "name",
          descending: bool = False, indicators: dict[str, Indicator] | None = None) -> list[BenchmarkRollup]:
    """Filter and sort the overview. Regions without a value come last in either direction."""
    selected = [r for r in rows if (not province or r.province == province) and (not status or r.status == status)]
    if sort in SORT_FIXED:
        return sorted(selected, key=lambda r: (getattr(r, sort).lower(), r.name.lower()), reverse=descending)
    ind = (indicators or {}).get(sort)
    if ind is None:
        return sorted(selected, key=lambda r: r.name.lower())
    present = [r for r in selected if r.figures.get(sort) is not None]
    absent = [r for r in selected if r.figures.get(sort) is None]
    present.sort(key=lambda r: r.name.lower())
    present.sort(key=lambda r: ind.rounded(r.figures[sort]), reverse=descending)
    return present + sorted(absent, key=lambda r: r.name.lower())
