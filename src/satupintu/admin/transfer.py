"""The regency's own side of region-to-region transfer: its innovation registry (and replicating
another region's innovation), the study visits it hosted or made, and its MoUs."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import url
from satupintu.agencies.forms import KEY
from satupintu.forms import Form
from satupintu.handlers import FormData, found, submit
from satupintu.i18n import gettext as _
from satupintu.tenants.models import Tenant
from satupintu.transfer import service
from satupintu.transfer.models import Innovation, InnovationCategory, InnovationStatus, Mou, MouStatus, StudyVisit, VisitRole
from satupintu.transfer.routes import page


def _counterpart(form: Form, tenant: Tenant) -> tuple[str | None, str]:
    code = form.text("counterpart_code", max_length=5, pattern=service.REGION_CODE,
                     pattern_message=_("Write the code as two digits, a dot and two digits, e.g. 35.10."))
    name = form.text("counterpart_name", max_length=120)
    if "counterpart_code" in form.errors:
        return None, name
    try:
        return service.counterpart(code, name, tenant.region_code)
    except service.TransferError as exc:
        form.errors["counterpart_code"] = str(exc)
        return None, name


# -- innovations ----------------------------------------------------------------------------------

def _innovation_values(form: Form) -> dict[str, Any]:
    return {
        "title": form.text("title", required=True, max_length=200),
        "summary": form.text("summary", required=True, max_length=2000),
        "category": form.choice("category", [c.value for c in InnovationCategory]),
        "year_started": form.integer("year_started", minimum=1945, maximum=date.today().year + 1, required=False),
        "status": form.choice("status", [s.value for s in InnovationStatus]),
        "public": form.flag("public"),
    }


async def _innovations_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    return page("admin/transfer_innovations.html", tenant, status, section="innovations",
                rows=await service.innovations(session), **context)


def _innovation_page(tenant: Tenant, row: Innovation, status: int = 200, **context: Any) -> Template:
    return page("admin/transfer_innovation_form.html", tenant, status, section="innovations", row=row, **context)


@get("/inovasi", name="admin:innovations")
async def innovations(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _innovations_page(db_session, tenant)


@post("/inovasi", name="admin:innovation-create")
async def innovation_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                            data: FormData) -> Template | Redirect:
    form = Form(data)
    key = form.text("key", required=True, max_length=60, pattern=KEY,
                    pattern_message=_("Use lowercase letters, digits and hyphens, e.g. mal-pelayanan-publik."))
    values = {"key": key, **_innovation_values(form)}
    return await submit(request, db_session, form, lambda: service.create_innovation(db_session, tenant, values),
                        again=partial(_innovations_page, db_session, tenant), to=url(tenant, "inovasi"))


@get("/inovasi/{key:str}", name="admin:innovation")
async def innovation_form(tenant: Tenant, db_session: AsyncSession, key: str) -> Template:
    return _innovation_page(tenant, found(await service.get_innovation(db_session, key[:60])))


@post("/inovasi/{key:str}", name="admin:innovation-save")
async def innovation_save(request: Request, tenant: Tenant, db_session: AsyncSession, key: str,
                          data: FormData) -> Template | Redirect:
    innovation = found(await service.get_innovation(db_session, key[:60]))
    form = Form(data)
    values = _innovation_values(form)
    return await submit(request, db_session, form,
                        lambda: service.update_innovation(db_session, tenant, innovation, values),
                        again=partial(_innovation_page, tenant, innovation), to=url(tenant, "inovasi"))


async def _browse_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    mine = {(i.replicated_from_code, i.replicated_from_key): i for i in await service.innovations(session)
            if i.replicated_from_key}
    return page("admin/transfer_browse.html", tenant, status, section="innovations", mine=mine,
                rows=await service.public_innovations(session, exclude_tenant_id=tenant.id), **context)


@get("/replikasi", name="admin:replicate-browse")
async def replicate_browse(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _browse_page(db_session, tenant)


@post("/replikasi", name="admin:replicate")
async def replicate(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    public_id = form.integer("public_id", minimum=1)
    if form.errors:
        form.errors = {"replicate": _("Choose an innovation to replicate.")}
    return await submit(request, db_session, form, lambda: service.replicate(db_session, tenant, public_id),
                        again=partial(_browse_page, db_session, tenant), refused={service.TransferError: "replicate"},
                        to=lambda change: url(tenant, f"inovasi/{change.key}"))


# -- study visits ---------------------------------------------------------------------------------

def _visit_values(form: Form, tenant: Tenant) -> dict[str, Any]:
    code, name = _counterpart(form, tenant)
    values = {
        "role": form.choice("role", [r.value for r in VisitRole]),
        "counterpart_code": code, "counterpart_name": name,
        "visit_date": form.day("visit_date", required=False),
        "days": form.integer("days", minimum=1, maximum=60, required=False),
        "participants": form.integer("participants", minimum=1, maximum=1000, required=False),
        "delegation": form.text("delegation", max_length=1000),
        "topics": form.lines("topics", max_lines=20, max_length=300),
        "outcomes": form.text("outcomes", max_length=2000),
    }
    if not values["topics"] and "topics" not in form.errors:
        form.errors["topics"] = _("Name at least one topic, one per line.")
    return values


async def _visits_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    return page("admin/transfer_visits.html", tenant, status, section="visits",
                rows=await service.visits(session), **context)


def _visit_page(tenant: Tenant, row: StudyVisit, status: int = 200, **context: Any) -> Template:
    return page("admin/transfer_visit_form.html", tenant, status, section="visits", row=row, **context)


@get("/kunjungan", name="admin:visits")
async def visits(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _visits_page(db_session, tenant)


@post("/kunjungan", name="admin:visit-create")
async def visit_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                       data: FormData) -> Template | Redirect:
    form = Form(data)
    values = _visit_values(form, tenant)
    return await submit(request, db_session, form, lambda: service.create_visit(db_session, values),
                        again=partial(_visits_page, db_session, tenant), to=url(tenant, "kunjungan"))


@get("/kunjungan/{visit_id:int}", name="admin:visit")
async def visit_form(tenant: Tenant, db_session: AsyncSession, visit_id: int) -> Template:
    return _visit_page(tenant, found(await service.get_visit(db_session, visit_id)))


@post("/kunjungan/{visit_id:int}", name="admin:visit-save")
async def visit_save(request: Request, tenant: Tenant, db_session: AsyncSession, visit_id: int,
                     data: FormData) -> Template | Redirect:
    visit = found(await service.get_visit(db_session, visit_id))
    form = Form(data)
    values = _visit_values(form, tenant)
    return await submit(request, db_session, form, lambda: service.update_visit(db_session, visit, values),
                        again=partial(_visit_page, tenant, visit), to=url(tenant, "kunjungan"))


# -- MoUs -----------------------------------------------------------------------------------------

def _mou_values(form: Form, tenant: Tenant) -> dict[str, Any]:
    code, name = _counterpart(form, tenant)
    values = {
        "title": form.text("title", required=True, max_length=200),
        "counterpart_code": code, "counterpart_name": name,
        "scope": form.text("scope", required=True, max_length=2000),
        "status": form.choice("status", [s.value for s in MouStatus]),
        "signed_on": form.day("signed_on", required=False),
        "ends_on": form.day("ends_on", required=False),
        "notes": form.text("notes", max_length=2000),
    }
    if values["status"] in {s.value for s in MouStatus}:
        for name, problem in service.mou_problems(MouStatus(values["status"]), values["signed_on"],
                                                  values["ends_on"], date.today()).items():
            form.errors.setdefault(name, problem)
    return values


async def _mous_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    return page("admin/transfer_mous.html", tenant, status, section="mous", rows=await service.mous(session), **context)


def _mou_page(tenant: Tenant, row: Mou, status: int = 200, **context: Any) -> Template:
    return page("admin/transfer_mou_form.html", tenant, status, section="mous", row=row, **context)


@get("/mou", name="admin:mous")
async def mous(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _mous_page(db_session, tenant)


@post("/mou", name="admin:mou-create")
async def mou_create(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    values = _mou_values(form, tenant)
    return await submit(request, db_session, form, lambda: service.create_mou(db_session, values),
                        again=partial(_mous_page, db_session, tenant), to=url(tenant, "mou"))


@get("/mou/{mou_id:int}", name="admin:mou")
async def mou_form(tenant: Tenant, db_session: AsyncSession, mou_id: int) -> Template:
    return _mou_page(tenant, found(await service.get_mou(db_session, mou_id)))


@post("/mou/{mou_id:int}", name="admin:mou-save")
async def mou_save(request: Request, tenant: Tenant, db_session: AsyncSession, mou_id: int,
                   data: FormData) -> Template | Redirect:
    mou = found(await service.get_mou(db_session, mou_id))
    form = Form(data)
    values = _mou_values(form, tenant)
    return await submit(request, db_session, form, lambda: service.update_mou(db_session, mou, values),
                        again=partial(_mou_page, tenant, mou), to=url(tenant, "mou"))


handlers = [innovations, innovation_create, innovation_form, innovation_save, replicate_browse, replicate,
            visits, visit_create, visit_form, visit_save, mous, mou_create, mou_form, mou_save]
