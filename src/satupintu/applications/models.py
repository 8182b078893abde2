"""Applications for a service: who applied (sealed), where it stands, its timeline and its documents.

Every table is tenant-owned (row-level security applies). An application is known publicly by its
tracking number only: ten characters drawn at random from an alphabet without look-alike characters
(about 8 * 10^14 numbers per regency), never derived from the NIK or counted up, so nobody finds
another person's application by guessing. The applicant's NIK, name, phone and e-mail are sealed
with the app's key; staff lists show the masked forms kept beside them (``nik_masked``,
``name_masked``); ``nik_digest`` (a keyed hash) finds one person's applications without unsealing.

Columns other parts of the front office fill in are here already and nullable: ``village_code``
(the village service point an application came from), ``bundle_key`` (a life-event bundle that
fanned out into it), and a document's ``upload_key`` (the stored file).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import READABLE_ALPHABET, Base, TenantOwned, readable_code, str_enum, tenant_fk, utcnow

TRACKING_ALPHABET = READABLE_ALPHABET
"""No 0/O, 1/I/L: a number read out over the phone or copied from a slip is typed right."""
TRACKING_LENGTH = 10


def tracking_number() -> str:
    return readable_code(TRACKING_LENGTH)


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"  # the documents were checked
    IN_PROCESS = "in_process"
    DONE = "done"  # the product (certificate, permit, card) is made
    READY = "ready"  # ready for pick-up
    DELIVERED = "delivered"  # handed over (picked up or delivered)
    REJECTED = "rejected"  # with a reason
    REVOKED = "revoked"  # a permit issued first whose documents did not follow in time (applications.permits)


class Submitter(enum.StrEnum):
    """Who entered the application: the citizen, or someone on their behalf."""

    CITIZEN = "citizen"
    STAFF = "staff"
    MIDWIFE = "midwife"
    VILLAGE_OPERATOR = "village_operator"


AWAY_FROM_THE_COUNTER = (Submitter.MIDWIFE, Submitter.VILLAGE_OPERATOR)
"""Submitters who enter a family's application outside the mall: each needs the family's consent."""


class Channel(enum.StrEnum):
    WEB = "web"  # the citizen's web form
    API = "api"  # kiosks, counter PCs, the midwives' and village operators' apps
    COUNTER = "counter"  # staff at the counter, in the console


class DocumentStatus(enum.StrEnum):
    TO_BRING = "to_bring"
    UPLOADED = "uploaded"
    VERIFIED = "verified"


class Application(TenantOwned, Base):
    __tablename__ = "applications"
    __table_info__ = {"bumps_revision": False}  # no cached public page shows an application
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "tracking_number"),
        tenant_fk(["service_id"], "tenant_services"),
        tenant_fk(["agency_id"], "agencies", ondelete="SET NULL"),
        tenant_fk(["submitted_by_staff_id"], "staff_accounts", ondelete="SET NULL"),
        Index("ix_applications_queue", "tenant_id", "agency_id", "status", "submitted_at"),
        Index("ix_applications_erase_after", "tenant_id", "erase_after"),
    )

    tracking_number: Mapped[str] = mapped_column(String(TRACKING_LENGTH), default=tracking_number)
    service_id: Mapped[int] = mapped_column(index=True)
    agency_id: Mapped[int | None] = mapped_column()  # responsible agency (the service's, when submitted)
    status: Mapped[ApplicationStatus] = mapped_column(str_enum(ApplicationStatus, 20), default=ApplicationStatus.SUBMITTED)
    nik: Mapped[str | None] = mapped_column(Text)  # sealed
    nik_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    nik_masked: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str | None] = mapped_column(Text)  # sealed
    name_masked: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(Text)  # sealed
    email: Mapped[str | None] = mapped_column(Text)  # sealed
    answers: Mapped[str | None] = mapped_column(Text)  # sealed JSON: a form's answers may be personal too
    language: Mapped[str] = mapped_column(String(2), default="id")
    submitted_by: Mapped[Submitter] = mapped_column(str_enum(Submitter, 20), default=Submitter.CITIZEN)
    submitted_by_staff_id: Mapped[int | None] = mapped_column()
    consent_at: Mapped[datetime | None] = mapped_column()  # the applicant's consent, when someone submitted for them
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10), default=Channel.WEB)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_date: Mapped[date] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()  # delivered or rejected
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    village_code: Mapped[str | None] = mapped_column(String(13))
    bundle_key: Mapped[str | None] = mapped_column(String(40))
    erase_after: Mapped[datetime | None] = mapped_column()  # closed + the service's retention (applications.retention)
    erased_at: Mapped[datetime | None] = mapped_column()  # personal data and documents erased


class ApplicationEvent(TenantOwned, Base):
    """One step of an application's timeline. ``notified_at`` is claimed by the one job (or sweep)
    that sends its notification, so each event is told to the citizen at most once."""

    __tablename__ = "application_events"
    __table_info__ = {"bumps_revision": False}
    __extra_table_args__ = (
        tenant_fk(["application_id"], "applications", ondelete="CASCADE"),
        tenant_fk(["staff_id"], "staff_accounts", ondelete="SET NULL"),
        Index("ix_application_events_unsent", "tenant_id", "notified_at", "at"),
    )

    application_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[ApplicationStatus] = mapped_column(str_enum(ApplicationStatus, 20))
    note: Mapped[str | None] = mapped_column(Text)  # a rejection's reason
    actor: Mapped[Submitter] = mapped_column(str_enum(Submitter, 20))
    staff_id: Mapped[int | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column()


class ApplicationDocument(TenantOwned, Base):
    """One requirement of the service, as a checklist item of the application."""

    __tablename__ = "application_documents"
    __table_info__ = {"bumps_revision": False}
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "application_id", "position"),
        tenant_fk(["application_id"], "applications", ondelete="CASCADE"),
        tenant_fk(["verified_by"], "staff_accounts", ondelete="SET NULL"),
    )

    application_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column()
    name_id: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DocumentStatus] = mapped_column(str_enum(DocumentStatus, 10), default=DocumentStatus.TO_BRING)
    upload_key: Mapped[str | None] = mapped_column(String(300))
    verified_at: Mapped[datetime | None] = mapped_column()
    verified_by: Mapped[int | None] = mapped_column()
