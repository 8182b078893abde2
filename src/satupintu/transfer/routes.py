"""Pages for region-to-region transfer.

The admin side (/{slug}/admin/inovasi, /kunjungan, /mou, /replikasi) is guarded to the tenant
admins of the regency in the URL, validates every field (422 with the reasons, nothing written)
and audits every change in the same transaction. The public side (/inovasi, /replikasi) reads
only the platform projection the service maintains, never a regency's own tables.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from babel.dates import format_date
from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
from satupintu.audit import service as audit
from satupintu.forms import Form, Invalid
from satupintu.i18n import gettext as _
from satupintu.security import Principal, current_principal, tenant_admin
from satupintu.tenancy import resolve
from satupintu.tenants.models import Tenant
from satupintu.transfer import service
from satupintu.transfer.models import (
    Innovation,
    InnovationCategory,
    InnovationStatus,
    LinkKind,
    Mou,
    MouStatus,
    StudyVisit,
    VisitRole,
)

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
KEY = r"[a-z0-9]+(-[a-z0-9]+)*"


async def provide_admin_tenant(slug: str, db_session: AsyncSession) -> Tenant:
    return await resolve(db_session, slug, allow_onboarding=True)


def _me(request: Request) -> Principal:
    return request.scope["principal"]


def long_date(moment: Any) -> str:
    if moment is None:
        return ""
    return format_date(moment, format="long", locale="id_ID" if i18n.current_locale.get() == "id" else "en_GB")


def labels() -> dict[str, dict[str, str]]:
    """Display names of the stored choices, in the reader's language."""
    return {
        "categories": {
            InnovationCategory.INTEGRATED: _("Integrated services (MPP)"),
            InnovationCategory.CIVIL_REGISTRATION: _("Civil registration"),
            InnovationCategory.PERMITS: _("Permits"),
            InnovationCategory.COMPLAINTS: _("Complaints"),
            InnovationCategory.VILLAGE: _("Digital village"),
            InnovationCategory.GOVERNANCE: _("Governance and monitoring"),
            InnovationCategory.OTHER: _("Other"),
        },
        "statuses": {
            InnovationStatus.PLANNED: _("Planned"),
            InnovationStatus.PILOT: _("Pilot"),
            InnovationStatus.RUNNING: _("Running"),
            InnovationStatus.STOPPED: _("Stopped"),
        },
        "mou_statuses": {
            MouStatus.DRAFT: _("Draft"),
            MouStatus.SIGNED: _("Signed"),
            MouStatus.ACTIVE: _("Active"),
            MouStatus.ENDED: _("Ended"),
        },
        "roles": {VisitRole.HOST: _("We hosted them"), VisitRole.VISITOR: _("We visited them")},
        "kinds": {LinkKind.REPLICATED: _("replicated on SatuPintu"),
                  LinkKind.STUDY_VISIT: _("learned during a study visit")},
    }


def _page(name: str, tenant: Tenant | None, status: int = 200, **context: Any) -> Template:
    return Template(name, status_code=status, context={
        "tenant": tenant, "errors": {}, "values": {}, "labels": labels(), "long_date": long_date, **context})


def _done(tenant: Tenant, path: str) -> Redirect:
    return Redirect(f"/{tenant.slug}/admin/{path}", status_code=303)


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
    return _page("admin/transfer_innovations.html", tenant, status, section="innovations",
                 rows=await service.innovations(session), **context)


@get("/inovasi", name="admin:innovations")
async def innovations(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _innovations_page(db_session, tenant)


@post("/inovasi", name="admin:innovation-create")
async def innovation_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                            data: FormData) -> Template | Redirect:
    form = Form(data)
    key = form.text("key", required=True, max_length=60, pattern=KEY,
                    pattern_message=_("Use lowercase letters, digits and hyphens, e.g. mal-pelayanan-publik."))
    values = _innovation_values(form)
    if key and "key" not in form.errors and await service.get_innovation(db_session, key):
        form.errors["key"] = _("An innovation with this key already exists.")
    try:
        form.check()
    except Invalid as exc:
        return await _innovations_page(db_session, tenant, 422, errors=exc.errors, values=form.data)
    innovation = Innovation(key=key, **{**values, "category": InnovationCategory(values["category"]),
                                        "status": InnovationStatus(values["status"])})
    db_session.add(innovation)
    await service.publish(db_session, tenant, innovation)
    await audit.record(db_session, _me(request), "create", "innovation", key, None,
                       audit.snapshot(innovation, service.INNOVATION_FIELDS))
    return _done(tenant, "inovasi")


async def _innovation_or_404(session: AsyncSession, key: str) -> Innovation:
    innovation = await service.get_innovation(session, key[:60])
    if innovation is None:
        raise NotFoundException()
    return innovation


@get("/inovasi/{key:str}", name="admin:innovation")
async def innovation_form(tenant: Tenant, db_session: AsyncSession, key: str) -> Template:
    return _page("admin/transfer_innovation_form.html", tenant, section="innovations",
                 row=await _innovation_or_404(db_session, key))


