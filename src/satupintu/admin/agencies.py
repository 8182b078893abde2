"""The regency's agencies: its own offices (OPD), national agencies and state firms at the mall."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.agencies import service as agencies_service
from satupintu.agencies.forms import agency_values
from satupintu.agencies.models import Agency
from satupintu.forms import Form
from satupintu.handlers import FormData, found, submit
from satupintu.tenants.models import Tenant


async def _agencies_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    return page("agencies", tenant, "agencies", status, agencies=await agencies_service.agencies(session), **context)


async def _agency_page(session: AsyncSession, tenant: Tenant, agency: Agency, status: int = 200,
                       **context: object) -> Template:
    """An agency's form, and what keeps it from being deleted, if anything."""
    blocked = agencies_service.agency_blocked(await agencies_service.agency_ties(session, agency))
    return page("agency_form", tenant, "agencies", status, agency=agency, blocked=blocked, **context)


@get("/instansi", name="admin:agencies")
async def agencies(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _agencies_page(db_session, tenant)


@post("/instansi", name="admin:agency-create")
async def agency_create(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    values = agency_values(form, new=True)
    return await submit(request, db_session, form, lambda: agencies_service.create_agency(db_session, values),
                        again=partial(_agencies_page, db_session, tenant), to=url(tenant, "instansi"))


@get("/instansi/{key:str}", name="admin:agency")
async def agency_form(tenant: Tenant, db_session: AsyncSession, key: str) -> Template:
    return await _agency_page(db_session, tenant, found(await agencies_service.get_agency(db_session, key[:60])))


@post("/instansi/{key:str}", name="admin:agency-save")
async def agency_save(request: Request, tenant: Tenant, db_session: AsyncSession, key: str,
                      data: FormData) -> Template | Redirect:
    agency = found(await agencies_service.get_agency(db_session, key[:60]))
    form = Form(data)
    values = agency_values(form, new=False)
    return await submit(request, db_session, form, lambda: agencies_service.update_agency(db_session, agency, values),
                        again=partial(_agency_page, db_session, tenant, agency), to=url(tenant, "instansi"))


@post("/instansi/{key:str}/hapus", name="admin:agency-delete")
async def agency_delete(request: Request, tenant: Tenant, db_session: AsyncSession, key: str) -> Template | Redirect:
    agency = found(await agencies_service.get_agency(db_session, key[:60]))
    return await submit(request, db_session, Form({}), lambda: agencies_service.delete_agency(db_session, agency),
                        again=partial(_agency_page, db_session, tenant, agency), to=url(tenant, "instansi"))


handlers = [agencies, agency_create, agency_form, agency_save, agency_delete]
