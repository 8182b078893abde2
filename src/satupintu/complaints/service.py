"""Complaints: intake from every channel, responses, escalation, statistics.

:func:`create_complaint` is the one way a complaint comes in (the citizen's form, the console for
phone, WhatsApp, the box and SP4N-LAPOR!, and the Open311 API). It refuses bad input with
:class:`forms.Invalid` (a message per field) before it writes anything.

Each complaint's deadlines are columns: ``response_due_at`` (the regency's promise, 4 working hours
by default), ``resolve_due_at``, and ``escalate_at``, the next time the escalation chain (officer ->
head of agency -> MPP manager -> regent's office) moves up if nobody acts. :func:`sweep` enforces
them from the database: each escalation is claimed by a conditional UPDATE of the complaint's level
in a transaction of its own, together with its event and its breach, so a sweep that dies half-way
loses nothing and two sweeps at once escalate once. The sweep also deletes the photos of closed
complaints from storage (after the closing committed; a failed deletion is tried again next run).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu import notify, security
from satupintu import storage as storage_module
from satupintu.accounts.models import StaffAccount
from satupintu.agencies.models import Agency, Counter
from satupintu.audit.service import Change
from satupintu.catalogue.models import TenantService
from satupintu.complaints.clock import Calendar, calendar_for
from satupintu.complaints.models import (OPEN_STATUSES, BreachKind, Channel, Complaint, ComplaintBreach,
                                         ComplaintCategory, ComplaintEvent, EventKind, Level, Status,
                                         tracking_number, TRACKING_ALPHABET, TRACKING_LENGTH)
from satupintu.db import session_tenant, tenant_session
from satupintu.forms import Invalid, has_control
from satupintu.i18n import gettext as _
from satupintu.logs import get_logger
from satupintu.queue.booking import EMAIL
from satupintu.queue.models import CounterGroup, Ticket
from satupintu.queue.service import as_utc, insert_ignore, now_or_clock
from satupintu.storage import Storage
from satupintu.storage.uploads import PHOTOS, UploadRefused, check as check_upload
from satupintu.tenants.models import Tenant, TenantPolicy

log = get_logger("satupintu.complaints")
SEAL_PURPOSE = "complaint-contact"
DEFAULT_RESPONSE_HOURS = 4
DEFAULT_RESOLUTION_HOURS = 40
CLOSE_RESOLVED_AFTER = timedelta(days=14)
"""A resolved complaint is closed (and its contact erased) this long after it was resolved."""
PHONE = re.compile(r"\+?[0-9][0-9 ()-]{6,22}")
SWEEP_BATCH = 500

DEFAULT_CATEGORIES = (
    ("kualitas-layanan", "Kualitas layanan", "Service quality",
     "Layanan tidak sesuai standar, informasi salah atau persyaratan berubah-ubah.",
     "The service did not meet its standard, wrong information or changing requirements."),
    ("sikap-petugas", "Sikap petugas", "Staff conduct",
     "Petugas tidak ramah, tidak hadir, atau tidak membantu.", "Staff were unfriendly, absent or unhelpful."),
    ("biaya-pungli", "Biaya dan pungutan liar (pungli)", "Fees and illegal levies (pungli)",
     "Diminta membayar di luar tarif resmi atau tanpa tanda terima.",
     "Asked to pay beyond the official fee or without a receipt."),
    ("sarana", "Sarana dan prasarana", "Facilities",
     "Ruang tunggu, toilet, akses difabel, parkir, kios atau layar antrean.",
     "Waiting room, toilets, disability access, parking, kiosks or queue screens."),
    ("waktu-tunggu", "Waktu tunggu dan penyelesaian", "Waiting and completion time",
     "Antrean terlalu lama atau dokumen tidak selesai tepat waktu.",
     "The line was too long or the document was not ready on time."),
    ("lainnya", "Lainnya", "Other", "Pengaduan lain tentang pelayanan publik.",
     "Any other complaint about public services."),
)


# --- categories ------------------------------------------------------------------------------------


async def seed_categories(session: AsyncSession) -> None:
    """Give the bound regency the default categories it does not have yet (by code; idempotent)."""
    now = now_or_clock(None)
    rows = [{"tenant_id": session_tenant(session), "code": code, "name_id": name_id, "name_en": name_en,
             "description_id": desc_id, "description_en": desc_en, "position": n, "active": True,
             "created_at": now, "updated_at": now}
            for n, (code, name_id, name_en, desc_id, desc_en) in enumerate(DEFAULT_CATEGORIES)]
    await session.execute(insert_ignore(session, ComplaintCategory, rows))


async def categories(session: AsyncSession, *, active_only: bool = True) -> list[ComplaintCategory]:
    query = select(ComplaintCategory).order_by(ComplaintCategory.position, ComplaintCategory.code)
    if active_only:
        query = query.where(ComplaintCategory.active.is_(True))
    return list((await session.scalars(query)).all())


async def get_category(session: AsyncSession, code: str) -> ComplaintCategory | None:
    """An active category by its code (the Open311 ``service_code``)."""
    return await session.scalar(select(ComplaintCategory).where(
        ComplaintCategory.code == (code or "")[:40], ComplaintCategory.active.is_(True)))


def category_name(category: ComplaintCategory, language: str) -> str:
    return category.name_en if language == "en" and category.name_en else category.name_id


# --- intake ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """How to reach the person who complained; every part optional. Sealed when stored."""

    name: str = ""
    email: str = ""
    phone: str = ""

    def __repr__(self) -> str:  # never in clear, also not in a traceback
        return "Contact(...)"

    @property
    def empty(self) -> bool:
        return not (self.name or self.email or self.phone)


@dataclass(frozen=True)
class Subject:
    """What a complaint is about (all optional): a service by code, an agency by key, a counter by code,
    or a visit by its ticket's public id."""

    service_code: str = ""
    agency_key: str = ""
    counter_code: str = ""
    ticket_public_id: str = ""


