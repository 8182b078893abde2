"""Applications: submitting one (the NIK checked, personal data sealed, the checklist and the due
date made), the steps staff take (each allowed only from the statuses it follows, each a timeline
event and an audit change), and what the citizen's status page and the staff's work queue read.

Services take an ``AsyncSession`` and know nothing of HTTP; the citizen's form, the JSON API and the
console call the same functions. Refusals are ``forms.Invalid`` (a message per field, before
anything is written) or :class:`Refused` (a step that the application's status does not allow).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import security
from satupintu.applications import nik as niks
from satupintu.applications import sla
from satupintu.applications.models import (AWAY_FROM_THE_COUNTER, Application, ApplicationDocument, ApplicationEvent,
                                           ApplicationStatus, Channel, DocumentStatus, Submitter, tracking_number)
from satupintu.audit.service import Change
from satupintu.catalogue.models import TenantService
from satupintu.db import utcnow
from satupintu.forms import Invalid, has_control
from satupintu.i18n import N_
from satupintu.i18n import gettext as _
from satupintu.queue.booking import EMAIL
from satupintu.security import Principal
from satupintu.tenants.models import Tenant

SEAL_PURPOSE = "application-personal-data"
PHONE = re.compile(r"(?:\+?62|0)\d{8,13}")
MAX_ANSWERS, MAX_ANSWER_KEY, MAX_ANSWER = 60, 60, 2000

S = ApplicationStatus
ALLOWED: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.SUBMITTED: frozenset({S.VERIFIED, S.REJECTED}),
    S.VERIFIED: frozenset({S.IN_PROCESS, S.DONE, S.REJECTED}),
    S.IN_PROCESS: frozenset({S.DONE, S.REJECTED}),
    S.DONE: frozenset({S.READY, S.DELIVERED}),
    S.READY: frozenset({S.DELIVERED}),
}
"""Which status may follow which; delivered and rejected end an application."""
OPEN = (S.SUBMITTED, S.VERIFIED, S.IN_PROCESS, S.DONE, S.READY)


class Refused(Exception):
    """A step the application's status does not allow; the message is in the reader's language."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def clock() -> datetime:
    """Now, in UTC. Tests replace it to drive the day."""
    return utcnow()


def _now(now: datetime | None) -> datetime:
    return (now or clock()).astimezone(UTC)


def local_day(tenant: Tenant, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(tenant.timezone.iana)).date()


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- the applicant -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    nik: niks.Nik
    name: str
    phone: str | None
    email: str | None

    def __repr__(self) -> str:  # never personal data in clear, also not in a traceback
        return f"Applicant({self.nik!r})"


def normalise_phone(value: str) -> str | None:
    """+628123456789 from "0812-3456-789", "62 812 3456 789" or "+62812..."; None when it is not one."""
    digits = re.sub(r"[\s\-().]", "", value)
    if not PHONE.fullmatch(digits):
        return None
    digits = digits.lstrip("+")
    return "+62" + (digits[2:] if digits.startswith("62") else digits[1:])


def check_applicant(nik: str, name: str, phone: str | None, email: str | None, *, contact_required: bool) -> Applicant:
    """The applicant's data checked, or Invalid naming each field that is wrong."""
    errors: dict[str, str] = {}
    values = {"nik": nik or "", "name": name or "", "phone": phone or "", "email": email or ""}
    for field, value in values.items():
        if has_control(value):
            errors[field] = _("This field contains characters that are not allowed.")
    checked = None
    if "nik" not in errors:
        if not values["nik"].strip():
            errors["nik"] = _("This field is required.")
        else:
            try:
                checked = niks.validate(values["nik"])
            except niks.BadNik as exc:
                errors["nik"] = str(exc)
    clean_name = " ".join(values["name"].split())
    if "name" not in errors:
        if not clean_name:
            errors["name"] = _("This field is required.")
        elif len(clean_name) > 120:
            errors["name"] = _("At most %(n)d characters.") % {"n": 120}
    clean_phone = clean_email = None
    if "phone" not in errors and values["phone"].strip():
        clean_phone = normalise_phone(values["phone"])
        if clean_phone is None:
            errors["phone"] = _("Enter a mobile number such as 0812 3456 7890.")
    if "email" not in errors and values["email"].strip():
        clean_email = values["email"].strip()
        if len(clean_email) > 254 or not EMAIL.fullmatch(clean_email):
            errors["email"] = _("Enter an e-mail address such as nama@contoh.id, or leave it empty.")
    no_contact = not (values["phone"].strip() or values["email"].strip())
    if contact_required and no_contact and not errors.keys() & {"phone", "email"}:
        errors["phone"] = _("Give a mobile number or an e-mail address: the tracking number is sent there.")
    if errors:
        raise Invalid(errors)
    return Applicant(checked, clean_name, clean_phone, clean_email)