@post("/inovasi/{key:str}", name="admin:innovation-save")
async def innovation_save(request: Request, tenant: Tenant, db_session: AsyncSession, key: str,
                          data: FormData) -> Template | Redirect:
    innovation = await _innovation_or_404(db_session, key)
    form = Form(data)
    values = _innovation_values(form)
    try:
        form.check()
    except Invalid as exc:
        return _page("admin/transfer_innovation_form.html", tenant, 422, section="innovations", row=innovation,
                     errors=exc.errors, values=form.data)
    before = audit.snapshot(innovation, service.INNOVATION_FIELDS)
    for name, value in values.items():
        setattr(innovation, name, value)
    innovation.category, innovation.status = InnovationCategory(values["category"]), InnovationStatus(values["status"])
    await service.publish(db_session, tenant, innovation)
    await audit.record(db_session, _me(request), "update", "innovation", innovation.key, before,
                       audit.snapshot(innovation, service.INNOVATION_FIELDS))
    return _done(tenant, "inovasi")


async def _browse_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    mine = {(i.replicated_from_code, i.replicated_from_key): i for i in await service.innovations(session)
            if i.replicated_from_key}
    return _page("admin/transfer_browse.html", tenant, status, section="innovations", mine=mine,
                 rows=await service.public_innovations(session, exclude_tenant_id=tenant.id), **context)