async def rules(session: AsyncSession) -> TenantPolicy:
    """The regency's complaint deadlines (the policy row; the defaults until it has one)."""
    policy = await session.scalar(select(TenantPolicy))
    return policy or TenantPolicy(complaint_response_hours=DEFAULT_RESPONSE_HOURS,
                                  complaint_resolution_hours=DEFAULT_RESOLUTION_HOURS,
                                  complaint_around_the_clock=False)


async def calendar_of(session: AsyncSession, tenant: Tenant, complaint: Complaint, policy: TenantPolicy,
                      since: datetime) -> Calendar:
    return await calendar_for(session, tenant, complaint.location_id, bool(policy.complaint_around_the_clock), since)


def _check_contact(contact: Contact, errors: dict[str, str]) -> Contact:
    name, email, phone = contact.name.strip(), contact.email.strip(), contact.phone.strip()
    for key, value, limit in (("name", name, 120), ("email", email, 254), ("phone", phone, 30)):
        if has_control(value):
            errors[key] = _("This field contains characters that are not allowed.")
        elif len(value) > limit:
            errors[key] = _("At most %(n)d characters.") % {"n": limit}
    if email and "email" not in errors and not EMAIL.fullmatch(email):
        errors["email"] = _("Enter an e-mail address such as nama@contoh.id, or leave it empty.")
    if phone and "phone" not in errors and not PHONE.fullmatch(phone):
        errors["phone"] = _("Enter a telephone number such as 0812 3456 7890, or leave it empty.")
    return Contact(name, email, phone)


async def _subject(session: AsyncSession, subject: Subject, errors: dict[str, str]) -> dict[str, int | None]:
    """The ids a complaint points to, and the responsible agency and the location whose hours count."""
    found: dict[str, int | None] = {"service_id": None, "agency_id": None, "counter_id": None, "ticket_id": None,
                                    "location_id": None}
    agencies: list[int | None] = []
    if subject.agency_key:
        agency = await session.scalar(select(Agency).where(Agency.key == subject.agency_key[:60]))
        if agency is None:
            errors["agency"] = _("Choose one of the options.")
        else:
            agencies.append(agency.id)
    if subject.service_code:
        service = await session.scalar(select(TenantService).where(
            TenantService.code == subject.service_code[:80], TenantService.enabled.is_(True)))
        if service is None:
            errors["service"] = _("Choose one of the options.")
        else:
            found["service_id"] = service.id
            agencies.append(service.agency_id)
    if subject.counter_code:
        counter = await session.scalar(select(Counter).where(Counter.code == subject.counter_code[:20]))
        if counter is None:
            errors["counter"] = _("Choose one of the options.")
        else:
            found["counter_id"], found["location_id"] = counter.id, counter.location_id
            agencies.append(counter.agency_id)
    if subject.ticket_public_id:
        ticket = await session.scalar(select(Ticket).where(Ticket.public_id == subject.ticket_public_id[:32]))
        if ticket is None:
            errors["ticket"] = _("There is no such ticket.")
        else:
            group = await session.get(CounterGroup, ticket.group_id)
            found["ticket_id"] = ticket.id
            found["location_id"] = found["location_id"] or group.location_id
            found["service_id"] = found["service_id"] or ticket.service_id
            agencies.append(group.agency_id)
    found["agency_id"] = next((a for a in agencies if a is not None), None)
    return found


