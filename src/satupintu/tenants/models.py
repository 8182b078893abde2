"""The platform's tenants table: one row per regency. Platform-owned, so it carries no tenant_id."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, platform_table, utcnow


class TenantStatus(enum.StrEnum):
    ONBOARDING = "onboarding"
    LIVE = "live"
    SUSPENDED = "suspended"


class TimeZone(enum.StrEnum):
    """Indonesia's three zones; the IANA name is what clocks use."""

    WIB = "WIB"
    WITA = "WITA"
    WIT = "WIT"

    @property
    def iana(self) -> str:
        return {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}[self.value]


APP_GRANTS = "SELECT, INSERT, UPDATE (name, region_code, province, timezone, status, catalogue_version, updated_at)"
"""What the app role may do to ``tenants``: no DELETE, and never change a regency's id or slug, nor its
revision directly (only through ``db.REVISION_FUNCTION``). Row-level security adds which rows: INSERT only
with no tenant bound, UPDATE only of the bound regency's row (migration 0017). Which values a name and
region code may take (the official list; fixed after go-live) is ``tenants.identity``'s rule."""


class Tenant(Base):
    __tablename__ = "tenants"
    __table_args__ = {"info": platform_table(
        reason="the registry of regencies itself, read by slug before any tenant is bound; the app role may "
               "add a regency, change only the bound regency's row and never delete one (see rls.py)",
        writers=("cli", "job", "anyone", "tenant_admin", "owner"), app_grants=APP_GRANTS)}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(String(8), unique=True)
    province: Mapped[str] = mapped_column(String(80))
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=TenantStatus.ONBOARDING,
    )
    timezone: Mapped[TimeZone] = mapped_column(
        Enum(TimeZone, native_enum=False, length=4, values_callable=lambda e: [m.value for m in e]),
        default=TimeZone.WIB,
    )
    catalogue_version: Mapped[str | None] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    """Bumped by every transaction that writes this tenant's data; what web processes cache is keyed by it."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TenantPolicy(TenantOwned, Base):
    """Local service policies a regency adopts (one row per tenant)."""

    __tablename__ = "tenant_policies"
    __extra_table_args__ = (UniqueConstraint("tenant_id"),)

    permit_first: Mapped[bool] = mapped_column(default=False)
    document_deadline_days: Mapped[int | None] = mapped_column()
    courier_delivery: Mapped[bool] = mapped_column(default=False)
    courier_note: Mapped[str] = mapped_column(String(300), default="")
    complaint_response_hours: Mapped[int] = mapped_column(default=24)
    """The first-response deadline of a complaint, in working hours (or plain hours around the clock)."""
    complaint_resolution_hours: Mapped[int] = mapped_column(default=40, server_default="40")
    complaint_around_the_clock: Mapped[bool] = mapped_column(default=False, server_default="0")
    """Deadlines count every hour, not only the opening hours of the regency's locations."""
    complaint_regent_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    """Where the regent's office is told of a complaint escalated to it (empty: the regency's admins)."""
    notes: Mapped[str] = mapped_column(Text, default="")
