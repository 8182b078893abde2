"""The regency's own single sign-on: its OpenID Connect provider and which claims grant which role."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts import oidc
from satupintu.accounts import service as accounts_service
from satupintu.admin.common import page, url
from satupintu.forms import Form
from satupintu.handlers import FormData, submit
from satupintu.i18n import gettext as _
from satupintu.tenants.models import Tenant


async def _sso_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    return page("sso", tenant, "sso", status, provider=await accounts_service.identity_provider(session), **context)


@get("/sso", name="admin:sso")
async def sso(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _sso_page(db_session, tenant)


@post("/sso", name="admin:sso-save")
async def sso_save(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    issuer = form.text("issuer", required=True, max_length=300).rstrip("/")
    if issuer and (problem := oidc.issuer_problem(
            issuer, allow_loopback=request.app.state.settings.oidc_allow_loopback)):
        form.errors["issuer"] = problem
    values = {"issuer": issuer, "client_id": form.text("client_id", required=True, max_length=200),
              "role_claim": form.text("role_claim", required=True, max_length=60, pattern=r"[A-Za-z0-9_:.-]+"),
              "admin_values": form.lines("admin_values", max_lines=20, max_length=120),
              "operator_values": form.lines("operator_values", max_lines=20, max_length=120),
              "enabled": form.flag("enabled"), "link_by_email": form.flag("link_by_email"),
              "sync_roles": form.flag("sync_roles")}
    if not values["admin_values"] and not values["operator_values"]:
        form.errors["admin_values"] = _("Name at least one claim value that grants a role.")
    secret = form.raw("client_secret").strip()
    return await submit(request, db_session, form, lambda: accounts_service.save_identity_provider(
        db_session, values, secret, request.app.state.settings.secret_key),
        again=partial(_sso_page, db_session, tenant), to=url(tenant, "sso"))


handlers = [sso, sso_save]