async def create_complaint(session: AsyncSession, tenant: Tenant, *, category_code: str, description: str,
                           channel: Channel | str, secret_key: str, contact: Contact | None = None,
                           subject: Subject | None = None, latitude: float | str | None = None,
                           longitude: float | str | None = None, address: str = "", external_ref: str = "",
                           media_url: str = "", language: str = "id", recorded_by: int | None = None,
                           photo: bytes | None = None, storage: Storage | None = None, photo_limit: int = 0,
                           now: datetime | None = None) -> Complaint:
    """Take in a complaint from any channel and start its clock; ``forms.Invalid`` (a message per
    field: category, description, name, email, phone, latitude, longitude, address, external_ref,
    media_url, photo, service, agency, counter, ticket) when anything is wrong, before anything is
    written or stored. Latitude and longitude may be given as text, as forms and APIs send them
    ("-8,2192" too). A ``photo`` (a JPEG or PNG of at most ``photo_limit`` bytes, checked by its
    content) is kept in ``storage`` once everything else is valid; only its key is on the complaint."""
    now = now_or_clock(now)
    errors: dict[str, str] = {}
    latitude, longitude = _degrees(latitude, "latitude", errors), _degrees(longitude, "longitude", errors)
    try:
        channel = Channel(channel)
    except ValueError:
        errors["channel"] = _("Choose one of the options.")
        channel = Channel.WEB
    category = await get_category(session, category_code)
    if category is None:
        errors["category"] = _("Choose one of the options.")
    description = (description or "").strip()
    if has_control(description):
        errors["description"] = _("This field contains characters that are not allowed.")
    elif len(description) < 10:
        errors["description"] = _("Describe what happened in at least 10 characters.")
    elif len(description) > 4000:
        errors["description"] = _("At most %(n)d characters.") % {"n": 4000}
    for key, value, limit in (("address", address, 300), ("external_ref", external_ref, 100),
                              ("media_url", media_url, 500)):
        value = (value or "").strip()
        if has_control(value):
            errors[key] = _("This field contains characters that are not allowed.")
        elif len(value) > limit:
            errors[key] = _("At most %(n)d characters.") % {"n": limit}
    if media_url and not media_url.strip().startswith(("https://", "http://")):
        errors["media_url"] = _("Enter an address that starts with https://.")
    if (latitude is None) != (longitude is None) and not {"latitude", "longitude"} & set(errors):
        errors["latitude" if latitude is None else "longitude"] = _("Give both latitude and longitude, or neither.")
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = _("Enter a latitude from -90 to 90.")
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = _("Enter a longitude from -180 to 180.")
    if channel == Channel.LAPOR and not (external_ref or "").strip():
        errors["external_ref"] = _("Enter the SP4N-LAPOR! reference number.")
    if photo is not None:
        try:
            check_upload(photo, photo_limit, PHOTOS)
        except UploadRefused as exc:
            errors["photo"] = str(exc)
    contact = _check_contact(contact or Contact(), errors)
    found = await _subject(session, subject or Subject(), errors)
    if errors:
        raise Invalid(errors)

    policy = await rules(session)
    complaint = Complaint(
        tracking=tracking_number(), category_id=category.id, description=description, latitude=latitude,
        longitude=longitude, address=(address or "").strip(), media_url=(media_url or "").strip() or None,
        channel=channel, external_ref=(external_ref or "").strip() or None, language="en" if language == "en" else "id",
        anonymous=contact.empty, received_at=now, recorded_by=recorded_by, **found)
    complaint.contact_name = security.seal(secret_key, contact.name, SEAL_PURPOSE) if contact.name else None
    complaint.contact_email = security.seal(secret_key, contact.email, SEAL_PURPOSE) if contact.email else None
    complaint.contact_phone = security.seal(secret_key, contact.phone, SEAL_PURPOSE) if contact.phone else None
    calendar = await calendar_of(session, tenant, complaint, policy, now)
    complaint.response_due_at = calendar.add(now, policy.complaint_response_hours * 60)
    complaint.resolve_due_at = max(calendar.add(now, policy.complaint_resolution_hours * 60),
                                   complaint.response_due_at)
    complaint.escalate_at = complaint.response_due_at
    if photo is not None:
        complaint.photo_key, _kind = await storage_module.keep(storage, tenant.id, photo, photo_limit, PHOTOS)
    while await session.scalar(select(Complaint.id).where(Complaint.tracking == complaint.tracking)) is not None:
        complaint.tracking = tracking_number()
    session.add(complaint)
    await session.flush()
    session.add(ComplaintEvent(complaint_id=complaint.id, kind=EventKind.RECEIVED, level=Level.OFFICER,
                               staff_id=recorded_by, at=now))
    await session.flush()
    return complaint


