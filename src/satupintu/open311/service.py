"""Open311 GeoReport v2 over a regency's complaints: what each endpoint answers, as plain documents
(:mod:`satupintu.open311.georeport` writes them as XML or JSON).

- A **service** is an active complaint category (``service_code`` = the category's code). Categories
  about a service, a counter or a visit define optional **attributes** (``service``, ``agency``,
  ``counter``, ``ticket``) that say what the complaint is about; the others have none (``metadata``
  false).
- A **service request** is a complaint, known by its tracking number (``service_request_id``), never
  its integer key. ``open`` while waiting for or being handled after its first response, ``closed``
  once resolved. ``expected_datetime`` is its resolution deadline; every time is in the regency's zone.
- Filing one (POST) needs a key of this regency and goes through ``complaints.create_complaint``, the
  one way a complaint comes in, so it gets the same checks, deadlines and escalation as any other.
- Nothing that identifies the person who complained is ever returned: contact details are not part of
  any answer, and e-mail addresses, telephone numbers and NIKs typed into a description are masked.
- The service type is ``realtime``: a request's id comes back at once. A client that follows the
  batch flow anyway can resolve a token, which is the request's own id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies import service as agencies_service
from satupintu.agencies.models import Agency, Location
from satupintu.catalogue.models import TenantService
from satupintu.complaints import service as complaints
from satupintu.complaints.models import OPEN_STATUSES, Complaint, ComplaintCategory, Status
from satupintu.forms import Invalid, has_control
from satupintu.i18n import N_, current_locale
from satupintu.i18n import gettext as _
from satupintu.open311 import keys
from satupintu.open311.georeport import MEDIA_TYPES, SPECIFICATION, timestamp
from satupintu.queue.service import as_utc, now_or_clock
from satupintu.tenants.models import Tenant

MAX_REQUESTS = 1000
"""The spec's default volume: at most 1000 requests, over at most 90 days."""
MAX_SPAN = timedelta(days=90)
MAX_LIST_ITEMS = 200
"""At most this many comma-separated ids or codes in one query (more can name nothing useful)."""


class Open311Error(Exception):
    """An answer in the spec's error format: the HTTP status and one description per problem."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status, self.descriptions = status, descriptions


# --- attributes ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attribute:
    code: str  # also the field ``create_complaint`` names in its errors, and the Subject's part
    datatype: str  # singlevaluelist or string
    description: str  # msgid


ATTRIBUTES = {
    "service": Attribute("service", "singlevaluelist", N_("Which service is the complaint about?")),
    "agency": Attribute("agency", "singlevaluelist", N_("Which agency is the complaint about?")),
    "counter": Attribute("counter", "singlevaluelist", N_("At which counter did it happen?")),
    "ticket": Attribute("ticket", "string", N_("The queue ticket's code from its page address, if you had one")),
}
CATEGORY_ATTRIBUTES = {
    "kualitas-layanan": ("service", "agency"),
    "sikap-petugas": ("agency", "counter", "ticket"),
    "biaya-pungli": ("service", "agency", "counter"),
    "waktu-tunggu": ("service", "counter", "ticket"),
}
"""What the default categories ask about (all optional); a regency's own categories ask nothing."""


def _attributes(category: ComplaintCategory) -> tuple[str, ...]:
    return CATEGORY_ATTRIBUTES.get(category.code, ())


# --- discovery and services ----------------------------------------------------------------------

def _local(tenant: Tenant, moment: datetime | None) -> str | None:
    return timestamp(as_utc(moment).astimezone(ZoneInfo(tenant.timezone.iana))) if moment else None


async def discovery(session: AsyncSession, tenant: Tenant, endpoint_url: str, console_url: str,
                    complaint_url: str) -> dict[str, Any]:
    changed = max([tenant.updated_at, *[c.updated_at for c in await complaints.categories(session, active_only=False)]],
                  key=as_utc)
    changeset = _local(tenant, changed)
    return {
        "changeset": changeset,
        "contact": _("%(name)s public service mall; complaints also at %(url)s") % {"name": tenant.name,
                                                                                  "url": complaint_url},
        "key_service": _("An API key for filing complaints is made by the regency's administrators in the "
                         "SatuPintu console (%(url)s).") % {"url": console_url},
        "endpoints": [{"specification": SPECIFICATION, "url": endpoint_url, "changeset": changeset,
                       "type": "production", "formats": [MEDIA_TYPES["xml"], MEDIA_TYPES["json"]]}],
    }


async def services(session: AsyncSession) -> list[dict[str, Any]]:
    language = current_locale.get()
    return [{
        "service_code": category.code, "service_name": complaints.category_name(category, language),
        "description": category.description_en if language == "en" and category.description_en
        else category.description_id,
        "metadata": bool(_attributes(category)), "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(filter(None, (category.name_id, category.name_en)))),
        "group": _("complaints"),
    } for category in await complaints.categories(session)]


async def _category(session: AsyncSession, code: str) -> ComplaintCategory:
    category = await complaints.get_category(session, code) if code else None
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:40]})
    return category


