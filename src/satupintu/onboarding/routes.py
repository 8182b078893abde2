"""Onboarding at /onboarding/...: invitations, requests to join, the wizard and going live.

Platform admins invite regencies or approve their requests at /platform/. The invited officer
accepts at /onboarding/undangan/{token} and becomes the tenant's first admin; any admin of that
tenant then walks (or resumes) the wizard at /onboarding/{slug}/{step}.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts import service as accounts_service
from satupintu.accounts.models import StaffAccount
from satupintu.accounts.sessions import rotate
from satupintu.agencies import service as agencies_service
from satupintu.agencies.forms import location_values, new_counter
from satupintu.agencies.models import Location, LocationKind
from satupintu.audit import service as audit
from satupintu.catalogue.shared import load_catalogue
from satupintu.forms import Form, Invalid
from satupintu.i18n import gettext as _
from satupintu.onboarding import service
from satupintu.onboarding.models import Invitation, JoinRequest, RequestStatus
from satupintu.security import Principal, platform_admin, rate_limit, tenant_admin
from satupintu.tenancy import resolve
from satupintu.web import absolute_url
from satupintu.tenants import service as tenants_service
from satupintu.tenants.forms import policy_values
from satupintu.tenants.models import Tenant, TenantPolicy, TimeZone
from satupintu.tenants.packs import DAYS
from satupintu.tenants.regions import by_province, regions

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
join_rate_limit = rate_limit("join-request", "hour", 5)
"""Anonymous requests to join, per client address: enough for a regency, too few to flood the platform."""


def step_labels() -> dict[str, str]:
    return {"profil": _("Profile"), "lokasi": _("Locations"), "instansi": _("Agencies"), "layanan": _("Services"),
            "loket": _("Counters"), "kebijakan": _("Policies"), "akses": _("Sign-in"), "siap": _("Go live")}


def _me(request: Request) -> Principal:
    return request.scope["principal"]


# -- platform side: invitations and requests --------------------------------------------------------

async def _platform_page(session: AsyncSession, status: int = 200, **context: Any) -> Template:
    invitations = (await session.scalars(select(Invitation).order_by(Invitation.created_at.desc()).limit(50))).all()
    requests = (await session.scalars(select(JoinRequest).where(JoinRequest.status == RequestStatus.PENDING)
                                      .order_by(JoinRequest.created_at))).all()
    tenants = await tenants_service.list_tenants(session)
    return Template("onboarding/platform.html", status_code=status, context={
        "invitations": invitations, "requests": requests, "tenants": tenants, "provinces": by_province(),
        "regions": regions(), "errors": {}, "values": {}, "new_link": None, **context})


@get("/platform", name="onboarding:platform", guards=[platform_admin])
async def platform_home(db_session: AsyncSession) -> Template:
    return await _platform_page(db_session)


def _link(request: Request, token: str) -> str:
    return absolute_url(request, f"/onboarding/undangan/{token}")


@post("/platform/undangan", name="onboarding:invite", guards=[platform_admin], status_code=200)
async def invite(request: Request, db_session: AsyncSession, data: FormData) -> Template:
    form = Form(data)
    code, email = form.text("region_code", required=True, max_length=8), form.text("email", required=True, max_length=254)
    try:
        form.check()
        invitation, token = await service.create_invitation(db_session, code, email, _me(request).email)
    except Invalid as exc:
        return await _platform_page(db_session, 422, errors=exc.errors, values=form.data)
    except accounts_service.AccountError as exc:
        return await _platform_page(db_session, 422, errors={exc.field: str(exc)}, values=form.data)
    except service.OnboardingError as exc:
        return await _platform_page(db_session, 422, errors={"region_code": str(exc)}, values=form.data)
    return await _platform_page(db_session, 200, new_link=_link(request, token), invited=invitation)


@post("/platform/permintaan/{request_id:int}", name="onboarding:decide", guards=[platform_admin], status_code=200)
async def decide(request: Request, db_session: AsyncSession, request_id: int, data: FormData) -> Template:
    form = Form(data)
    approve = form.choice("decision", ("setujui", "tolak")) == "setujui"
    try:
        form.check()
        _request, token = await service.decide(db_session, request_id, approve, _me(request).email)
    except Invalid as exc:
        return await _platform_page(db_session, 422, errors=exc.errors)
    except service.OnboardingError as exc:
        return await _platform_page(db_session, 422, errors={"decision": str(exc)})
    return await _platform_page(db_session, new_link=_link(request, token) if token else None)


@get("/onboarding/daftar", name="onboarding:join")
async def join_form() -> Template:
    return Template("onboarding/join.html", context={"provinces": by_province(), "errors": {}, "values": {},
                                                     "sent": False})


@post("/onboarding/daftar", name="onboarding:join-submit", status_code=200, middleware=[join_rate_limit.middleware])
async def join_submit(db_session: AsyncSession, data: FormData) -> Template:
    form = Form(data)
    values = {name: form.text(name, required=name != "position" and name != "message", max_length=limit)
              for name, limit in (("region_code", 8), ("name", 120), ("email", 254), ("position", 120),
                                  ("message", 2000))}
    try:
        form.check()
        await service.request_to_join(db_session, values["region_code"], values["name"], values["email"],
                                      values["position"], values["message"])
    except Invalid as exc:
        return Template("onboarding/join.html", status_code=422, context={
            "provinces": by_province(), "errors": exc.errors, "values": form.data, "sent": False})
    except (service.OnboardingError, accounts_service.AccountError) as exc:
        return Template("onboarding/join.html", status_code=422, context={
            "provinces": by_province(), "errors": {"region_code": str(exc)}, "values": form.data, "sent": False})
    return Template("onboarding/join.html", context={"provinces": by_province(), "errors": {}, "values": {},
                                                     "sent": True})


@get("/onboarding/undangan/{token:str}", name="onboarding:accept")
async def accept_form(db_session: AsyncSession, token: str) -> Template:
    try:
        invitation = await service.pending_invitation(db_session, token)
    except service.OnboardingError as exc:
        return Template("errors/error.html", status_code=404, context={
            "status": 404, "title": _("Invitation not valid"), "message": str(exc)})
    return Template("onboarding/accept.html", context={"invitation": invitation, "token": token,
                                                       "region": regions()[invitation.region_code],
                                                       "errors": {}, "values": {}})


@post("/onboarding/undangan/{token:str}", name="onboarding:accept-submit", status_code=200)
async def accept(request: Request, db_session: AsyncSession, token: str, data: FormData) -> Template | Redirect:
    form = Form(data)
    name = form.text("name", required=True, max_length=120)
    password, again = form.raw("password"), form.raw("password_again")
    if password != again:
        form.errors["password_again"] = _("The two passwords differ.")
    try:
        form.check()
        tenant, admin = await service.accept_invitation(db_session, token, name, password)
    except (Invalid, service.OnboardingError, accounts_service.AccountError) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"password": str(exc)}
        try:
            invitation = await service.pending_invitation(db_session, token)
        except service.OnboardingError as gone:
            return Template("errors/error.html", status_code=404, context={
                "status": 404, "title": _("Invitation not valid"), "message": str(gone)})
        return Template("onboarding/accept.html", status_code=422, context={
            "invitation": invitation, "token": token, "region": regions()[invitation.region_code],
            "errors": errors, "values": form.data})
    await rotate(request)
    request.set_session(accounts_service.session_data(admin))
    return Redirect(f"/onboarding/{tenant.slug}/profil", status_code=303)


# -- the wizard --------------------------------------------------------------------------------------

async def provide_wizard_tenant(slug: str, db_session: AsyncSession) -> Tenant:
    return await resolve(db_session, slug, allow_onboarding=True)


async def _step(session: AsyncSession, tenant: Tenant, step: str, status: int = 200, **context: Any) -> Template:
    progress = await service.state(session)
    done = progress.steps
    return Template(f"onboarding/{step}.html", status_code=status, context={
        "tenant": tenant, "step": step, "steps": [*service.STEPS, "siap"], "done": done, "labels": step_labels(),
        "position": ([*service.STEPS, "siap"].index(step) + 1), "total": len(service.STEPS) + 1,
        "progress": progress, "errors": {}, "values": {}, **context})


def _next(tenant: Tenant, step: str) -> Redirect:
    order = [*service.STEPS, "siap"]
    return Redirect(f"/onboarding/{tenant.slug}/{order[order.index(step) + 1]}", status_code=303)


async def _finish(session: AsyncSession, request: Request, tenant: Tenant, step: str, entity: str,
                  after: dict | None = None) -> Redirect:
    await service.complete_step(session, step)
    await audit.record(session, _me(request), "update", entity, f"onboarding:{step}", None, after or {"step": step})
    return _next(tenant, step)


@get("/", name="wizard:resume")
async def resume(tenant: Tenant, db_session: AsyncSession) -> Redirect:
    progress = await service.state(db_session)
    return Redirect(f"/onboarding/{tenant.slug}/{service.next_step(progress.steps)}", status_code=303)


@get("/profil", name="wizard:profile")
async def profile(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _step(db_session, tenant, "profil", region=regions().get(tenant.region_code))


@post("/profil", name="wizard:profile-save")
async def profile_save(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    name = form.text("name", required=True, max_length=120)
    timezone = form.choice("timezone", [z.value for z in TimeZone])
    try:
        form.check()
    except Invalid as exc:
        return await _step(db_session, tenant, "profil", 422, errors=exc.errors, values=form.data,
                           region=regions().get(tenant.region_code))
    tenant.name, tenant.timezone = name, TimeZone(timezone)
    return await _finish(db_session, request, tenant, "profil", "tenant", {"name": name, "timezone": timezone})


@get("/lokasi", name="wizard:locations")
async def locations(tenant: Tenant, db_session: AsyncSession) -> Template:
    existing = await agencies_service.locations(db_session)
    return await _step(db_session, tenant, "lokasi", location=existing[0] if existing else None, days=DAYS)


@post("/lokasi", name="wizard:locations-save")
async def locations_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Template | Redirect:
    form = Form(data)
    values = location_values(form)
    if all(v == "tutup" for v in values["hours"].values()):
        form.errors["hours_senin"] = _("Give the opening hours of at least one day.")
    existing = await agencies_service.locations(db_session)
    try:
        form.check()
    except Invalid as exc:
        return await _step(db_session, tenant, "lokasi", 422, errors=exc.errors, values=form.data,
                           location=existing[0] if existing else None, days=DAYS)
    location = existing[0] if existing else Location(code="mpp")
    for name, value in values.items():
        setattr(location, name, LocationKind(value) if name == "kind" else value)
    db_session.add(location)
    await db_session.flush()
    return await _finish(db_session, request, tenant, "lokasi", "location", {"name": location.name})


@get("/instansi", name="wizard:agencies")
async def agencies(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _step(db_session, tenant, "instansi", templates=service.agency_templates(load_catalogue()),
                       agencies=await agencies_service.agencies(db_session),
                       mentors=await service.live_mentors(request.app.state.auth_sessionmaker))


@post("/instansi", name="wizard:agencies-save")
async def agencies_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    catalogue = load_catalogue()
    form = Form(data)
    chosen = form.many("template")
    mentor_slug = form.text("mentor", max_length=40)
    mentor = None
    try:
        if mentor_slug:
            mentor_tenant, mentor_agencies, _codes = await service.mentor_setup(request.app.state.auth_sessionmaker,
                                                                                mentor_slug)
            mentor = (mentor_tenant, mentor_agencies)
        if not chosen and not mentor and not await agencies_service.agencies(db_session):
            raise service.OnboardingError(_("Choose at least one agency, or copy them from a mentor regency."))
        added = await service.add_agencies(db_session, tenant, catalogue, chosen, mentor)
    except service.OnboardingError as exc:
        return await _step(db_session, tenant, "instansi", 422, errors={"template": str(exc)}, values=form.data,
                           templates=service.agency_templates(catalogue),
                           agencies=await agencies_service.agencies(db_session),
                           mentors=await service.live_mentors(request.app.state.auth_sessionmaker))
    return await _finish(db_session, request, tenant, "instansi", "agency", {"added": added})


async def _services_page(request: Request, session: AsyncSession, tenant: Tenant, status: int = 200,
                         **context: Any) -> Template:
    catalogue = load_catalogue()
    return await _step(session, tenant, "layanan", status, categories=catalogue.categories,
                       mentors=await service.live_mentors(request.app.state.auth_sessionmaker),
                       unassigned=await service.unassigned_providers(session), templates=catalogue.agencies,
                       agencies=await agencies_service.agencies(session), **context)


@get("/layanan", name="wizard:services")
async def services(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _services_page(request, db_session, tenant)


@get("/layanan/progres", name="wizard:services-progress")
async def services_progress(tenant: Tenant, db_session: AsyncSession) -> Template:
    progress = await service.state(db_session)
    return Template("onboarding/_import_progress.html", context={"tenant": tenant, "progress": progress})


@post("/layanan", name="wizard:services-save")
async def services_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    catalogue = load_catalogue()
    form = Form(data)
    action = form.choice("action", ("impor", "tugaskan", "lanjut"))
    if action == "impor":
        preset = form.choice("preset", service.PRESETS)
        categories = form.many("kategori")
        mentor_slug = form.text("mentor", max_length=40)
        try:
            form.check()
            mentor_codes: list[str] = []
            if preset == "seperti-mentor":
                _mentor, _agencies, mentor_codes = await service.mentor_setup(request.app.state.auth_sessionmaker,
                                                                              mentor_slug or "banyuwangi")
            codes = sorted(service.preset_codes(catalogue, preset, categories, mentor_codes))
        except Invalid as exc:
            return await _services_page(request, db_session, tenant, 422, errors=exc.errors, values=form.data)
        except service.OnboardingError as exc:
            return await _services_page(request, db_session, tenant, 422, errors={"preset": str(exc)},
                                        values=form.data)
        progress = await service.state(db_session)
        progress.import_status, progress.import_done, progress.import_total = "queued", 0, len(catalogue.services)
        await audit.record(db_session, _me(request), "create", "service", "onboarding:import", None,
                           {"preset": preset, "offered": len(codes)})
        from satupintu.onboarding.tasks import import_services

        return Redirect(f"/onboarding/{tenant.slug}/layanan", status_code=303,
                        background=BackgroundTask(import_services.send, tenant.id, codes))
    if action == "tugaskan":
        agencies = {a.key: a for a in await agencies_service.agencies(db_session)}
        assigned = 0
        for provider in await service.unassigned_providers(db_session):
            key = form.choice(f"assign_{provider}", agencies, required=False)
            if key:
                assigned += await service.assign_provider(db_session, provider, agencies[key])
        try:
            form.check()
        except Invalid as exc:
            await db_session.rollback()
            return await _services_page(request, db_session, tenant, 422, errors=exc.errors, values=form.data)
        await audit.record(db_session, _me(request), "update", "service", "onboarding:assign", None,
                           {"assigned": assigned})
        return Redirect(f"/onboarding/{tenant.slug}/layanan", status_code=303)
    try:
        form.check()
    except Invalid as exc:
        return await _services_page(request, db_session, tenant, 422, errors=exc.errors)
    progress = await service.state(db_session)
    if progress.import_status != "done":
        return await _services_page(request, db_session, tenant, 422,
                                    errors={"preset": _("Import the services first.")})
    return await _finish(db_session, request, tenant, "layanan", "service")


@get("/loket", name="wizard:counters")
async def counters(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _step(db_session, tenant, "loket", counters=await agencies_service.counters(db_session),
                       agencies=await agencies_service.agencies(db_session),
                       locations=await agencies_service.locations(db_session))


@post("/loket", name="wizard:counters-save")
async def counters_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    form = Form(data)
    existing = await agencies_service.counters(db_session)
    counter = None
    if form.raw("action") == "lanjut":
        if not existing:
            form.errors["counter_code"] = _("Add at least one counter.")
    else:
        counter = await new_counter(db_session, form)
    if form.errors:
        return await _step(db_session, tenant, "loket", 422, errors=form.errors, values=form.data,
                           counters=existing, agencies=await agencies_service.agencies(db_session),
                           locations=await agencies_service.locations(db_session))
    if counter is None:
        return await _finish(db_session, request, tenant, "loket", "counter", {"counters": len(existing)})
    db_session.add(counter)
    await db_session.flush()
    await audit.record(db_session, _me(request), "create", "counter", counter.code, None,
                       audit.snapshot(counter, agencies_service.COUNTER_FIELDS))
    return Redirect(f"/onboarding/{tenant.slug}/loket", status_code=303)


@get("/kebijakan", name="wizard:policies")
async def policies(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _step(db_session, tenant, "kebijakan",
                       policy=await tenants_service.get_policy(db_session) or TenantPolicy(complaint_response_hours=4))


@post("/kebijakan", name="wizard:policies-save")
async def policies_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    form = Form(data)
    values = policy_values(form)
    try:
        form.check()
    except Invalid as exc:
        policy = await tenants_service.get_policy(db_session) or TenantPolicy(complaint_response_hours=4)
        return await _step(db_session, tenant, "kebijakan", 422, errors=exc.errors, values=form.data, policy=policy)
    _before, after = await tenants_service.save_policy(db_session, values)
    return await _finish(db_session, request, tenant, "kebijakan", "policy", after)


@get("/akses", name="wizard:access")
async def access(tenant: Tenant, db_session: AsyncSession) -> Template:
    staff = (await db_session.scalars(select(StaffAccount).order_by(StaffAccount.name))).all()
    return await _step(db_session, tenant, "akses", staff=staff)


@post("/akses", name="wizard:access-save")
async def access_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                      data: FormData) -> Template | Redirect:
    form = Form(data)
    if form.raw("action") == "lanjut":
        return await _finish(db_session, request, tenant, "akses", "staff")
    name, email = form.text("name", required=True, max_length=120), form.text("email", required=True, max_length=254)
    role = form.choice("role", ("tenant_admin", "operator"))
    try:
        form.check()
        account = await accounts_service.create_staff(db_session, email=email, name=name, role=role,
                                                      password=form.raw("password") or None)
    except (Invalid, accounts_service.AccountError) as exc:
        staff = (await db_session.scalars(select(StaffAccount).order_by(StaffAccount.name))).all()
        errors = exc.errors if isinstance(exc, Invalid) else {exc.field: str(exc)}
        return await _step(db_session, tenant, "akses", 422, errors=errors, values=form.data, staff=staff)
    await audit.record(db_session, _me(request), "create", "staff", account.email, None,
                       {"email": account.email, "role": role})
    return Redirect(f"/onboarding/{tenant.slug}/akses", status_code=303)


@get("/siap", name="wizard:ready")
async def ready(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _step(db_session, tenant, "siap", checks=await service.readiness(db_session, tenant))


@post("/siap", name="wizard:go-live")
async def go_live(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template | Redirect:
    failing = await service.go_live(db_session, tenant)
    if failing:
        return await _step(db_session, tenant, "siap", 422, checks=await service.readiness(db_session, tenant),
                           errors={c.key: c.label for c in failing})
    await audit.record(db_session, _me(request), "update", "tenant", tenant.slug, {"status": "onboarding"},
                       {"status": "live"})
    return Redirect(f"/{tenant.slug}/", status_code=303)


wizard = Router(
    path="/onboarding/{slug:str}",
    guards=[tenant_admin],
    dependencies={"tenant": provide_wizard_tenant},
    route_handlers=[resume, profile, profile_save, locations, locations_save, agencies, agencies_save, services,
                    services_progress, services_save, counters, counters_save, policies, policies_save, access,
                    access_save, ready, go_live],
)
router = Router(path="/", route_handlers=[platform_home, invite, decide, join_form, join_submit, accept_form, accept,
                                          wizard])
