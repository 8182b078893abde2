"""Region-to-region transfer: study visits, MoUs and innovations (tenant-owned), and their public face.

A regency's own records (who visited, what was agreed, what it built) belong to that regency and
carry tenant_id like everything else it owns. What the public may see across regions lives in
two platform tables the service writes when an innovation is published or replicated:
``public_innovations`` and ``replications``. The public pages read only those, so they never
need to query a tenant-owned table outside a tenant.

A counterpart region is named by its Kemendagri code and name and need not be on this platform
(Situbondo, Pekalongan), so it is stored as text, not as a foreign key.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, platform_table, utcnow


def _enum(kind: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class VisitRole(enum.StrEnum):
    HOST = "host"  # the counterpart came to us
    VISITOR = "visitor"  # we went to the counterpart


class MouStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    ACTIVE = "active"
    ENDED = "ended"


class InnovationStatus(enum.StrEnum):
    PLANNED = "planned"
    PILOT = "pilot"
    RUNNING = "running"
    STOPPED = "stopped"


class InnovationCategory(enum.StrEnum):
    INTEGRATED = "pelayanan-terpadu"
    CIVIL_REGISTRATION = "kependudukan"
    PERMITS = "perizinan"
    COMPLAINTS = "pengaduan"
    VILLAGE = "desa-digital"
    GOVERNANCE = "tata-kelola"
    OTHER = "lainnya"


class LinkKind(enum.StrEnum):
    REPLICATED = "replicated"  # a regency replicated a public innovation on the platform
    STUDY_VISIT = "study_visit"  # documented learning during a study visit (data file)


class StudyVisit(TenantOwned, Base):
    """One study visit, seen from this regency: it either hosted the counterpart or visited it."""

    __tablename__ = "study_visits"

    role: Mapped[VisitRole] = mapped_column(_enum(VisitRole, 10))
    counterpart_code: Mapped[str | None] = mapped_column(String(8))
    counterpart_name: Mapped[str] = mapped_column(String(120))
    visit_date: Mapped[date | None] = mapped_column()
    days: Mapped[int | None] = mapped_column()
    participants: Mapped[int | None] = mapped_column()
    delegation: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[Any]] = mapped_column(default=list)
    outcomes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")


class Mou(TenantOwned, Base):
    """A memorandum of understanding between this regency and one counterpart."""

    __tablename__ = "mous"

    title: Mapped[str] = mapped_column(String(200))
    counterpart_code: Mapped[str | None] = mapped_column(String(8))
    counterpart_name: Mapped[str] = mapped_column(String(120))
    scope: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MouStatus] = mapped_column(_enum(MouStatus, 10), default=MouStatus.DRAFT)
    signed_on: Mapped[date | None] = mapped_column()
    ends_on: Mapped[date | None] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")


class Innovation(TenantOwned, Base):
    """An entry in a regency's innovation registry, possibly replicated from another region."""

    __tablename__ = "innovations"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[InnovationCategory] = mapped_column(_enum(InnovationCategory, 30))
    year_started: Mapped[int | None] = mapped_column()
    status: Mapped[InnovationStatus] = mapped_column(_enum(InnovationStatus, 10), default=InnovationStatus.PLANNED)
    public: Mapped[bool] = mapped_column(default=False)
    replicated_from_code: Mapped[str | None] = mapped_column(String(8))
    replicated_from_name: Mapped[str | None] = mapped_column(String(120))
    replicated_from_title: Mapped[str | None] = mapped_column(String(200))
    replicated_from_key: Mapped[str | None] = mapped_column(String(60))


class PublicInnovation(Base):
    """Platform projection of a published innovation: what anyone may read, nothing more."""

    __tablename__ = "public_innovations"
    __table_args__ = (UniqueConstraint("source_tenant_id", "key"),
                      {"info": platform_table(
                          reason="what a regency chose to publish, read across regencies by anyone (the public "
                                 "registry, replication); mirrored from the regency's own innovations table. "
                                 "On PostgreSQL, row-level security lets only a transaction bound to the "
                                 "source regency write its rows (migration 0017)",
                          writers=("tenant_admin", "cli", "owner"))})

    id: Mapped[int] = mapped_column(primary_key=True)
    source_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    tenant_slug: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(8))
    region_name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[InnovationCategory] = mapped_column(_enum(InnovationCategory, 30))
    year_started: Mapped[int | None] = mapped_column()
    status: Mapped[InnovationStatus] = mapped_column(_enum(InnovationStatus, 10))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Replication(Base):
    """Who learned what from whom: one public edge of the replication map."""

    __tablename__ = "replications"
    __table_args__ = (UniqueConstraint("source_code", "target_code", "innovation_title", "kind"),
                      {"info": platform_table(
                          reason="a public edge between two regions (who learned what from whom), which "
                                 "belongs to both or to a region not on the platform",
                          writers=("tenant_admin", "cli"))})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LinkKind] = mapped_column(_enum(LinkKind, 20))
    source_code: Mapped[str] = mapped_column(String(8), index=True)
    source_name: Mapped[str] = mapped_column(String(120))
    source_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    source_key: Mapped[str | None] = mapped_column(String(60))
    target_code: Mapped[str] = mapped_column(String(8))
    target_name: Mapped[str] = mapped_column(String(120))
    target_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    innovation_title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
