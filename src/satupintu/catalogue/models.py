"""A tenant's copy of the shared catalogue: one row per service it imported.

``base`` keeps the shared catalogue's text of the service as it was when imported, and
``overrides`` the fields this regency changed; the other columns hold the effective service.
Keeping all three is what makes a three-way merge possible when the shared catalogue moves on.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, tenant_fk


PERMIT_CATEGORIES = frozenset({"perizinan-usaha", "perizinan-kesehatan", "bangunan-tata-ruang", "lingkungan-hidup"})
"""The catalogue's categories whose services are permits (the ones that may be issued first)."""


SWITCHES = ("permit_first", "delivery")
"""A regency's per-service switches: its own rules, not catalogue text (kept out of ``overrides``)."""


class UpstreamStatus(enum.StrEnum):
    CURRENT = "current"
    OFFERED = "offered"
    REMOVED = "removed"
    LOCAL = "local"


class TenantService(TenantOwned, Base):
    __tablename__ = "tenant_services"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk(["agency_id"], "agencies"),
        tenant_fk(["counter_id"], "counters"),
    )

    code: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(40), index=True)
    provider_kind: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str] = mapped_column(String(60))
    name_id: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    summary_id: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[list[Any]] = mapped_column(default=list)
    steps: Mapped[list[Any]] = mapped_column(default=list)
    completion_value: Mapped[int] = mapped_column()
    completion_unit: Mapped[str] = mapped_column(String(10))
    cost: Mapped[int] = mapped_column(default=0)
    cost_note: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str] = mapped_column(String(200), default="")
    legal_basis: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    complaint_channel: Mapped[str] = mapped_column(Text, default="")
    requirements_en: Mapped[list[Any]] = mapped_column(default=list)
    steps_en: Mapped[list[Any]] = mapped_column(default=list)
    cost_note_en: Mapped[str] = mapped_column(Text, default="")
    product_en: Mapped[str] = mapped_column(String(200), default="")
    complaint_channel_en: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    upstream: Mapped[UpstreamStatus] = mapped_column(
        Enum(UpstreamStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=UpstreamStatus.CURRENT,
    )
    catalogue_version: Mapped[str] = mapped_column(String(20))
    base: Mapped[dict[str, Any]] = mapped_column(default=dict)
    overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    agency_id: Mapped[int | None] = mapped_column(index=True)
    counter_id: Mapped[int | None] = mapped_column(index=True)
    retention_days: Mapped[int] = mapped_column(default=365, server_default="365")
    """How long an application's personal data and documents are kept after it ends (applications.retention)."""
    permit_first: Mapped[bool] = mapped_column(default=False, server_default="0")
    """The permit is issued at submission, its documents due in the regency's days (applications.permits)."""
    delivery: Mapped[bool] = mapped_column(default=False, server_default="0")
    """Courier delivery of the finished document is offered (applications.delivery)."""


def default_switches(category: str, *, permit_first: bool, courier_delivery: bool) -> dict[str, bool]:
    """A newly imported service's switches under the regency's policies: permits are issued first where the
    regency issues permits first, and every service is delivered where the regency delivers."""
    return {"permit_first": permit_first and category in PERMIT_CATEGORIES, "delivery": courier_delivery}
