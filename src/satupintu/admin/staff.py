"""The regency's staff accounts: who may run the console (admins) and serve at counters (operators)."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts import service as accounts_service
from satupintu.accounts.models import STAFF_ROLES, StaffAccount
from satupintu.accounts.sessions import keep_signed_in
from satupintu.admin.common import page, url
from satupintu.agencies import service as agencies_service
from satupintu.forms import Form
from satupintu.handlers import FormData, found, me, submit
from satupintu.tenants.models import Tenant

ROLE_NAMES = {role.value for role in STAFF_ROLES}


async def _staff_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    return page("staff", tenant, "staff", status, staff=await accounts_service.staff(session),
                agencies=await agencies_service.agencies(session), **context)


async def _member_page(session: AsyncSession, tenant: Tenant, account: StaffAccount, status: int = 200,
                       **context: object) -> Template:
    return page("staff_form", tenant, "staff", status, account=account,
                agencies=await agencies_service.agencies(session), **context)


@get("/staf", name="admin:staff")
async def staff(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _staff_page(db_session, tenant)


@post("/staf", name="admin:staff-create")
async def staff_create(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    agencies = {str(a.id): a for a in await agencies_service.agencies(db_session)}
    form = Form(data)
    agency = agencies.get(form.choice("agency_id", agencies, required=False))
    fields = {"email": form.text("email", required=True, max_length=254),
              "name": form.text("name", required=True, max_length=120), "role": form.choice("role", ROLE_NAMES),
              "password": form.raw("password") or None, "agency_id": agency.id if agency else None}
    return await submit(request, db_session, form, lambda: accounts_service.add_staff(db_session, **fields),
                        again=partial(_staff_page, db_session, tenant), to=url(tenant, "staf"))


@get("/staf/{staff_id:int}", name="admin:staff-member")
async def staff_form(tenant: Tenant, db_session: AsyncSession, staff_id: int) -> Template:
    return await _member_page(db_session, tenant, found(await accounts_service.get_staff(db_session, staff_id)))


@post("/staf/{staff_id:int}", name="admin:staff-save")
async def staff_save(request: Request, tenant: Tenant, db_session: AsyncSession, staff_id: int,
                     data: FormData) -> Template | Redirect:
    account = found(await accounts_service.get_staff(db_session, staff_id))
    agencies = {str(a.id): a for a in await agencies_service.agencies(db_session)}
    form = Form(data)
    agency = agencies.get(form.choice("agency_id", agencies, required=False))
    fields = {"name": form.text("name", required=True, max_length=120), "role": form.choice("role", ROLE_NAMES),
              "agency_id": agency.id if agency else None, "active": form.flag("active"),
              "password": form.raw("password")}
    response = await submit(request, db_session, form,
                            lambda: accounts_service.update_staff(db_session, account, acting_id=me(request).id,
                                                                  **fields),
                            again=partial(_member_page, db_session, tenant, account), to=url(tenant, "staf"))
    if isinstance(response, Redirect):
        keep_signed_in(request, account)  # a new password or role ends the other sessions, not this one
    return response


handlers = [staff, staff_create, staff_form, staff_save]
