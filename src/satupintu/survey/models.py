"""One answered survey per transaction: the nine elements scored 1 to 4, and nothing about the person.

A response records the service, agency and location of the transaction and the regency's local
month it was served in, so that IKM can be computed per service, agency, location and period. The
transaction itself is kept only as a keyed digest (``transaction_digest``: HMAC-SHA256 with the
app's key of the regency, the kind and the reference), unique per regency and kind: a transaction is
rated once, and a response cannot be joined back to its ticket or application (and through an
application to a named applicant) by anyone who reads the database without the app's key.

A response goes with its agency, service or location if one is ever deleted, as that agency's queue
tickets do, so a period's responses and its transactions (the sample size) stay counted alike.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, tenant_fk

SCORE_COLUMNS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")


class SurveyResponse(TenantOwned, Base):
    """One respondent's scores for one transaction (a served ticket; an application later)."""

    __tablename__ = "survey_responses"
    __table_info__ = {"bumps_revision": False}  # no cached public page shows it; the nightly rollup counts it
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "transaction_kind", "transaction_digest"),
        tenant_fk(["service_id"], "tenant_services", ondelete="CASCADE"),
        tenant_fk(["agency_id"], "agencies", ondelete="CASCADE"),
        tenant_fk(["location_id"], "locations", ondelete="CASCADE"),
        Index("ix_survey_responses_month", "tenant_id", "month"),
        *(CheckConstraint(f"{name} BETWEEN 1 AND 4", name=f"{name}_score") for name in SCORE_COLUMNS),
    )

    transaction_kind: Mapped[str] = mapped_column(String(12))  # "ticket" (an application later)
    transaction_digest: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[int | None] = mapped_column()
    agency_id: Mapped[int | None] = mapped_column()
    location_id: Mapped[int | None] = mapped_column()
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM: the regency's local month of the transaction
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)  # shown to the regency's admins only, never published
    language: Mapped[str] = mapped_column(String(2), default="id")