async def definition(session: AsyncSession, code: str) -> dict[str, Any]:
    category = await _category(session, code)
    found = []
    for order, name in enumerate(_attributes(category), start=1):
        attribute = ATTRIBUTES[name]
        found.append({"variable": True, "code": attribute.code, "datatype": attribute.datatype, "required": False,
                      "datatype_description": None, "order": order, "description": _(attribute.description),
                      "values": await _values(session, name)})
    return {"service_code": category.code, "attributes": found}


async def _values(session: AsyncSession, name: str) -> list[dict[str, str]]:
    if name == "service":
        rows = (await session.execute(select(TenantService.code, TenantService.name_id, TenantService.name_en).where(
            TenantService.enabled.is_(True)).order_by(TenantService.name_id))).all()
        english = current_locale.get() == "en"
        return [{"key": code, "name": name_en if english and name_en else name} for code, name, name_en in rows]
    if name == "agency":
        return [{"key": a.key, "name": a.name} for a in await agencies_service.agencies(session)]
    if name == "counter":
        return [{"key": c.code, "name": f"{c.code} {c.name}".strip()} for c in await agencies_service.counters(session)]
    return []


# --- service requests ----------------------------------------------------------------------------

OPEN, CLOSED = "open", "closed"
STATUS_NOTES = {
    Status.RECEIVED: N_("Received; waiting for its first response."),
    Status.RESPONDED: N_("Answered; being handled."),
    Status.RESOLVED: N_("Resolved."),
    Status.CLOSED: N_("Closed."),
}
PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|(?<!\d)(?:\+?62|0)[\s.-]?8(?:[\s.-]?\d){6,12}(?!\d)"  # an Indonesian mobile number
    r"|(?<!\d)\d{16}(?!\d)"  # a NIK
)


def masked(text: str) -> str:
    """A description as the API shows it: e-mail addresses, telephone numbers and NIKs masked."""
    return PERSONAL.sub("[…]", text)


def open_or_closed(status: Status) -> str:
    return OPEN if status in OPEN_STATUSES else CLOSED


async def _documents(session: AsyncSession, tenant: Tenant, rows: list[Complaint]) -> list[dict[str, Any]]:
    language = current_locale.get()
    categories = {c.id: c for c in await complaints.categories(session, active_only=False)}
    agency_ids = {row.agency_id for row in rows if row.agency_id is not None}
    agencies = {a.id: a for a in (await session.scalars(select(Agency).where(Agency.id.in_(agency_ids)))).all()} \
        if agency_ids else {}
    policy = await complaints.rules(session)
    notice = _("First response within %(hours)d working hours, as the regency promises.") % {
        "hours": policy.complaint_response_hours}
    out = []
    for row in rows:
        category, agency = categories[row.category_id], agencies.get(row.agency_id)
        closed = row.status not in OPEN_STATUSES
        out.append({
            "service_request_id": row.tracking, "status": open_or_closed(row.status),
            "status_notes": _(STATUS_NOTES[row.status]), "service_name": complaints.category_name(category, language),
            "service_code": category.code, "description": masked(row.description),
            "agency_responsible": (agency.short or agency.name) if agency else None, "service_notice": notice,
            "requested_datetime": _local(tenant, row.received_at),
            "updated_datetime": _local(tenant, (row.closed_at or row.resolved_at or row.updated_at) if closed
                                       else row.updated_at),
            "expected_datetime": _local(tenant, row.resolve_due_at), "address": row.address or None,
            "address_id": None, "zipcode": None, "lat": row.latitude, "long": row.longitude,
            "media_url": row.media_url,
        })
    return out


def _items(value: str | None, name: str) -> list[str]:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise Open311Error(400, _("%(name)s: at most %(n)d values.") % {"name": name, "n": MAX_LIST_ITEMS})
    return items


def _moment(tenant: Tenant, value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or not 1900 <= moment.year <= 2100:
        raise Open311Error(400, _("%(name)s must be a date and time such as 2026-01-31T08:00:00+07:00.")
                           % {"name": name})
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tenant.timezone.iana))


