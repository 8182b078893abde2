"""Permits issued first whose documents are still due, and recording that they are complete."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.applications import permits
from satupintu.applications import service as applications
from satupintu.forms import Form
from satupintu.handlers import FormData, found, me, submit
from satupintu.tenants.models import Tenant


async def _permits_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    return page("permits", tenant, "permits", status, rows=await permits.awaiting_documents(session, tenant),
                days=await permits.deadline_days(session), **context)


@get("/izin", name="admin:permits")
async def permits_awaiting(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _permits_page(db_session, tenant)


@post("/izin/{number:str}/lengkap", name="admin:permit-complete")
async def permit_complete(request: Request, tenant: Tenant, db_session: AsyncSession, number: str,
                          data: FormData) -> Template | Redirect:
    application, permit = found(await permits.find(db_session, number))
    return await submit(request, db_session, Form(data),
                        lambda: permits.complete(db_session, application, permit, me(request)),
                        again=partial(_permits_page, db_session, tenant), to=url(tenant, "izin"),
                        refused={applications.Refused: "number"})


handlers = [permits_awaiting, permit_complete]