def _degrees(value: float | str | None, name: str, errors: dict[str, str]) -> float | None:
    if value is None or isinstance(value, float | int):
        return None if value is None else float(value)
    text = value.strip().replace(",", ".")
    if not text:
        return None
    try:
        number = float(text) if len(text) <= 20 else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        errors[name] = _("Enter a number such as -8.2192, or leave it empty.")
        return None
    return number


def normalise_tracking(entered: str) -> str:
    """What a citizen typed (with dashes, spaces, lower case) as a stored tracking number."""
    cleaned = re.sub(r"[^A-Za-z0-9]", "", entered or "").upper()
    return cleaned[:TRACKING_LENGTH] if all(c in TRACKING_ALPHABET for c in cleaned) else ""


def format_tracking(tracking: str) -> str:
    """Shown and read in three groups of four: K7QM-3XTA-9PRW."""
    return "-".join(tracking[i:i + 4] for i in range(0, len(tracking), 4))


async def get_by_tracking(session: AsyncSession, entered: str) -> Complaint | None:
    tracking = normalise_tracking(entered)
    if len(tracking) != TRACKING_LENGTH:
        return None
    return await session.scalar(select(Complaint).where(Complaint.tracking == tracking))


async def events(session: AsyncSession, complaint: Complaint) -> list[ComplaintEvent]:
    return list((await session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                                       .order_by(ComplaintEvent.at, ComplaintEvent.id))).all())


# --- staff: the list, the contact, responding ------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the staff list: nothing personal beyond masked contact details."""

    complaint: Complaint
    category: str
    agency: str
    contact: str  # masked, or "" when anonymous
    overdue: bool


LIST_STATUSES = ("open", "received", "responded", "resolved", "closed", "all")


async def staff_list(session: AsyncSession, *, secret_key: str, language: str = "id", status: str = "open",
                     agency_id: int | None = None, limit: int = 200, now: datetime | None = None) -> list[Row]:
    """Complaints of every channel, the oldest deadline first for open ones, with masked contacts."""
    now = now_or_clock(now)
    query = select(Complaint)
    if status == "open":
        query = query.where(Complaint.status.in_(OPEN_STATUSES))
    elif status in {s.value for s in Status}:
        query = query.where(Complaint.status == Status(status))
    if agency_id is not None:
        query = query.where(Complaint.agency_id == agency_id)
    order = (Complaint.response_due_at, Complaint.id) if status == "open" else (Complaint.received_at.desc(), Complaint.id)
    complaints = (await session.scalars(query.order_by(*order).limit(limit))).all()
    names = {c.id: category_name(c, language) for c in await categories(session, active_only=False)}
    agencies = dict((await session.execute(select(Agency.id, Agency.short))).all())
    full = dict((await session.execute(select(Agency.id, Agency.name))).all())
    return [Row(c, names.get(c.category_id, ""), agencies.get(c.agency_id) or full.get(c.agency_id, ""),
                masked_contact(c, secret_key), overdue(c, now)) for c in complaints]


def overdue(complaint: Complaint, now: datetime) -> bool:
    if complaint.status == Status.RECEIVED:
        return as_utc(complaint.response_due_at) <= now
    return complaint.status == Status.RESPONDED and as_utc(complaint.resolve_due_at) <= now


def masked_contact(complaint: Complaint, secret_key: str) -> str:
    found = contact_of(complaint, secret_key)
    parts = []
    if found.name:
        parts.append(found.name[:1] + "•••")
    parts += [notify.mask(value) for value in (found.email, found.phone) if value]
    return ", ".join(parts)


def contact_of(complaint: Complaint, secret_key: str) -> Contact:
    """The unsealed contact (for the staff member who calls back); empty when anonymous or erased."""
    def opened(value: str | None) -> str:
        return security.unseal(secret_key, value, SEAL_PURPOSE) if value else ""

    return Contact(opened(complaint.contact_name), opened(complaint.contact_email), opened(complaint.contact_phone))


async def staff_names(session: AsyncSession) -> dict[int, str]:
    """Who acted on complaints, for the console's history of one."""
    return dict((await session.execute(select(StaffAccount.id, StaffAccount.name))).all())