def check_answers(answers: dict[str, Any] | None) -> dict[str, str]:
    """A form's answers: short keys, texts of bounded length (Invalid otherwise)."""
    answers = answers or {}
    if len(answers) > MAX_ANSWERS:
        raise Invalid({"answers": _("At most %(n)d answers.") % {"n": MAX_ANSWERS}})
    out: dict[str, str] = {}
    for key, value in answers.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if not key or len(key) > MAX_ANSWER_KEY or len(text) > MAX_ANSWER or has_control(key) or has_control(text):
            raise Invalid({"answers": _("An answer is too long or contains characters that are not allowed.")})
        out[key] = text
    return out


def mask_name(name: str) -> str:
    """What staff lists show of a name: the initial of each word (B••• S•••)."""
    return " ".join(f"{word[0]}•••" for word in name.split())[:120]


def nik_digest(secret_key: str, number: str) -> str:
    """A keyed hash of the NIK: finds one person's applications without unsealing any."""
    key = hashlib.sha256(f"satupintu-{SEAL_PURPOSE}-digest:".encode() + secret_key.encode()).digest()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PersonalData:
    nik: str
    name: str
    phone: str | None
    email: str | None
    answers: dict[str, str]


def unseal(application: Application, secret_key: str) -> PersonalData:
    """What the application holds about the applicant, for the staff's detail page and notifications."""

    def open_(value: str | None) -> str | None:
        return security.unseal(secret_key, value, SEAL_PURPOSE) if value else None

    answers = open_(application.answers)
    return PersonalData(open_(application.nik) or "", open_(application.name) or "", open_(application.phone),
                        open_(application.email), json.loads(answers) if answers else {})


# --- submitting ----------------------------------------------------------------------------------


async def offered_service(session: AsyncSession, code: str) -> TenantService | None:
    return await session.scalar(select(TenantService).where(TenantService.code == code[:60],
                                                            TenantService.enabled.is_(True)))


