"""Which services the regency offers, and its own fee, time, requirements, agency, counter and switches (permit
first, courier delivery) for each."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.agencies import service as agencies_service
from satupintu.applications import permits
from satupintu.catalogue import service as catalogue_service
from satupintu.catalogue.models import TenantService
from satupintu.catalogue.shared import load_catalogue
from satupintu.forms import Form
from satupintu.handlers import FormData, found, submit
from satupintu.tenants.models import Tenant


@get("/layanan", name="admin:services")
async def services(tenant: Tenant, db_session: AsyncSession, q: str = "", kategori: str = "",
                   status: str = "") -> Template:
    rows = await catalogue_service.tenant_services(db_session)
    if q:
        needle = q.lower()[:100]
        rows = [r for r in rows if needle in r.name_id.lower() or needle in r.code]
    if kategori:
        rows = [r for r in rows if r.category == kategori]
    if status in {"aktif", "nonaktif"}:
        rows = [r for r in rows if r.enabled == (status == "aktif")]
    elif status == "tawaran":
        rows = [r for r in rows if r.upstream.value == "offered"]
    agencies = {a.id: a for a in await agencies_service.agencies(db_session)}
    return page("services", tenant, "services", rows=rows, agencies=agencies, q=q, kategori=kategori,
                status_filter=status, categories=load_catalogue().categories)


async def _service_page(session: AsyncSession, tenant: Tenant, row: TenantService, status: int = 200,
                        **context: object) -> Template:
    counters = await agencies_service.counters(session, agency_id=row.agency_id) if row.agency_id else []
    return page("service_form", tenant, "services", status, row=row, agencies=await agencies_service.agencies(session),
                counters=counters, deadline_days=await permits.document_days(session), **context)


@get("/layanan/{code:str}", name="admin:service")
async def service_form(tenant: Tenant, db_session: AsyncSession, code: str) -> Template:
    return await _service_page(db_session, tenant, found(await catalogue_service.get_service(db_session, code[:60], enabled_only=False)))


RETENTION_DAYS = (30, 3650)
"""How long the console lets a regency keep an ended application's personal data: a month to ten years."""


@post("/layanan/{code:str}", name="admin:service-save")
async def service_save(request: Request, tenant: Tenant, db_session: AsyncSession, code: str,
                       data: FormData) -> Template | Redirect:
    row = found(await catalogue_service.get_service(db_session, code[:60], enabled_only=False))
    agencies = {str(a.id): a for a in await agencies_service.agencies(db_session)}
    counters = {str(c.id): c for c in await agencies_service.counters(db_session)}
    form = Form(data)
    settings = {
        "enabled": form.flag("enabled"),
        "cost": form.integer("cost", maximum=1_000_000_000),
        "cost_note": form.text("cost_note", max_length=500),
        "completion_value": form.integer("completion_value", minimum=1, maximum=10_000),
        "completion_unit": form.choice("completion_unit", ("menit", "jam", "hari")),
        "extra_requirements": form.lines("extra_requirements"),
        "agency": agencies.get(form.choice("agency_id", agencies, required=False)),
        "counter": counters.get(form.choice("counter_id", counters, required=False)),
        "retention_days": form.integer("retention_days", minimum=RETENTION_DAYS[0], maximum=RETENTION_DAYS[1],
                                       required=False),
        "permit_first": form.flag("permit_first"),
        "delivery": form.flag("delivery"),
    }
    return await submit(request, db_session, form, lambda: catalogue_service.save_settings(db_session, row, **settings),
                        again=partial(_service_page, db_session, tenant, row), to=url(tenant, "layanan"))


handlers = [services, service_form, service_save]
