"""Complaints in the console at /{slug}/admin/pengaduan: every channel in one list (contacts masked),
recording a complaint received by telephone, WhatsApp, the box at the mall or SP4N-LAPOR! (with a
photo, if one came with it), and answering, resolving and closing one. A complaint's photo is shown
through a signed, expiring link while the complaint is open. Every change is audited (without the
citizen's contact)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.agencies.models import Agency
from satupintu.audit.service import Change
from satupintu.complaints import service
from satupintu.complaints.models import Channel, ComplaintCategory, Level
from satupintu.complaints.routes import form_options, photo_options, read_form
from satupintu.forms import Form
from satupintu.handlers import FormData, found, me, submit
from satupintu.i18n import current_locale
from satupintu.queue.service import clock, local_time
from satupintu.storage import links
from satupintu.storage.uploads import UPLOAD_BODY_LIMIT
from satupintu.tenants.models import Tenant

STAFF_CHANNELS = (Channel.PHONE, Channel.WHATSAPP, Channel.BOX, Channel.LAPOR, Channel.WEB)


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


@get("/pengaduan", name="admin:complaints")
async def complaints(request: Request, tenant: Tenant, db_session: AsyncSession,
                     status: Annotated[str, Parameter(query="status", default="open", max_length=12)] = "open",
                     instansi: Annotated[str, Parameter(query="instansi", default="", max_length=60)] = "") -> Template:
    status = status if status in service.LIST_STATUSES else "open"
    agency = await db_session.scalar(select(Agency).where(Agency.key == instansi)) if instansi else None
    rows = await service.staff_list(db_session, secret_key=_secret(request), language=current_locale.get(),
                                    status=status, agency_id=agency.id if agency else None)
    agencies = (await db_session.scalars(select(Agency).order_by(Agency.name))).all()
    return page("complaints", tenant, "complaints", rows=rows, shown=status, statuses=service.LIST_STATUSES,
                agencies=agencies, agency=agency, local=partial(local_time, tenant), zone=tenant.timezone.value,
                format_tracking=service.format_tracking)


async def _new_page(request: Request, session: AsyncSession, tenant: Tenant, status: int = 200,
                    **context: Any) -> Template:
    return page("complaint_form", tenant, "complaints", status, channels=[c.value for c in STAFF_CHANNELS],
                **photo_options(request), **await form_options(session, current_locale.get()), **context)


@get("/pengaduan/baru", name="admin:complaint-new")
async def complaint_new(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _new_page(request, db_session, tenant)


@post("/pengaduan/baru", name="admin:complaint-create", request_max_body_size=UPLOAD_BODY_LIMIT)
async def complaint_create(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template | Redirect:
    form, values = await read_form(request)
    channel = form.choice("channel", [c.value for c in STAFF_CHANNELS])
    external_ref = form.text("external_ref", max_length=100)

    async def save() -> Change:
        complaint = await service.create_complaint(
            db_session, tenant, channel=channel, external_ref=external_ref, recorded_by=me(request).id, **values)
        return Change("create", "complaint", complaint.tracking, None, {
            "channel": complaint.channel.value, "category": values["category_code"], "external_ref": external_ref,
            "photo": "yes" if complaint.photo_key else "no"})

    return await submit(request, db_session, form, save, again=partial(_new_page, request, db_session, tenant),
                        to=lambda change: url(tenant, f"pengaduan/{change.key}"))


async def _detail(request: Request, session: AsyncSession, tenant: Tenant, tracking: str, status: int = 200,
                  **context: Any) -> Template:
    complaint = found(await service.get_by_tracking(session, tracking))
    category = await session.get(ComplaintCategory, complaint.category_id)
    agency = await session.get(Agency, complaint.agency_id) if complaint.agency_id else None
    photo = links.file_path(_secret(request), tenant.slug, tenant.id, complaint.photo_key,
                            label=f"pengaduan-{complaint.tracking}") if service.photo_shown(complaint) else None
    return page("complaint", tenant, "complaints", status, complaint=complaint, agency=agency,
                category=service.category_name(category, current_locale.get()),
                events=await service.events(session, complaint), staff=await service.staff_names(session),
                contact=service.contact_of(complaint, _secret(request)), levels=Level,
                tracking=service.format_tracking(complaint.tracking), local=partial(local_time, tenant),
                zone=tenant.timezone.value, overdue=service.overdue(complaint, clock()), photo=photo, **context)


@get("/pengaduan/{tracking:str}", name="admin:complaint")
async def complaint(request: Request, tenant: Tenant, db_session: AsyncSession, tracking: str) -> Template:
    return await _detail(request, db_session, tenant, tracking)


ACTIONS = {"tanggapi": service.respond, "selesai": service.resolve}


@post("/pengaduan/{tracking:str}/{action:str}", name="admin:complaint-act")
async def complaint_act(request: Request, tenant: Tenant, db_session: AsyncSession, tracking: str, action: str,
                        data: FormData) -> Template | Redirect:
    """Answer (the first answer stops the response clock), resolve, or close (which erases the contact)."""
    if action not in (*ACTIONS, "tutup"):
        raise NotFoundException()
    row = found(await service.get_by_tracking(db_session, tracking))
    form = Form(data)
    text = form.text("text", max_length=4000)
    staff_id = me(request).id

    async def save() -> Change:
        if action == "tutup":
            return await service.close(db_session, row, staff_id, text)
        return await ACTIONS[action](db_session, tenant, row, staff_id, text)

    return await submit(request, db_session, form, save, again=partial(_detail, request, db_session, tenant, tracking),
                        to=url(tenant, f"pengaduan/{row.tracking}"))


handlers = [complaints, complaint_new, complaint_create, complaint, complaint_act]
