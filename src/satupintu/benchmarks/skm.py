"""A regency's survey periods as the ministry sees them: the answers citizens give in the app where
they exist, the uploaded results otherwise, and never both for the same month.

The rule, applied per month: a month in which citizens answered in the app (``survey_responses``)
is counted from those answers, grouped into the calendar semester it belongs to (source ``live``).
An uploaded period (a year, semester, quarter or month) is counted only when none of its months has
answers in the app; otherwise it is set aside (kept on the regency's page, marked, never added).
So no respondent is counted twice, whichever periods a regency uploads: a regency that surveys on
paper keeps its uploads, and one that moves to the app gets its live results from its first month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.benchmarks import formulas, monthly, periods
from satupintu.benchmarks.models import TOTAL_SCALE, SurveyResult
from satupintu.survey import service as survey
from satupintu.tenants.models import Tenant

LIVE = "live"


@dataclass(frozen=True)
class SurveyPeriod:
    period: str
    source: str  # LIVE, or the upload's "responses" (raw file) or "summary"
    respondents: int
    totals: tuple[Fraction, ...]  # per element, the sum of the scores
    transactions: int | None = None  # live periods: transactions served in the period

    @property
    def averages(self) -> list[Fraction]:
        return formulas.element_averages(self.totals, self.respondents)

    @property
    def ikm(self) -> Fraction:
        return formulas.ikm(self.averages)

    @property
    def sample(self) -> int | None:
        return None if self.transactions is None else formulas.krejcie_morgan(self.transactions)

    def figures(self) -> dict[str, object]:
        """The period as a point of the ministry's time series."""
        out: dict[str, object] = {"ikm": float(formulas.round2(self.ikm)), "respondents": self.respondents,
                                  "source": self.source,
                                  "elements": {code: float(formulas.round2(average))
                                               for code, average in zip(formulas.ELEMENTS, self.averages)}}
        if self.transactions is not None:
            out.update(transactions=self.transactions, sample=self.sample)
        return out


def semester(month: str) -> str:
    return f"{month[:4]}-S{1 if int(month[5:]) <= 6 else 2}"


def months_of(period: str) -> set[str]:
    first, last = periods.bounds(period)
    out, day = set(), first
    while day <= last:
        out.add(periods.month_code(day))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


@dataclass(frozen=True)
class Surveys:
    counted: list[SurveyPeriod]  # oldest first
    set_aside: list[str]  # uploaded periods not counted because the app has answers in them

    @property
    def latest(self) -> SurveyPeriod | None:
        return self.counted[-1] if self.counted else None


async def _load(session: AsyncSession) -> Surveys:
    tenant = await session.get(Tenant, session.info.get("tenant_id"))
    by_month = await survey.totals_by_month(session)
    live: dict[str, tuple[int, list[int]]] = {}
    for month, (respondents, totals) in by_month.items():
        count, sums = live.setdefault(semester(month), (0, [0] * len(formulas.ELEMENTS)))
        live[semester(month)] = (count + respondents, [a + b for a, b in zip(sums, totals)])
    counted = [SurveyPeriod(code, LIVE, count, tuple(Fraction(t) for t in sums),
                            await survey.transactions(session, tenant, code))
               for code, (count, sums) in live.items()]
    set_aside = []
    for row in (await session.scalars(select(SurveyResult))).all():
        if months_of(row.period) & set(by_month):
            set_aside.append(row.period)
        else:
            counted.append(SurveyPeriod(row.period, row.source, row.respondents,
                                        tuple(Fraction(t, TOTAL_SCALE) for t in row.totals)))
    counted.sort(key=lambda p: periods.sort_key(p.period))
    return Surveys(counted, sorted(set_aside, key=periods.sort_key))


async def surveys(session: AsyncSession) -> Surveys:
    """The counted survey periods and the uploads set aside (read once per rollup computation)."""
    cache = session.info.setdefault(monthly.CACHE, {})
    if "skm" not in cache:
        cache["skm"] = await _load(session)
    return cache["skm"]
