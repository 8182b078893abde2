"""Citizens' complaint pages: the form at /{slug}/pengaduan, the status page by tracking number, and
the public statistics (aggregates only).

Handlers read input, call :mod:`satupintu.complaints.service` and render. A complaint is addressed by
its random tracking number; its contact details are never shown here, and never in a URL. The form
takes an optional photo (multipart, checked by size and content, kept in storage). The status page
is public to whoever holds the number, so it only says that a photo is attached: the photo itself
(faces, number plates) is shown to the regency's staff only, through signed, expiring links.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies.models import Agency
from satupintu.complaints import service
from satupintu.complaints.models import Channel, EventKind
from satupintu.forms import Form, Invalid
from satupintu.handlers import form_and_file
from satupintu.i18n import current_locale
from satupintu.queue.service import clock, local_time
from satupintu.security import rate_limit
from satupintu.storage.uploads import ACCEPT_PHOTOS, UPLOAD_BODY_LIMIT, megabytes
from satupintu.tenancy import provide_tenant
from satupintu.tenants.models import Tenant

TENANT = {"tenant": provide_tenant}
complaint_rate_limit = rate_limit("complaint", "hour", 20)
PUBLIC_EVENTS = (EventKind.RECEIVED, EventKind.RESPONDED, EventKind.NOTE, EventKind.RESOLVED, EventKind.CLOSED)
"""What the citizen's status page shows; escalations are the regency's internal business."""


def complaint_values(form: Form) -> dict[str, Any]:
    """The fields the citizen's form and the console's form share, for :func:`service.create_complaint`."""
    return {
        "category_code": form.text("category", required=True, max_length=40),
        "description": form.text("description", required=True, max_length=4000),
        "contact": service.Contact(form.text("name", max_length=120), form.text("email", max_length=254),
                                   form.text("phone", max_length=30)),
        "subject": service.Subject(service_code=form.text("service", max_length=80),
                                   agency_key=form.text("agency", max_length=60),
                                   counter_code=form.text("counter", max_length=20),
                                   ticket_public_id=form.text("ticket", max_length=32)),
        "address": form.text("address", max_length=300), "latitude": form.text("latitude", max_length=20),
        "longitude": form.text("longitude", max_length=20),
    }


async def read_form(request: Request) -> tuple[Form, dict[str, Any]]:
    """The complaint form (the citizen's or the console's) and its optional photo, as
    :func:`service.create_complaint`'s keywords."""
    settings = request.app.state.settings
    form, photo = await form_and_file(request, "photo", settings.upload_max_bytes)
    return form, {**complaint_values(form), "photo": photo, "storage": request.app.state.storage,
                  "photo_limit": settings.upload_max_bytes, "secret_key": settings.secret_key}


def photo_options(request: Request) -> dict[str, str]:
    return {"accept_photos": ACCEPT_PHOTOS, "max_size": megabytes(request.app.state.settings.upload_max_bytes)}


async def form_options(session: AsyncSession, language: str) -> dict[str, Any]:
    categories = await service.categories(session)
    agencies = (await session.scalars(select(Agency).order_by(Agency.name))).all()
    return {"categories": [(c.code, service.category_name(c, language),
                            c.description_en if language == "en" and c.description_en else c.description_id)
                           for c in categories],
            "agencies": [(a.key, a.name) for a in agencies]}


async def _form_page(request: Request, tenant: Tenant, session: AsyncSession, status: int = 200,
                     **context: Any) -> Template:
    values = context.pop("values", None) or {k: request.query_params.get(q, "")[:80] for k, q in (
        ("service", "layanan"), ("ticket", "tiket"), ("agency", "instansi"))}
    return Template("complaints/form.html", status_code=status, context={
        "tenant": tenant, "errors": {}, "values": values, "active": "pengaduan", **photo_options(request),
        **await form_options(session, current_locale.get()), **context})


@get("/{slug:str}/pengaduan", name="complaints:form", dependencies=TENANT)
async def form_page(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _form_page(request, tenant, db_session)


@post("/{slug:str}/pengaduan", name="complaints:submit", dependencies=TENANT, status_code=303,
      middleware=[complaint_rate_limit.middleware], request_max_body_size=UPLOAD_BODY_LIMIT)
async def submit(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template | Redirect:
    form, values = await read_form(request)
    try:
        form.check()
        complaint = await service.create_complaint(db_session, tenant, channel=Channel.WEB,
                                                   language=current_locale.get(), **values)
    except Invalid as exc:
        return await _form_page(request, tenant, db_session, 422, errors=exc.errors, values=form.data)
    return Redirect(f"/{tenant.slug}/pengaduan/{complaint.tracking}?baru=1", status_code=303)


@get("/{slug:str}/pengaduan/lacak", name="complaints:find", dependencies=TENANT)
async def find(tenant: Tenant, db_session: AsyncSession,
               nomor: Annotated[str, Parameter(query="nomor", default="", max_length=40)] = "") -> Template | Redirect:
    """The tracking number typed in (with or without dashes): its status page, or the form again."""
    complaint = await service.get_by_tracking(db_session, nomor) if nomor else None
    if complaint is not None:
        return Redirect(f"/{tenant.slug}/pengaduan/{complaint.tracking}", status_code=303)
    return Template("complaints/find.html", status_code=404 if nomor else 200,
                    context={"tenant": tenant, "nomor": nomor, "active": "pengaduan"})


@get("/{slug:str}/pengaduan/statistik", name="complaints:statistics", dependencies=TENANT)
async def statistics(tenant: Tenant, db_session: AsyncSession) -> Template:
    """Received, answered within the deadline and the median first response, by month and agency."""
    return Template("complaints/statistics.html", context={
        "tenant": tenant, "active": "pengaduan", "report": await service.public_report(db_session, tenant)})


@get("/{slug:str}/pengaduan/{tracking:str}", name="complaints:status", dependencies=TENANT)
async def status_page(request: Request, tenant: Tenant, db_session: AsyncSession, tracking: str) -> Template:
    complaint = await service.get_by_tracking(db_session, tracking)
    if complaint is None or complaint.tracking != tracking:
        raise NotFoundException()
    events = [e for e in await service.events(db_session, complaint) if e.kind in PUBLIC_EVENTS]
    category = await db_session.get(service.ComplaintCategory, complaint.category_id)
    return Template("complaints/status.html", context={
        "tenant": tenant, "complaint": complaint, "events": events, "active": "pengaduan",
        "category": service.category_name(category, current_locale.get()),
        "tracking": service.format_tracking(complaint.tracking), "local": lambda t: local_time(tenant, t),
        "zone": tenant.timezone.value, "new": request.query_params.get("baru") == "1",
        "overdue": service.overdue(complaint, clock())})


router = Router(path="/", route_handlers=[form_page, submit, find, statistics, status_page])
