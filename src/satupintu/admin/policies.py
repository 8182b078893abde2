"""The regency's local policies: permit first, courier delivery, the complaint response time."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.forms import Form
from satupintu.handlers import FormData, submit
from satupintu.tenants import service as tenants_service
from satupintu.tenants.forms import policy_values
from satupintu.tenants.models import Tenant, TenantPolicy


async def _policies_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    return page("policies", tenant, "policies", status,
                policy=await tenants_service.get_policy(session) or TenantPolicy(), **context)


@get("/kebijakan", name="admin:policies")
async def policies(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _policies_page(db_session, tenant)


@post("/kebijakan", name="admin:policies-save")
async def policies_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    form = Form(data)
    values = policy_values(form)
    return await submit(request, db_session, form, lambda: tenants_service.save_policy(db_session, tenant, values),
                        again=partial(_policies_page, db_session, tenant), to=url(tenant, "kebijakan"))


handlers = [policies, policies_save]