async def find(session: AsyncSession, tenant: Tenant, *, service_request_id: str | None = None,
               service_code: str | None = None, start_date: str | None = None, end_date: str | None = None,
               status: str | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """GET requests: by ids (which override everything else), or by service codes, statuses and a
    window of at most 90 days (the last 90 by default), newest first, at most 1000."""
    ids = [complaints.normalise_tracking(item) for item in _items(service_request_id, "service_request_id")]
    if ids:
        rows = (await session.scalars(select(Complaint).where(Complaint.tracking.in_([i for i in ids if i]))
                                      .order_by(Complaint.received_at.desc()))).all()
        return await _documents(session, tenant, list(rows))
    start, end = _moment(tenant, start_date, "start_date"), _moment(tenant, end_date, "end_date")
    if start and end and end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if start and end and end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date and end_date may span at most 90 days."))
    if not end:
        end = start + MAX_SPAN if start else now_or_clock(now)
    start = start or end - MAX_SPAN
    statuses = _items(status, "status")
    if set(statuses) - {OPEN, CLOSED}:
        raise Open311Error(400, _("status must be open or closed (or both, comma separated)."))
    query = select(Complaint).where(Complaint.received_at >= start, Complaint.received_at <= end)
    codes = _items(service_code, "service_code")
    if codes:
        query = query.join(ComplaintCategory, ComplaintCategory.id == Complaint.category_id).where(
            ComplaintCategory.code.in_(codes))
    if statuses and set(statuses) != {OPEN, CLOSED}:
        query = query.where(Complaint.status.in_(OPEN_STATUSES) if statuses[0] == OPEN
                            else Complaint.status.not_in(OPEN_STATUSES))
    rows = (await session.scalars(query.order_by(Complaint.received_at.desc(), Complaint.id.desc())
                                  .limit(MAX_REQUESTS))).all()
    return await _documents(session, tenant, list(rows))


async def one(session: AsyncSession, tenant: Tenant, request_id: str) -> list[dict[str, Any]]:
    """GET requests/{id}: the spec answers a list of one."""
    complaint = await complaints.get_by_tracking(session, request_id)
    if complaint is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": request_id[:40]})
    return await _documents(session, tenant, [complaint])


async def token(session: AsyncSession, value: str) -> list[dict[str, Any]]:
    """GET tokens/{token}: a request's token is its own id (requests are realtime)."""
    complaint = await complaints.get_by_tracking(session, value)
    if complaint is None:
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": value[:40]})
    return [{"service_request_id": complaint.tracking, "token": complaint.tracking}]


# --- filing a request ----------------------------------------------------------------------------

FIELD_NAMES = {
    "category": "service_code", "latitude": "lat", "longitude": "long", "address": "address_string",
    "name": "first_name", "service": "attribute[service]", "agency": "attribute[agency]",
    "counter": "attribute[counter]", "ticket": "attribute[ticket]",
}
"""``create_complaint``'s field names as the Open311 client sent them."""


def _one(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


async def create(session: AsyncSession, tenant: Tenant, form: Mapping[str, Any], *, secret_key: str,
                 now: datetime | None = None) -> list[dict[str, Any]]:
    """POST requests: a complaint from another system, with this regency's API key (403 otherwise);
    an unknown service is 404, a missing location or any field ``create_complaint`` refuses is 400."""
    fields = {name: _one(form, name) for name in form}
    if any(has_control(value) for value in fields.values()):
        raise Open311Error(400, _("A field contains characters that are not allowed."))
    if await keys.check(session, fields.get("api_key")) is None:
        raise Open311Error(403, _("Missing or invalid api_key: ask the regency's administrators for a key."))
    code = fields.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    await _category(session, code)
    address, address_id = fields.get("address_string", "").strip(), fields.get("address_id", "").strip()
    latitude, longitude = fields.get("lat", "").strip(), fields.get("long", "").strip()
    if address_id:
        location = await session.scalar(select(Location).where(Location.code == address_id[:40]))
        if location is None:
            raise Open311Error(400, _("address_id must be the code of one of the regency's service locations."))
        address = address or ", ".join(filter(None, (location.name, location.address)))
    if not (latitude and longitude) and not address:
        raise Open311Error(400, _("A location is required: lat and long, or address_string, or address_id."))
    name = " ".join(filter(None, (fields.get("first_name", "").strip(), fields.get("last_name", "").strip())))
    subject = complaints.Subject(service_code=_one(form, "attribute[service]").strip(),
                                 agency_key=_one(form, "attribute[agency]").strip(),
                                 counter_code=_one(form, "attribute[counter]").strip(),
                                 ticket_public_id=_one(form, "attribute[ticket]").strip())
    try:
        complaint = await complaints.create_complaint(
            session, tenant, category_code=code, description=fields.get("description", ""),
            channel="open311", secret_key=secret_key,
            contact=complaints.Contact(name=name, email=fields.get("email", ""), phone=fields.get("phone", "")),
            subject=subject, latitude=latitude or None, longitude=longitude or None, address=address,
            media_url=fields.get("media_url", ""), language=current_locale.get(), now=now)
    except Invalid as exc:
        raise Open311Error(400, *(f"{FIELD_NAMES.get(field, field)}: {message}"
                                  for field, message in exc.errors.items())) from exc
    return [{"service_request_id": complaint.tracking,
             "service_notice": _("First response by %(when)s.") % {"when": _local(tenant, complaint.response_due_at)},
             "account_id": None}]


def jurisdiction_problem(tenant: Tenant, value: str | None, hosts: Mapping[str, str]) -> None:
    """``jurisdiction_id`` is optional; given, it must name this regency: its slug or one of its host names."""
    if not value:
        return
    names = {tenant.slug, *(host for host, slug in hosts.items() if slug == tenant.slug)}
    if value.strip().lower() not in names:
        raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": value[:60]})