async def submit(session: AsyncSession, tenant: Tenant, service_code: str, nik: str, name: str, *,
                 phone: str | None = None, email: str | None = None, answers: dict[str, Any] | None = None,
                 submitted_by: Submitter = Submitter.CITIZEN, staff_id: int | None = None, consent: bool = False,
                 channel: Channel = Channel.WEB, language: str = "id", secret_key: str,
                 now: datetime | None = None) -> Application:
    """A new application with its checklist, its due date and the first event of its timeline.

    A citizen applying for themselves gives a phone number or an e-mail address (the tracking
    number is sent there); staff submitting on someone's behalf may leave both empty. A midwife or
    a village operator submits only with the applicant's ``consent``, which is recorded (when; who
    is ``submitted_by_staff_id``); other staff record it when they give it."""
    now = _now(now)
    errors: dict[str, str] = {}
    service = await offered_service(session, service_code or "")
    if service is None:
        errors["service"] = _("This regency offers no such service.")
    try:
        applicant = check_applicant(nik, name, phone, email, contact_required=submitted_by == Submitter.CITIZEN)
    except Invalid as exc:
        errors.update(exc.errors)
    try:
        clean_answers = check_answers(answers)
    except Invalid as exc:
        errors.update(exc.errors)
    if submitted_by in AWAY_FROM_THE_COUNTER and not consent:
        errors["consent"] = _("Record that the applicant agreed to this being submitted on their behalf.")
    if errors:
        raise Invalid(errors)

    def seal(value: str | None) -> str | None:
        return security.seal(secret_key, value, SEAL_PURPOSE) if value else None

    application = Application(
        tracking_number=tracking_number(), service_id=service.id, agency_id=service.agency_id,
        status=ApplicationStatus.SUBMITTED, nik=seal(applicant.nik.number),
        nik_digest=nik_digest(secret_key, applicant.nik.number), nik_masked=niks.mask(applicant.nik.number),
        name=seal(applicant.name), name_masked=mask_name(applicant.name), phone=seal(applicant.phone),
        email=seal(applicant.email),
        answers=seal(json.dumps(clean_answers, ensure_ascii=False)) if clean_answers else None,
        language="en" if language == "en" else "id", submitted_by=submitted_by, submitted_by_staff_id=staff_id,
        consent_at=now if consent and submitted_by != Submitter.CITIZEN else None, channel=channel,
        submitted_at=now, due_date=await sla.due_date(session, service, local_day(tenant, now)))
    while await session.scalar(select(Application.id).where(
            Application.tracking_number == application.tracking_number)) is not None:
        application.tracking_number = tracking_number()
    session.add(application)
    await session.flush()
    english = list(service.requirements_en or [])
    for position, requirement in enumerate(service.requirements or []):
        session.add(ApplicationDocument(application_id=application.id, position=position, name_id=str(requirement),
                                        name_en=str(english[position]) if position < len(english) else ""))
    session.add(ApplicationEvent(application_id=application.id, status=ApplicationStatus.SUBMITTED,
                                 actor=submitted_by, staff_id=staff_id, at=now))
    await session.flush()
    from satupintu.applications import permits, villages  # they build on this module

    await villages.stamp(session, application)
    await permits.issue_first(session, tenant, application, service, now)
    return application


# --- reading -------------------------------------------------------------------------------------


async def by_tracking_number(session: AsyncSession, number: str) -> Application | None:
    wanted = re.sub(r"[^A-Za-z0-9]", "", number or "").upper()[:20]
    if len(wanted) != len(tracking_number()):
        return None
    return await session.scalar(select(Application).where(Application.tracking_number == wanted))


async def timeline(session: AsyncSession, application: Application) -> list[ApplicationEvent]:
    return list((await session.scalars(select(ApplicationEvent).where(
        ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.at, ApplicationEvent.id))).all())


async def documents(session: AsyncSession, application: Application) -> list[ApplicationDocument]:
    return list((await session.scalars(select(ApplicationDocument).where(
        ApplicationDocument.application_id == application.id).order_by(ApplicationDocument.position))).all())


@dataclass(frozen=True)
class Status:
    """What the citizen's status page and the API show: nothing personal."""

    application: Application
    service: TenantService
    events: list[ApplicationEvent]
    documents: list[ApplicationDocument]
    overdue: bool
    working_days_left: int | None


async def status(session: AsyncSession, tenant: Tenant, application: Application, *,
                 now: datetime | None = None) -> Status:
    service = await session.get(TenantService, application.service_id)
    today = local_day(tenant, _now(now))
    finished = application.done_at is not None or application.status in (S.DONE, S.READY, S.DELIVERED, S.REJECTED,
                                                                          S.REVOKED)
    overdue = not finished and today > application.due_date
    return Status(application, service, await timeline(session, application), await documents(session, application),
                  overdue, None if finished else max(0, (application.due_date - today).days))


@dataclass(frozen=True)
class Row:
    application: Application
    service: TenantService


async def work_queue(session: AsyncSession, agency_id: int | None, *, status_filter: str = "open",
                     limit: int = 200) -> list[Row]:
    """The applications a staff member works: their agency's (every agency's for an admin without
    one), open ones by due date, or those of one status."""
    statement = select(Application, TenantService).join(TenantService, TenantService.id == Application.service_id)
    if agency_id is not None:
        statement = statement.where(Application.agency_id == agency_id)
    if status_filter == "open":
        statement = statement.where(Application.status.in_(OPEN))
    elif status_filter in ApplicationStatus.__members__.values():
        statement = statement.where(Application.status == ApplicationStatus(status_filter))
    statement = statement.order_by(Application.due_date, Application.submitted_at, Application.id).limit(limit)
    return [Row(a, s) for a, s in (await session.execute(statement)).all()]