@get("/replikasi", name="admin:replicate-browse")
async def replicate_browse(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _browse_page(db_session, tenant)


@post("/replikasi", name="admin:replicate")
async def replicate(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    public_id = form.integer("public_id", minimum=1)
    try:
        form.check()
        innovation = await service.replicate(db_session, tenant, public_id)
    except Invalid:
        return await _browse_page(db_session, tenant, 422, errors={"replicate": _("Choose an innovation to replicate.")})
    except service.TransferError as exc:
        return await _browse_page(db_session, tenant, 422, errors={"replicate": str(exc)})
    await audit.record(db_session, _me(request), "replicate", "innovation", innovation.key, None,
                       audit.snapshot(innovation, service.INNOVATION_FIELDS))
    return _done(tenant, f"inovasi/{innovation.key}")


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
    return _page("admin/transfer_visits.html", tenant, status, section="visits",
                 rows=await service.visits(session), **context)


@get("/kunjungan", name="admin:visits")
async def visits(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _visits_page(db_session, tenant)


@post("/kunjungan", name="admin:visit-create")
async def visit_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                       data: FormData) -> Template | Redirect:
    form = Form(data)
    values = _visit_values(form, tenant)
    try:
        form.check()
    except Invalid as exc:
        return await _visits_page(db_session, tenant, 422, errors=exc.errors, values=form.data)
    visit = StudyVisit(**{**values, "role": VisitRole(values["role"])})
    db_session.add(visit)
    await db_session.flush()
    await audit.record(db_session, _me(request), "create", "visit", str(visit.id), None,
                       audit.snapshot(visit, service.VISIT_FIELDS))
    return _done(tenant, "kunjungan")


async def _visit_or_404(session: AsyncSession, visit_id: int) -> StudyVisit:
    visit = await service.get_visit(session, visit_id)
    if visit is None:
        raise NotFoundException()
    return visit


@get("/kunjungan/{visit_id:int}", name="admin:visit")
async def visit_form(tenant: Tenant, db_session: AsyncSession, visit_id: int) -> Template:
    return _page("admin/transfer_visit_form.html", tenant, section="visits",
                 row=await _visit_or_404(db_session, visit_id))


@post("/kunjungan/{visit_id:int}", name="admin:visit-save")
async def visit_save(request: Request, tenant: Tenant, db_session: AsyncSession, visit_id: int,
                     data: FormData) -> Template | Redirect:
    visit = await _visit_or_404(db_session, visit_id)
    form = Form(data)
    values = _visit_values(form, tenant)
    try:
        form.check()
    except Invalid as exc:
        return _page("admin/transfer_visit_form.html", tenant, 422, section="visits", row=visit, errors=exc.errors,
                     values=form.data)
    before = audit.snapshot(visit, service.VISIT_FIELDS)
    for name, value in values.items():
        setattr(visit, name, VisitRole(value) if name == "role" else value)
    await db_session.flush()
    await audit.record(db_session, _me(request), "update", "visit", str(visit.id), before,
                       audit.snapshot(visit, service.VISIT_FIELDS))
    return _done(tenant, "kunjungan")


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
    return _page("admin/transfer_mous.html", tenant, status, section="mous", rows=await service.mous(session),
                 **context)


@get("/mou", name="admin:mous")
async def mous(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _mous_page(db_session, tenant)


@post("/mou", name="admin:mou-create")
async def mou_create(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    values = _mou_values(form, tenant)
    try:
        form.check()
    except Invalid as exc:
        return await _mous_page(db_session, tenant, 422, errors=exc.errors, values=form.data)
    mou = Mou(**{**values, "status": MouStatus(values["status"])})
    db_session.add(mou)
    await db_session.flush()
    await audit.record(db_session, _me(request), "create", "mou", str(mou.id), None,
                       audit.snapshot(mou, service.MOU_FIELDS))
    return _done(tenant, "mou")


async def _mou_or_404(session: AsyncSession, mou_id: int) -> Mou:
    mou = await service.get_mou(session, mou_id)
    if mou is None:
        raise NotFoundException()
    return mou


@get("/mou/{mou_id:int}", name="admin:mou")
async def mou_form(tenant: Tenant, db_session: AsyncSession, mou_id: int) -> Template:
    return _page("admin/transfer_mou_form.html", tenant, section="mous", row=await _mou_or_404(db_session, mou_id))


@post("/mou/{mou_id:int}", name="admin:mou-save")
async def mou_save(request: Request, tenant: Tenant, db_session: AsyncSession, mou_id: int,
                   data: FormData) -> Template | Redirect:
    mou = await _mou_or_404(db_session, mou_id)
    form = Form(data)
    values = _mou_values(form, tenant)
    try:
        form.check()
    except Invalid as exc:
        return _page("admin/transfer_mou_form.html", tenant, 422, section="mous", row=mou, errors=exc.errors,
                     values=form.data)
    before = audit.snapshot(mou, service.MOU_FIELDS)
    for name, value in values.items():
        setattr(mou, name, MouStatus(value) if name == "status" else value)
    await db_session.flush()
    await audit.record(db_session, _me(request), "update", "mou", str(mou.id), before,
                       audit.snapshot(mou, service.MOU_FIELDS))
    return _done(tenant, "mou")


# -- public pages ---------------------------------------------------------------------------------

@get("/inovasi", name="transfer:registry")
async def registry(db_session: AsyncSession,
                   kategori: Annotated[str, Parameter(query="kategori", default="", max_length=40)] = "",
                   daerah: Annotated[str, Parameter(query="daerah", default="", max_length=40)] = "") -> Template:
    category = kategori if kategori in {c.value for c in InnovationCategory} else ""
    everything = await service.public_innovations(db_session)
    regions = sorted({(p.tenant_slug, p.region_name) for p in everything}, key=lambda r: r[1])
    region = daerah if daerah in {slug for slug, _name in regions} else ""
    rows = [p for p in everything if (not category or p.category == category) and (not region or p.tenant_slug == region)]
    return _page("transfer/registry.html", None, rows=rows, regions=regions, category=category, region=region)


@get("/inovasi/{slug:str}/{key:str}", name="transfer:innovation")
async def public_innovation(request: Request, db_session: AsyncSession, slug: str, key: str) -> Template:
    found = await service.public_innovation(db_session, slug[:40], key[:60])
    if found is None:
        raise NotFoundException()
    me = current_principal(request)
    can_replicate = bool(me and me.kind == "staff" and me.role == "tenant_admin" and me.tenant_slug != found.tenant_slug)
    return _page("transfer/innovation.html", None, item=found, can_replicate=can_replicate, me=me)


MAP_ROW = 28  # SVG row height: the diagram is laid out here, not in a script (the CSP forbids inline ones)


@get("/replikasi", name="transfer:map")
async def replication_map(db_session: AsyncSession) -> Template:
    groups = await service.replication_map(db_session)
    sources = [g.name for g in groups]
    targets = sorted({link.target_name for g in groups for link in g.links})
    height = max(len(sources), len(targets), 1) * MAP_ROW + 20
    source_y = {name: 20 + i * MAP_ROW + MAP_ROW // 2 for i, name in enumerate(sources)}
    target_y = {name: 20 + i * MAP_ROW + MAP_ROW // 2 for i, name in enumerate(targets)}
    edges: dict[tuple[str, str], int] = {}
    for group in groups:
        for link in group.links:
            edges[(group.name, link.target_name)] = edges.get((group.name, link.target_name), 0) + 1
    lines = [{"y1": source_y[s], "y2": target_y[t], "width": min(2 + 2 * n, 10), "count": n, "source": s, "target": t}
             for (s, t), n in sorted(edges.items())]
    return _page("transfer/map.html", None, groups=groups, total=sum(len(g.links) for g in groups),
                 svg={"height": height, "sources": source_y, "targets": target_y, "lines": lines})


admin_router = Router(
    path="/{slug:str}/admin",
    guards=[tenant_admin],
    dependencies={"tenant": provide_admin_tenant},
    route_handlers=[innovations, innovation_create, innovation_form, innovation_save, replicate_browse, replicate,
                    visits, visit_create, visit_form, visit_save, mous, mou_create, mou_form, mou_save],
)
public_router = Router(path="/", route_handlers=[registry, public_innovation, replication_map])
