"""Village service points: the regency's villages, their operators, and volume and completion per village."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.applications import villages
from satupintu.forms import Form
from satupintu.handlers import FormData, submit
from satupintu.tenants.models import Tenant


async def _villages_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    return page("villages", tenant, "villages", status, rows=await villages.figures(session),
                operators=await villages.operators(session), **context)


@get("/desa", name="admin:villages")
async def village_points(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _villages_page(db_session, tenant)


@post("/desa", name="admin:village-add")
async def village_add(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    code, name = form.text("code", required=True, max_length=20), form.text("name", required=True, max_length=200)
    return await submit(request, db_session, form, lambda: villages.add(db_session, tenant, code, name),
                        again=partial(_villages_page, db_session, tenant), to=url(tenant, "desa"))


@post("/desa/operator", name="admin:village-operator")
async def village_operator(request: Request, tenant: Tenant, db_session: AsyncSession,
                           data: FormData) -> Template | Redirect:
    form = Form(data)
    village_id, staff_id = form.text("village_id", required=True, max_length=12), form.text("staff_id", required=True,
                                                                                              max_length=12)
    return await submit(request, db_session, form, lambda: villages.assign(db_session, village_id, staff_id),
                        again=partial(_villages_page, db_session, tenant), to=url(tenant, "desa"))


handlers = [village_points, village_add, village_operator]
