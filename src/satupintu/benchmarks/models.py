"""What regencies report for the ministry's benchmarks, and the rollups the ministry reads.

Tenant-owned (isolated like every other table): survey results, evaluation self-assessments and
monthly operations figures. Only aggregates are ever stored: a survey upload keeps the respondent
count and the nine element totals, never a row per respondent, so names, NIK or phone numbers that
came in a file cannot leak from here.

Platform-owned rollups (no tenant_id; keyed by ``region_code``): one row of indicator values per
regency and its time series, computed by jobs that read each tenant through a session bound to
that tenant. The ministry's pages read these tables only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, platform_table, utcnow

TOTAL_SCALE = 10_000
"""Survey element totals are stored in ten-thousandths of a point: whole numbers, so that a raw
upload (integer scores) and a published summary (averages with up to four decimals) are both
kept exactly, on SQLite and PostgreSQL alike."""

SCORE_SCALE = 100
"""Evaluation aspect scores (0..5, two decimals) are stored in hundredths."""

ROLLUP_REASON = ("the ministry compares every regency, so its pages read all rollups without a tenant bound; "
                 "the rows hold aggregates a regency reports to the ministry (numbers, never a person), "
                 "keyed by region code and written only by the rollup job from a tenant-bound read")


class SurveyResult(TenantOwned, Base):
    """One period of a regency's Survei Kepuasan Masyarakat, as totals per element."""

    __tablename__ = "skm_results"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "period"),)

    period: Mapped[str] = mapped_column(String(10))  # 2026, 2026-S1, 2026-Q3 or 2026-05
    source: Mapped[str] = mapped_column(String(10))  # "responses" (raw file) or "summary" (published)
    respondents: Mapped[int] = mapped_column()
    totals: Mapped[list[Any]] = mapped_column(default=list)  # nine integers, see TOTAL_SCALE


class ServiceEvaluation(TenantOwned, Base):
    """A regency's self-assessment of the public-service evaluation (IPP) for one year."""

    __tablename__ = "ipp_evaluations"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "year"),)

    year: Mapped[int] = mapped_column()
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)  # aspect key -> hundredths, see SCORE_SCALE
    notes: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column()  # set by the ministry, cleared by any change


class MonthlyOperations(TenantOwned, Base):
    """Figures a regency reports for one month, until the front-office modules count them."""

    __tablename__ = "ops_monthly"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "month"),)

    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    visitors: Mapped[int] = mapped_column(default=0)
    transactions: Mapped[int] = mapped_column(default=0)
    complaints_received: Mapped[int] = mapped_column(default=0)
    complaints_on_time: Mapped[int] = mapped_column(default=0)


class BenchmarkRollup(Base):
    """The latest indicator values of one regency. Platform table: aggregates, no personal data."""

    __tablename__ = "benchmark_rollups"
    __table_args__ = {"info": platform_table(reason=ROLLUP_REASON, writers=("job", "cli"))}

    region_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    tenant_slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    province: Mapped[str] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(20))
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)  # indicator name -> number or null
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # e.g. which survey period the IKM is from
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    data_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    """The ``tenants.revision`` the computation read before it read the regency's data: the rollup is
    up to date while the regency's revision is still this number (see ``rollups.refresh_tenant``)."""


class BenchmarkPoint(Base):
    """One point of a regency's time series: a month, a survey period or an evaluation year."""

    __tablename__ = "benchmark_series"
    __table_args__ = (UniqueConstraint("region_code", "kind", "period"),
                      {"info": platform_table(reason=ROLLUP_REASON, writers=("job", "cli"))})

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(
        String(8), ForeignKey("benchmark_rollups.region_code", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # month | app_month | survey | year
    period: Mapped[str] = mapped_column(String(10))
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
