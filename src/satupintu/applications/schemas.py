"""Shapes of the applications' JSON API (they appear in the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from msgspec import Meta, Struct


class ApplicantIn(Struct, forbid_unknown_fields=True):
    nik: Annotated[str, Meta(max_length=40, description="16 digits; checked (region, birth date), never shown again")]
    name: Annotated[str, Meta(max_length=200)]
    phone: Annotated[str, Meta(max_length=40, description="receives the tracking number and each status change")] | None = None
    email: Annotated[str, Meta(max_length=254, description="receives the tracking number and each status change")] | None = None


class ApplicationIn(Struct, forbid_unknown_fields=True):
    service: Annotated[str, Meta(min_length=1, max_length=60, description="the service's code")]
    applicant: ApplicantIn
    answers: Annotated[dict[str, Any], Meta(description="the service form's answers, kept sealed")] | None = None
    consent: Annotated[bool, Meta(description="the applicant agreed to someone submitting on their behalf "
                                              "(required from midwives and village operators; recorded)")] = False


class ApplicationCreated(Struct):
    tracking_number: Annotated[str, Meta(description="random, ten characters without look-alikes; no NIK in it")]
    status: Annotated[str, Meta(description="submitted, verified, in_process, done, ready, delivered or rejected")]
    due_date: Annotated[date, Meta(description="the service's completion time in the regency's working days")]
    status_url: str


class SubmittedOut(Struct):
    """One application the signed-in staff member submitted (their list, for the midwives' app)."""

    tracking_number: str
    service: str
    service_name: str
    status: str
    submitted_at: Annotated[datetime, Meta(description="local time of the regency")]
    due_date: date
    applicant: Annotated[str, Meta(description="the applicant's name masked (initials only)")]
    bundle: Annotated[str | None, Meta(description="the life-event bundle it belongs to")]
    status_url: str


class EventOut(Struct):
    status: str
    at: Annotated[datetime, Meta(description="local time of the regency")]
    note: Annotated[str | None, Meta(description="a rejection's reason")] = None


class DocumentOut(Struct):
    name: str
    status: Annotated[str, Meta(description="to_bring, uploaded or verified")]


class ApplicationOut(Struct):
    tracking_number: str
    service: str
    service_name: str
    status: str
    submitted_at: datetime
    due_date: date
    overdue: Annotated[bool, Meta(description="past the due date and not done yet")]
    status_url: str
    timeline: list[EventOut]
    documents: list[DocumentOut]


class ApplicationErrorOut(Struct):
    status_code: int
    detail: Annotated[str, Meta(description="in the request's language")]
    errors: Annotated[dict[str, str], Meta(description="a message per field, e.g. applicant.nik")] = {}