async def submitted_by(session: AsyncSession, staff_id: int, *, limit: int = 200) -> list[Row]:
    """The applications one staff member (a midwife, a village operator) submitted, newest first."""
    rows = (await session.execute(
        select(Application, TenantService).join(TenantService, TenantService.id == Application.service_id)
        .where(Application.submitted_by_staff_id == staff_id)
        .order_by(Application.submitted_at.desc(), Application.id.desc()).limit(limit))).all()
    return [Row(a, s) for a, s in rows]


async def counts(session: AsyncSession, agency_id: int | None) -> dict[str, int]:
    statement = select(Application.status, func.count()).group_by(Application.status)
    if agency_id is not None:
        statement = statement.where(Application.agency_id == agency_id)
    return {status.value: count for status, count in (await session.execute(statement)).all()}


async def for_staff(session: AsyncSession, principal: Principal, number: str) -> Application | None:
    """The application, when it is in this staff member's queue."""
    found = await by_tracking_number(session, number)
    if found is None or (principal.agency_id is not None and found.agency_id != principal.agency_id):
        return None
    return found


# --- steps ---------------------------------------------------------------------------------------

STATUS_FIELDS = ("status", "rejection_reason")


async def advance(session: AsyncSession, application: Application, to: ApplicationStatus, staff: Principal, *,
                  reason: str = "", now: datetime | None = None) -> Change:
    """One step of the application: allowed only from the statuses it follows (``ALLOWED``); a
    rejection needs its reason. Adds the timeline event and returns the change for the audit log."""
    now = _now(now)
    if to not in ALLOWED.get(application.status, frozenset()):
        raise Refused(_("This step is not possible now: the application is %(status)s.")
                      % {"status": status_name(application.status)})
    reason = " ".join((reason or "").split())
    if to == S.REJECTED:
        if not reason:
            raise Invalid({"reason": _("Give the reason for the rejection: the applicant reads it.")})
        if len(reason) > 1000 or has_control(reason):
            raise Invalid({"reason": _("At most %(n)d characters.") % {"n": 1000}})
    before = {"status": application.status.value}
    application.status = to
    if to == S.DONE:
        application.done_at = now
    if to in (S.DELIVERED, S.REJECTED):
        application.closed_at = now
    if to == S.REJECTED:
        application.rejection_reason = reason
    if to == S.VERIFIED:
        for document in await documents(session, application):
            document.status, document.verified_at, document.verified_by = DocumentStatus.VERIFIED, now, staff.id
    session.add(ApplicationEvent(application_id=application.id, status=to, note=reason if to == S.REJECTED else None,
                                 actor=Submitter.STAFF, staff_id=staff.id, at=now))
    await session.flush()
    after = {"status": to.value, **({"rejection_reason": reason} if to == S.REJECTED else {})}
    return Change("update", "application", application.tracking_number, before, after)


def status_name(status: ApplicationStatus) -> str:
    return _(STATUS_NAMES[status])


STATUS_NAMES = {
    S.SUBMITTED: N_("submitted"), S.VERIFIED: N_("verified"), S.IN_PROCESS: N_("in process"), S.DONE: N_("done"),
    S.READY: N_("ready for pick-up"), S.DELIVERED: N_("delivered"), S.REJECTED: N_("rejected"),
    S.REVOKED: N_("permit revoked"),
}

EVENT_LABELS = {
    S.SUBMITTED: N_("Submitted"), S.VERIFIED: N_("Verified"), S.IN_PROCESS: N_("In process"), S.DONE: N_("Done"),
    S.READY: N_("Ready for pick-up"), S.DELIVERED: N_("Delivered"), S.REJECTED: N_("Rejected"),
    S.REVOKED: N_("Permit revoked"),
}
"""The timeline's steps as the status page and the console name them (translated when shown)."""
DOCUMENT_LABELS = {DocumentStatus.TO_BRING: N_("To bring"), DocumentStatus.UPLOADED: N_("Uploaded"),
                   DocumentStatus.VERIFIED: N_("Verified")}