def _reply(text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if has_control(text):
        raise Invalid({"text": _("This field contains characters that are not allowed.")})
    if required and not text:
        raise Invalid({"text": _("This field is required.")})
    if len(text) > 4000:
        raise Invalid({"text": _("At most %(n)d characters.") % {"n": 4000}})
    return text


def _change(complaint: Complaint, action: str, before: dict[str, Any], text: str) -> Change:
    return Change(action, "complaint", complaint.tracking, before, {"status": complaint.status.value, "text": text})


async def respond(session: AsyncSession, tenant: Tenant, complaint: Complaint, staff_id: int | None, text: str,
                  *, now: datetime | None = None) -> Change:
    """A reply to the citizen. The first one stops the response clock (claimed by a conditional UPDATE,
    so two officers answering at once record one first response); later ones are notes."""
    now = now_or_clock(now)
    text = _reply(text)
    if complaint.status not in OPEN_STATUSES:
        raise Invalid({"text": _("This complaint has been resolved; it takes no more replies.")})
    before = {"status": complaint.status.value}
    policy = await rules(session)
    calendar = await calendar_of(session, tenant, complaint, policy, as_utc(complaint.received_at))
    minutes = calendar.between(as_utc(complaint.received_at), now)
    claimed = await session.scalar(
        update(Complaint).where(Complaint.id == complaint.id, Complaint.status == Status.RECEIVED)
        .values(status=Status.RESPONDED, first_response_at=now, response_minutes=minutes, updated_at=now,
                escalate_at=_next_after_response(complaint))
        .returning(Complaint.id).execution_options(synchronize_session=False))
    kind = EventKind.RESPONDED if claimed is not None else EventKind.NOTE
    session.add(ComplaintEvent(complaint_id=complaint.id, kind=kind, staff_id=staff_id, text=text, at=now))
    await session.flush()
    await session.refresh(complaint)
    return _change(complaint, "respond" if claimed is not None else "note", before, text)


def _next_after_response(complaint: Complaint) -> datetime | None:
    """Once answered, the chain waits for the resolution deadline."""
    return complaint.resolve_due_at if complaint.level < Level.REGENT_OFFICE else None


async def resolve(session: AsyncSession, tenant: Tenant, complaint: Complaint, staff_id: int | None, text: str,
                  *, now: datetime | None = None) -> Change:
    """Resolved, with what was done (a resolution without an earlier reply is also the first response)."""
    now = now_or_clock(now)
    text = _reply(text)
    if complaint.status not in OPEN_STATUSES:
        raise Invalid({"text": _("This complaint has been resolved; it takes no more replies.")})
    before = {"status": complaint.status.value}
    values: dict[str, Any] = {"status": Status.RESOLVED, "resolved_at": now, "escalate_at": None, "updated_at": now}
    if complaint.first_response_at is None:
        policy = await rules(session)
        calendar = await calendar_of(session, tenant, complaint, policy, as_utc(complaint.received_at))
        values.update(first_response_at=now, response_minutes=calendar.between(as_utc(complaint.received_at), now))
    done = await session.scalar(
        update(Complaint).where(Complaint.id == complaint.id, Complaint.status.in_(OPEN_STATUSES)).values(**values)
        .returning(Complaint.id).execution_options(synchronize_session=False))
    if done is None:
        raise Invalid({"text": _("This complaint has been resolved; it takes no more replies.")})
    session.add(ComplaintEvent(complaint_id=complaint.id, kind=EventKind.RESOLVED, staff_id=staff_id, text=text, at=now))
    await session.flush()
    await session.refresh(complaint)
    return _change(complaint, "resolve", before, text)


async def close(session: AsyncSession, complaint: Complaint, staff_id: int | None, text: str = "",
                *, now: datetime | None = None) -> Change:
    """Closed: nothing more happens, and the contact details are erased in the same transaction."""
    now = now_or_clock(now)
    text = _reply(text, required=False)
    if complaint.status == Status.CLOSED:
        raise Invalid({"text": _("This complaint is already closed.")})
    before = {"status": complaint.status.value}
    _close(complaint, now)
    session.add(ComplaintEvent(complaint_id=complaint.id, kind=EventKind.CLOSED, staff_id=staff_id, text=text, at=now))
    await session.flush()
    return _change(complaint, "close", before, text)


def _close(complaint: Complaint, now: datetime) -> None:
    """Closed, and the contact erased at once; the photo (a file) is erased by the sweep after this
    commits (:func:`erase_photo`): a closed complaint with a ``photo_key`` is one still to erase."""
    complaint.status, complaint.closed_at, complaint.escalate_at = Status.CLOSED, now, None
    complaint.contact_name = complaint.contact_email = complaint.contact_phone = None


def photo_shown(complaint: Complaint) -> bool:
    """Whether staff may still see the photo: it has one, and it is not closed (waiting for erasure)."""
    return complaint.photo_key is not None and complaint.status != Status.CLOSED


# --- the periodic sweep ----------------------------------------------------------------------------


async def due_escalations(session: AsyncSession, *, now: datetime | None = None) -> list[int]:
    now = now_or_clock(now)
    return list((await session.scalars(select(Complaint.id).where(
        Complaint.escalate_at <= now, Complaint.status.in_(OPEN_STATUSES), Complaint.level < Level.REGENT_OFFICE)
        .order_by(Complaint.escalate_at).limit(SWEEP_BATCH))).all())


def record_breach(session: AsyncSession, complaint: Complaint, kind: BreachKind, due_at: datetime, now: datetime) -> Any:
    """The missed deadline, against the responsible unit; once per complaint and kind."""
    return session.execute(insert_ignore(session, ComplaintBreach, [{
        "tenant_id": complaint.tenant_id, "complaint_id": complaint.id, "agency_id": complaint.agency_id,
        "kind": kind.value, "due_at": due_at, "recorded_at": now, "created_at": now, "updated_at": now}]))


async def escalate(session: AsyncSession, tenant: Tenant, complaint_id: int, *, now: datetime | None = None) -> bool:
    """Move one overdue complaint one level up the chain. The step is claimed by a conditional UPDATE
    of its level (``WHERE level = the level read``): of two sweeps, the second finds the level moved
    (on PostgreSQL it waits for the first's commit, then re-reads the row) and does nothing."""
    now = now_or_clock(now)
    complaint = await session.scalar(select(Complaint).where(Complaint.id == complaint_id)
                                     .execution_options(populate_existing=True))
    if (complaint is None or complaint.status not in OPEN_STATUSES or complaint.escalate_at is None
            or as_utc(complaint.escalate_at) > now or complaint.level >= Level.REGENT_OFFICE):
        return False
    level, due = complaint.level, as_utc(complaint.escalate_at)
    policy = await rules(session)
    calendar = await calendar_of(session, tenant, complaint, policy, due)
    new_level = level + 1
    following = calendar.add(due, policy.complaint_response_hours * 60) if new_level < Level.REGENT_OFFICE else None
    claimed = await session.scalar(
        update(Complaint).where(Complaint.id == complaint_id, Complaint.level == level,
                                Complaint.status.in_(OPEN_STATUSES))
        .values(level=new_level, escalate_at=following, updated_at=now)
        .returning(Complaint.id).execution_options(synchronize_session=False))
    if claimed is None:
        return False
    if complaint.first_response_at is None:
        await record_breach(session, complaint, BreachKind.RESPONSE, as_utc(complaint.response_due_at), now)
    elif due >= as_utc(complaint.resolve_due_at):
        await record_breach(session, complaint, BreachKind.RESOLUTION, as_utc(complaint.resolve_due_at), now)
    session.add(ComplaintEvent(complaint_id=complaint_id, kind=EventKind.ESCALATED, level=new_level, at=now))
    await session.flush()
    return True


def _escalation(obj: Any) -> tuple[int, int] | None:
    if isinstance(obj, ComplaintEvent) and obj.kind == EventKind.ESCALATED and obj.id is not None:
        return obj.tenant_id, obj.id
    return None


def _notice_job() -> Any:
    from satupintu.complaints.tasks import notify_escalation

    return notify_escalation


notify.queue_after_commit("complaints.escalations", _escalation, _notice_job, what="complaint escalations")
"""Each escalation's notice (complaints.notifications) is queued once its transaction commits."""


async def close_resolved(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Close complaints resolved long enough ago (their contact is erased). Idempotent."""
    now = now_or_clock(now)
    done = (await session.scalars(select(Complaint).where(
        Complaint.status == Status.RESOLVED, Complaint.resolved_at <= now - CLOSE_RESOLVED_AFTER).limit(SWEEP_BATCH))).all()
    for complaint in done:
        _close(complaint, now)
        session.add(ComplaintEvent(complaint_id=complaint.id, kind=EventKind.CLOSED, at=now))
    await session.flush()
    return len(done)


async def photos_to_erase(session: AsyncSession) -> list[int]:
    return list((await session.scalars(select(Complaint.id).where(
        Complaint.status == Status.CLOSED, Complaint.photo_key.is_not(None)).limit(SWEEP_BATCH))).all())


async def erase_photo(session: AsyncSession, storage: Storage, complaint_id: int) -> bool:
    """Delete a closed complaint's photo from storage, then clear its key (False: nothing to erase).
    A deletion that fails raises and leaves the key for the next sweep; deleting twice is harmless."""
    key = await session.scalar(select(Complaint.photo_key).where(
        Complaint.id == complaint_id, Complaint.status == Status.CLOSED))
    if key is None:
        return False
    await storage.delete(key)
    await session.execute(update(Complaint).where(Complaint.id == complaint_id, Complaint.photo_key == key)
                          .values(photo_key=None).execution_options(synchronize_session=False))
    return True


@dataclass(frozen=True)
class SweepResult:
    escalated: int = 0
    closed: int = 0
    photos_erased: int = 0


async def sweep(maker: async_sessionmaker[AsyncSession], *, storage: Storage | None = None,
                now: datetime | None = None) -> SweepResult:
    """One run over every regency: overdue complaints escalate one level each (repeatedly while a later
    level is already due), each step in a transaction of its own; long-resolved complaints close; the
    photos of closed complaints are deleted from ``storage`` (each in a transaction of its own, after
    the closing committed; one that fails is logged and tried again at the next run)."""
    now = now_or_clock(now)
    async with tenant_session(maker, None) as session:
        tenants = (await session.scalars(select(Tenant).order_by(Tenant.id))).all()
    escalated = closed = erased = 0
    for tenant in tenants:
        while True:
            async with tenant_session(maker, tenant.id) as session:
                due = await due_escalations(session, now=now)
            moved = 0
            for complaint_id in due:
                async with tenant_session(maker, tenant.id) as session:
                    moved += await escalate(session, tenant, complaint_id, now=now)
            escalated += moved
            if not moved:
                break
        async with tenant_session(maker, tenant.id) as session:
            closed += await close_resolved(session, now=now)
        if storage is not None:
            erased += await _erase_photos(maker, storage, tenant)
    if escalated or closed or erased:
        log.info("complaints swept", escalated=escalated, closed=closed, photos_erased=erased)
    return SweepResult(escalated, closed, erased)


async def _erase_photos(maker: async_sessionmaker[AsyncSession], storage: Storage, tenant: Tenant) -> int:
    """Each closed complaint's photo in a transaction of its own; storage that fails (unreachable, a
    refusal) is logged and the key stays for the next run."""
    async def erase(session: AsyncSession, complaint_id: int) -> int:
        return await erase_photo(session, storage, complaint_id)

    return await notify.each_due(maker, tenant, photos_to_erase, erase, what="complaint photo erasure",
                                 failures=(Exception,))


# --- statistics (aggregates only) ------------------------------------------------------------------


@dataclass
class Figures:
    received: int = 0
    answered: int = 0
    on_time: int = 0  # first response by its deadline
    minutes: list[int] = field(default_factory=list)

    @property
    def on_time_share(self) -> float | None:
        return round(self.on_time * 100 / self.received, 1) if self.received else None

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.minutes) if self.minutes else None


def local_month(moment: datetime, zone: ZoneInfo) -> str:
    return as_utc(moment).astimezone(zone).strftime("%Y-%m")


async def figures(session: AsyncSession, tenant: Tenant, *, since: datetime | None = None,
                  until: datetime | None = None) -> dict[tuple[str, int | None], Figures]:
    """Per (local month, agency id): received, answered, answered by the deadline, response minutes."""
    zone = ZoneInfo(tenant.timezone.iana)
    query = select(Complaint.received_at, Complaint.agency_id, Complaint.first_response_at,
                   Complaint.response_due_at, Complaint.response_minutes)
    if since is not None:
        query = query.where(Complaint.received_at >= since)
    if until is not None:
        query = query.where(Complaint.received_at < until)
    out: dict[tuple[str, int | None], Figures] = defaultdict(Figures)
    for received, agency_id, first, due, minutes in (await session.execute(query)).all():
        row = out[(local_month(received, zone), agency_id)]
        row.received += 1
        if first is not None:
            row.answered += 1
            row.on_time += as_utc(first) <= as_utc(due)
            if minutes is not None:
                row.minutes.append(minutes)
    return dict(out)


def total(rows: list[Figures]) -> Figures:
    out = Figures()
    for row in rows:
        out.received += row.received
        out.answered += row.answered
        out.on_time += row.on_time
        out.minutes += row.minutes
    return out


async def breach_counts(session: AsyncSession) -> dict[tuple[int | None, str], int]:
    """Breaches per (agency id, kind)."""
    rows = await session.execute(select(ComplaintBreach.agency_id, ComplaintBreach.kind, func.count())
                                 .group_by(ComplaintBreach.agency_id, ComplaintBreach.kind))
    return {(agency, BreachKind(kind).value): count for agency, kind, count in rows.all()}


REPORT_MONTHS = 12


@dataclass(frozen=True)
class Report:
    """The public statistics: the last twelve local months, newest first, and each agency over them."""

    months: list[tuple[str, Figures]]
    agencies: list[tuple[str, Figures]]
    total: Figures
    response_hours: int
    around_the_clock: bool


def month_starts(tenant: Tenant, now: datetime, count: int) -> list[datetime]:
    """The first moments (UTC) of the last ``count`` local months, oldest first, this month last."""
    zone = ZoneInfo(tenant.timezone.iana)
    local = now.astimezone(zone)
    year, month = local.year, local.month
    starts = []
    for _n in range(count):
        starts.append(datetime(year, month, 1, tzinfo=zone).astimezone(UTC))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


async def public_report(session: AsyncSession, tenant: Tenant, *, now: datetime | None = None) -> Report:
    now = now_or_clock(now)
    since = month_starts(tenant, now, REPORT_MONTHS)[0]
    found = await figures(session, tenant, since=since)
    names = dict((await session.execute(select(Agency.id, Agency.name))).all())
    months: dict[str, list[Figures]] = defaultdict(list)
    agencies: dict[str, list[Figures]] = defaultdict(list)
    for (month, agency_id), row in found.items():
        months[month].append(row)
        agencies[names.get(agency_id) or ""].append(row)
    policy = await rules(session)
    return Report(months=[(m, total(rows)) for m, rows in sorted(months.items(), reverse=True)],
                  agencies=[(name, total(rows)) for name, rows in sorted(agencies.items())],
                  total=total(list(found.values())), response_hours=policy.complaint_response_hours,
                  around_the_clock=bool(policy.complaint_around_the_clock))


@dataclass(frozen=True)
class AgencyComplaints:
    name: str  # "" for complaints about the mall as a whole
    open: int
    late: int  # open and past their current deadline
    breaches_month: int
    breaches_total: int


@dataclass(frozen=True)
class ControlView:
    """The control room's complaints: counts now and breaches per responsible unit; numbers only."""

    open: int
    late_response: int
    late_resolution: int
    received_today: int
    breaches_month: int
    agencies: list[AgencyComplaints]


async def control_view(session: AsyncSession, tenant: Tenant, *, now: datetime | None = None) -> ControlView:
    now = now_or_clock(now)
    zone = ZoneInfo(tenant.timezone.iana)
    local = now.astimezone(zone)
    today = datetime(local.year, local.month, local.day, tzinfo=zone).astimezone(UTC)
    month = month_starts(tenant, now, 1)[0]
    late_response = (Complaint.status == Status.RECEIVED) & (Complaint.response_due_at <= now)
    late_resolution = (Complaint.status == Status.RESPONDED) & (Complaint.resolve_due_at <= now)
    rows = (await session.execute(
        select(Complaint.agency_id, func.count(), func.sum(case((late_response, 1), else_=0)),
               func.sum(case((late_resolution, 1), else_=0)))
        .where(Complaint.status.in_(OPEN_STATUSES)).group_by(Complaint.agency_id))).all()
    breaches = (await session.execute(
        select(ComplaintBreach.agency_id, func.count(), func.sum(case((ComplaintBreach.recorded_at >= month, 1), else_=0)))
        .group_by(ComplaintBreach.agency_id))).all()
    received_today = await session.scalar(select(func.count()).select_from(Complaint).where(
        Complaint.received_at >= today)) or 0
    names = dict((await session.execute(select(Agency.id, Agency.name))).all())
    per: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for agency_id, count, late_a, late_b in rows:
        per[agency_id][0] += count
        per[agency_id][1] += int(late_a or 0) + int(late_b or 0)
    for agency_id, total_count, this_month in breaches:
        per[agency_id][2] += int(this_month or 0)
        per[agency_id][3] += total_count
    agencies = sorted((AgencyComplaints(names.get(a) or "", *values) for a, values in per.items()),
                      key=lambda row: (-row.breaches_month, -row.late, -row.open, row.name))
    return ControlView(open=sum(r[1] for r in rows), late_response=sum(int(r[2] or 0) for r in rows),
                       late_resolution=sum(int(r[3] or 0) for r in rows), received_today=received_today,
                       breaches_month=sum(a.breaches_month for a in agencies), agencies=agencies)


# --- what the ministry's rollups read (aggregates only) --------------------------------------------


async def monthly_counts(session: AsyncSession, tenant: Tenant, since: date) -> dict[str, tuple[int, int]]:
    """Per local month from ``since`` on: (complaints received, answered by their first-response deadline)."""
    start = datetime(since.year, since.month, since.day, tzinfo=ZoneInfo(tenant.timezone.iana)).astimezone(UTC)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (month, _agency), row in (await figures(session, tenant, since=start)).items():
        out[month][0] += row.received
        out[month][1] += row.on_time
    return {month: (received, on_time) for month, (received, on_time) in out.items()}


async def response_minutes(session: AsyncSession, tenant: Tenant, since: date, until: date) -> list[int]:
    """Working minutes to the first answer of the complaints received in these local days (inclusive)."""
    zone = ZoneInfo(tenant.timezone.iana)
    start = datetime(since.year, since.month, since.day, tzinfo=zone).astimezone(UTC)
    end = (datetime(until.year, until.month, until.day, tzinfo=zone) + timedelta(days=1)).astimezone(UTC)
    return list((await session.scalars(select(Complaint.response_minutes).where(
        Complaint.received_at >= start, Complaint.received_at < end, Complaint.response_minutes.is_not(None)))).all())
