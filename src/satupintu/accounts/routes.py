"""Signing in and out: regency staff at /{slug}/masuk, the ministry and platform at /masuk."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.datastructures import Cookie
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts import service
from satupintu.accounts.models import ON_BEHALF_ROLES, PlatformAccount, StaffAccount
from satupintu.accounts.sessions import rotate
from satupintu.forms import has_control
from satupintu.i18n import gettext as _
from satupintu.security import rate_limit, seal, unseal
from satupintu.tenancy import resolve
from satupintu.web import absolute_url

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
login_rate_limit = rate_limit("sign-in", "minute", 20)
"""Per client address, on the sign-in forms only: slows guessing across many accounts."""


def safe_next(target: str | None, default: str) -> str:
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:500]
    return default


def _text(form: dict[str, Any], name: str, limit: int = 500) -> str:
    """A sign-in field; one with control characters counts as empty (the sign-in then fails)."""
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) and not has_control(value) else ""


@get("/{slug:str}/masuk", name="accounts:tenant-login")
async def tenant_login_form(slug: str, db_session: AsyncSession, next: str | None = None) -> Template:  # noqa: A002
    tenant = await resolve(db_session, slug, allow_onboarding=True)
    return Template("accounts/login.html", context={"tenant": tenant, "next": safe_next(next, ""), "error": None,
                                                    "email": "", "sso": await _has_sso(db_session)})


async def _has_sso(session: AsyncSession) -> bool:
    from satupintu.accounts import oidc

    return await oidc.tenant_provider(session) is not None


SIGN_IN_OUT = {"read_only_may": True}
"""Signing in and out is allowed to read-only roles (see ``security.read_only``)."""


@post("/{slug:str}/masuk", name="accounts:tenant-login-submit", middleware=[login_rate_limit.middleware],
      status_code=200, opt=SIGN_IN_OUT)
async def tenant_login(request: Request, slug: str, db_session: AsyncSession, data: Form) -> Template | Redirect:
    tenant = await resolve(db_session, slug, allow_onboarding=True)
    email, target = _text(data, "email", 254), safe_next(_text(data, "next"), f"/{tenant.slug}/admin/")
    result = await service.sign_in(db_session, StaffAccount, email, _text(data, "password", 200))
    if result.account is None:
        await db_session.commit()  # keep the failure count: a 400 answer would otherwise roll it back
        return Template("accounts/login.html", status_code=400, context={
            "tenant": tenant, "next": target, "error": result.error, "email": email,
            "sso": await _has_sso(db_session)})
    if result.account.role.value == "operator" and not _text(data, "next"):
        target = f"/{tenant.slug}/belajar/"
    elif result.account.role in ON_BEHALF_ROLES and not _text(data, "next"):
        target = f"/{tenant.slug}/"  # no console of theirs: the mall's services, where they apply for families
    await rotate(request)
    request.set_session(service.session_data(result.account))
    return Redirect(target, status_code=303)


@post("/{slug:str}/keluar", name="accounts:tenant-logout", status_code=303, opt=SIGN_IN_OUT)
async def tenant_logout(request: Request, slug: str) -> Redirect:
    request.clear_session()
    return Redirect(f"/{slug}/" if slug.isascii() and slug.replace("-", "").isalnum() else "/", status_code=303)


@get("/masuk", name="accounts:platform-login")
async def platform_login_form(next: str | None = None) -> Template:  # noqa: A002
    from satupintu.accounts import oidc

    return Template("accounts/login.html", context={"tenant": None, "next": safe_next(next, ""), "error": None,
                                                    "email": "", "sso": oidc.ministry_configured()})


@post("/masuk", name="accounts:platform-login-submit", middleware=[login_rate_limit.middleware], status_code=200,
      opt=SIGN_IN_OUT)
async def platform_login(request: Request, db_session: AsyncSession, data: Form) -> Template | Redirect:
    from satupintu.accounts import oidc

    email = _text(data, "email", 254)
    result = await service.sign_in(db_session, PlatformAccount, email, _text(data, "password", 200))
    if result.account is None:
        await db_session.commit()
        return Template("accounts/login.html", status_code=400, context={
            "tenant": None, "next": safe_next(_text(data, "next"), ""), "error": result.error, "email": email,
            "sso": oidc.ministry_configured()})
    await rotate(request)
    request.set_session(service.session_data(result.account))
    default = "/platform" if result.account.role.value == "platform_admin" else "/kementerian/"
    return Redirect(safe_next(_text(data, "next"), default), status_code=303)


@post("/keluar", name="accounts:platform-logout", status_code=303, opt=SIGN_IN_OUT)
async def platform_logout(request: Request) -> Redirect:
    request.clear_session()
    return Redirect("/", status_code=303)


oidc_rate_limit = rate_limit("oidc-start", "minute", 10)
"""Starting single sign-on fetches from the provider: per client address, a few per minute."""
PENDING_COOKIE = "satupintu_oidc"
PENDING_SECONDS = 600


def _pending_cookie(request: Request, pending: dict[str, str]) -> Cookie:
    """What the callback needs (state, nonce, PKCE verifier, where to go), sealed into a short-lived
    cookie: an anonymous visitor starting sign-in costs no stored session."""
    settings = request.app.state.settings
    return Cookie(key=PENDING_COOKIE, value=seal(settings.secret_key, json.dumps(pending), "oidc"),
                  max_age=PENDING_SECONDS, httponly=True, samesite="lax", secure=settings.production)


def _take_pending(request: Request) -> dict[str, str] | None:
    token = request.cookies.get(PENDING_COOKIE)
    if not token:
        return None
    try:
        pending = json.loads(unseal(request.app.state.settings.secret_key, token, "oidc", PENDING_SECONDS))
    except ValueError:
        return None
    return pending if isinstance(pending, dict) else None


def _oidc_error(request: Request, tenant: Any, message: str) -> Template:
    """A refused single sign-on: whoever was signed in stays signed in (a GET never signs out)."""
    response = Template("accounts/oidc_error.html", status_code=400, context={"tenant": tenant, "message": message})
    response.delete_cookie(PENDING_COOKIE)
    return response


async def _signed_in(request: Request, account: StaffAccount | PlatformAccount, target: str) -> Redirect:
    await rotate(request)
    request.set_session(service.session_data(account))
    response = Redirect(target, status_code=303)
    response.delete_cookie(PENDING_COOKIE)
    return response


@get("/{slug:str}/masuk/oidc", name="accounts:tenant-oidc", middleware=[oidc_rate_limit.middleware])
async def tenant_oidc_start(request: Request, slug: str, db_session: AsyncSession,
                            next: str | None = None) -> Redirect | Template:  # noqa: A002
    from satupintu.accounts import oidc

    tenant = await resolve(db_session, slug, allow_onboarding=True)
    provider = await oidc.tenant_provider(db_session)
    if provider is None:
        return _oidc_error(request, tenant, _("This region has not set up single sign-on."))
    try:
        config = oidc.tenant_config(provider, request.app.state.settings)
        url, pending = await oidc.start(config, absolute_url(request, f"/{tenant.slug}/masuk/oidc/callback"))
    except (oidc.OIDCError, ValueError) as exc:
        return _oidc_error(request, tenant, str(exc))
    pending["next"] = safe_next(next, f"/{tenant.slug}/admin/")
    return Redirect(url, status_code=303, cookies=[_pending_cookie(request, pending)])


@get("/{slug:str}/masuk/oidc/callback", name="accounts:tenant-oidc-callback")
async def tenant_oidc_callback(request: Request, slug: str, db_session: AsyncSession) -> Redirect | Template:
    from satupintu.accounts import oidc

    tenant = await resolve(db_session, slug, allow_onboarding=True)
    pending = _take_pending(request)
    provider = await oidc.tenant_provider(db_session)
    if provider is None:
        return _oidc_error(request, tenant, _("This region has not set up single sign-on."))
    try:
        config = oidc.tenant_config(provider, request.app.state.settings)
        claims = await oidc.finish(config, pending, dict(request.query_params))
        account = await oidc.staff_account(db_session, config, claims)
    except (oidc.OIDCError, ValueError) as exc:
        return _oidc_error(request, tenant, str(exc))
    return await _signed_in(request, account, safe_next(pending.get("next"), f"/{tenant.slug}/admin/"))


@get("/masuk/oidc", name="accounts:platform-oidc", middleware=[oidc_rate_limit.middleware])
async def platform_oidc_start(request: Request, next: str | None = None) -> Redirect | Template:  # noqa: A002
    from satupintu.accounts import oidc

    config = oidc.ministry_config(request.app.state.settings)
    if config is None:
        return _oidc_error(request, None, _("Single sign-on for the ministry is not set up."))
    try:
        url, pending = await oidc.start(config, absolute_url(request, "/masuk/oidc/callback"))
    except oidc.OIDCError as exc:
        return _oidc_error(request, None, str(exc))
    pending["next"] = safe_next(next, "/kementerian/")
    return Redirect(url, status_code=303, cookies=[_pending_cookie(request, pending)])


@get("/masuk/oidc/callback", name="accounts:platform-oidc-callback")
async def platform_oidc_callback(request: Request, db_session: AsyncSession) -> Redirect | Template:
    from satupintu.accounts import oidc

    pending = _take_pending(request)
    config = oidc.ministry_config(request.app.state.settings)
    if config is None:
        return _oidc_error(request, None, _("Single sign-on for the ministry is not set up."))
    try:
        claims = await oidc.finish(config, pending, dict(request.query_params))
        account = await oidc.platform_account(db_session, config, claims)
    except oidc.OIDCError as exc:
        return _oidc_error(request, None, str(exc))
    return await _signed_in(request, account, safe_next(pending.get("next"), "/kementerian/"))


router = Router(path="/", route_handlers=[
    tenant_login_form, tenant_login, tenant_logout, platform_login_form, platform_login, platform_logout,
    tenant_oidc_start, tenant_oidc_callback, platform_oidc_start, platform_oidc_callback,
])
