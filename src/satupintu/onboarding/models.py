"""Bringing a new regency on board: invitations, requests to join, and each tenant's wizard state."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, platform_table, utcnow


class Invitation(Base):
    """A single-use, expiring link that makes its holder the first admin of a new regency.

    Only a hash of the token is stored, so a database reader cannot use an unused invitation.
    """

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("token_hash"),
                      {"info": platform_table(reason="an invitation comes before the regency it creates",
                                              writers=("platform_admin", "anyone"))})

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(8), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(254))
    tenant_slug: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class JoinRequest(Base):
    """A regency asking to join; a platform admin approves it (which issues an invitation)."""

    __tablename__ = "join_requests"
    __table_args__ = (
        # one pending request per region; decided ones stay as history
        Index("uq_join_requests_pending_region", "region_code", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        {"info": platform_table(reason="a request to join comes before the regency exists",
                                writers=("anyone", "platform_admin"))},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(8), index=True)
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    position: Mapped[str] = mapped_column(String(120), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=RequestStatus.PENDING)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OnboardingState(TenantOwned, Base):
    """Which wizard steps a regency has completed, and the progress of its catalogue import."""

    __tablename__ = "onboarding_states"
    __extra_table_args__ = (UniqueConstraint("tenant_id"),)

    steps: Mapped[dict[str, Any]] = mapped_column(default=dict)
    import_status: Mapped[str] = mapped_column(String(10), default="idle")
    import_done: Mapped[int] = mapped_column(default=0)
    import_total: Mapped[int] = mapped_column(default=0)
    import_error: Mapped[str] = mapped_column(Text, default="")
    mentor: Mapped[str] = mapped_column(String(40), default="", server_default="")
    """The live regency this one copies from (its slug), chosen at the agencies step."""
    counters_copied: Mapped[int] = mapped_column(default=0, server_default="0")
    counters_skipped: Mapped[int] = mapped_column(default=0, server_default="0")
    """The mentor's counters not copied: at a kind of location this regency does not have."""
    went_live_at: Mapped[datetime | None] = mapped_column()
