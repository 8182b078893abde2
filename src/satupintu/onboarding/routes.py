"""Onboarding at /onboarding/...: invitations, requests to join, the wizard and going live.

Platform admins invite regencies or approve their requests at /platform/. The invited officer
accepts at /onboarding/undangan/{token} and becomes the tenant's first admin; any admin of that
tenant then walks (or resumes) the wizard at /onboarding/{slug}/{step}.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Request, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts import service as accounts_service
from satupintu.accounts.sessions import rotate
from satupintu.agencies import service as agencies_service
from satupintu.agencies.forms import counter_values, location_values, week_fields
from satupintu.audit.service import Change
from satupintu.catalogue.shared import load_catalogue
from satupintu.forms import Form, Invalid
from satupintu.handlers import FormData, Page, me, submit
from satupintu.i18n import gettext as _
from satupintu.onboarding import service
from satupintu.onboarding.models import Invitation, JoinRequest, RequestStatus
from satupintu.security import platform_admin, rate_limit, tenant_admin
from satupintu.tenancy import provide_onboarding_tenant
from satupintu.web import absolute_url
from satupintu.tenants import service as tenants_service
from satupintu.tenants.forms import policy_values
from satupintu.tenants.models import Tenant, TenantPolicy, TimeZone
from satupintu.tenants.regions import by_province, regions

join_rate_limit = rate_limit("join-request", "hour", 5)
"""Anonymous requests to join, per client address: enough for a regency, too few to flood the platform."""


def step_labels() -> dict[str, str]:
    return {"profil": _("Profile"), "lokasi": _("Locations"), "instansi": _("Agencies"), "layanan": _("Services"),
            "loket": _("Counters"), "kebijakan": _("Policies"), "akses": _("Sign-in"), "siap": _("Go live")}


# -- platform side: invitations and requests --------------------------------------------------------

async def platform_page(session: AsyncSession, status: int = 200, **context: Any) -> Template:
    invitations = (await session.scalars(select(Invitation).order_by(Invitation.created_at.desc()).limit(50))).all()
    requests = (await session.scalars(select(JoinRequest).where(JoinRequest.status == RequestStatus.PENDING)
                                      .order_by(JoinRequest.created_at))).all()
    tenants = await tenants_service.list_tenants(session)
    return Template("onboarding/platform.html", status_code=status, context={
        "invitations": invitations, "requests": requests, "tenants": tenants, "provinces": by_province(),
        "regions": regions(), "errors": {}, "values": {}, "new_link": None, **context})


@get("/platform", name="onboarding:platform", guards=[platform_admin])
async def platform_home(db_session: AsyncSession) -> Template:
    return await platform_page(db_session)


def invitation_link(request: Request, token: str) -> str:
    return absolute_url(request, f"/onboarding/undangan/{token}")


@post("/platform/undangan", name="onboarding:invite", guards=[platform_admin], status_code=200)
async def invite(request: Request, db_session: AsyncSession, data: FormData) -> Template:
    form = Form(data)
    code, email = form.text("region_code", required=True, max_length=8), form.text("email", required=True, max_length=254)
    try:
        form.check()
        invitation, token = await service.create_invitation(db_session, code, email, me(request).email)
    except Invalid as exc:
        return await platform_page(db_session, 422, errors=exc.errors, values=form.data)
    except accounts_service.AccountError as exc:
        return await platform_page(db_session, 422, errors={exc.field: str(exc)}, values=form.data)
    except service.OnboardingError as exc:
        return await platform_page(db_session, 422, errors={"region_code": str(exc)}, values=form.data)
    return await platform_page(db_session, 200, new_link=invitation_link(request, token), invited=invitation)


@post("/platform/permintaan/{request_id:int}", name="onboarding:decide", guards=[platform_admin], status_code=200)
async def decide(request: Request, db_session: AsyncSession, request_id: int, data: FormData) -> Template:
    form = Form(data)
    approve = form.choice("decision", ("setujui", "tolak")) == "setujui"
    try:
        form.check()
        _request, token = await service.decide(db_session, request_id, approve, me(request).email)
    except Invalid as exc:
        return await platform_page(db_session, 422, errors=exc.errors)
    except service.OnboardingError as exc:
        return await platform_page(db_session, 422, errors={"decision": str(exc)})
    return await platform_page(db_session, new_link=invitation_link(request, token) if token else None)


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
    return Redirect(f"/onboarding/{tenant.slug}/", status_code=303)


# -- the wizard --------------------------------------------------------------------------------------

async def _step(session: AsyncSession, tenant: Tenant, step: str, status: int = 200, *, template: str = "",
                **context: Any) -> Template:
    progress = await service.state(session)
    order = [*service.STEPS, "siap"]
    return Template(template or f"onboarding/{step}.html", status_code=status, context={
        "tenant": tenant, "step": step, "steps": order, "done": progress.steps, "labels": step_labels(),
        "position": order.index(step) + 1, "total": len(order), "progress": progress, "errors": {}, "values": {},
        **context})


def _here(tenant: Tenant, step: str) -> str:
    return f"/onboarding/{tenant.slug}/{step}"


async def _complete(request: Request, session: AsyncSession, tenant: Tenant, step: str, form: Form,
                    save: Any = None, *, again: Page, refused: dict | None = None) -> Template | Redirect:
    """Save a step (through ``save``, when it changes something), mark it done and go to the first
    step not done yet (a step another one completed, such as counters copied with the services, is
    not shown again)."""

    then: list[str] = []

    async def save_and_complete() -> Change:
        change = await save() if save is not None else None
        done = await service.complete_step(session, step)
        then.append(_here(tenant, service.next_step((await service.state(session)).steps)))
        return change or done

    return await submit(request, session, form, save_and_complete, again=again, to=lambda _change: then[0],
                        refused=refused)


@get("/", name="wizard:resume")
async def resume(tenant: Tenant, db_session: AsyncSession) -> Redirect:
    progress = await service.state(db_session)
    return Redirect(_here(tenant, service.next_step(progress.steps)), status_code=303)


async def _profile_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    return await _step(session, tenant, "profil", status, region=regions().get(tenant.region_code), **context)


@get("/profil", name="wizard:profile")
async def profile(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _profile_page(db_session, tenant)


@post("/profil", name="wizard:profile-save")
async def profile_save(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    name = form.text("name", max_length=120) or None  # not a field of the form: the official name is fixed
    timezone = form.choice("timezone", [z.value for z in TimeZone])
    return await _complete(request, db_session, tenant, "profil", form,
                           lambda: tenants_service.update_profile(db_session, tenant, timezone, name=name),
                           again=partial(_profile_page, db_session, tenant))


async def _locations_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    existing = await agencies_service.locations(session)
    location = existing[0] if existing else None
    return await _step(session, tenant, "lokasi", status, location=location,
                       saved=week_fields(location.hours if location else {}), **context)


@get("/lokasi", name="wizard:locations")
async def locations(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _locations_page(db_session, tenant)


@post("/lokasi", name="wizard:locations-save")
async def locations_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Template | Redirect:
    form = Form(data)
    values = location_values(form)
    if all(v == "tutup" for v in values["hours"].values()):
        form.errors["hours_weekdays"] = _("Give the opening hours of at least one day.")
    existing = await agencies_service.locations(db_session)

    async def save() -> Change:
        if existing:
            return await agencies_service.update_location(db_session, existing[0], values)
        return await agencies_service.create_location(db_session, {**values, "code": "mpp"})

    return await _complete(request, db_session, tenant, "lokasi", form, save,
                           again=partial(_locations_page, db_session, tenant))


async def _agencies_page(request: Request, session: AsyncSession, tenant: Tenant, status: int = 200,
                         **context: Any) -> Template:
    return await _step(session, tenant, "instansi", status, templates=service.agency_templates(load_catalogue()),
                       agencies=await agencies_service.agencies(session),
                       mentors=await service.live_mentors(request.app.state.auth_sessionmaker), **context)


@get("/instansi", name="wizard:agencies")
async def agencies(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _agencies_page(request, db_session, tenant)


@post("/instansi", name="wizard:agencies-save")
async def agencies_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    form = Form(data)
    chosen = form.many("template")
    mentor = form.text("mentor", max_length=40)
    return await _complete(request, db_session, tenant, "instansi", form, lambda: service.copy_agencies(
        db_session, request.app.state.auth_sessionmaker, tenant, load_catalogue(), chosen, mentor),
        again=partial(_agencies_page, request, db_session, tenant), refused={service.OnboardingError: "template"})


async def _import_context(request: Request, session: AsyncSession) -> dict[str, Any]:
    """What the services step shows, on the page and in the import's fragment it polls."""
    progress = await service.state(session)
    mentors = await service.live_mentors(request.app.state.auth_sessionmaker)
    return {"progress": progress, "offered": await service.offered_count(session),
            "unassigned": await service.unassigned_providers(session), "templates": load_catalogue().agencies,
            "agencies": await agencies_service.agencies(session), "categories": load_catalogue().categories,
            "mentors": mentors, "mentor": next((m for m in mentors if m.slug == progress.mentor), None)}


async def _services_page(request: Request, session: AsyncSession, tenant: Tenant, status: int = 200,
                         **context: Any) -> Template:
    return await _step(session, tenant, "layanan", status, **{**await _import_context(request, session), **context})


@get("/layanan", name="wizard:services")
async def services(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _services_page(request, db_session, tenant)


@get("/layanan/progres", name="wizard:services-progress")
async def services_progress(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return Template("onboarding/_import_progress.html", context={
        "tenant": tenant, "errors": {}, "values": {}, **await _import_context(request, db_session)})


@post("/layanan", name="wizard:services-save")
async def services_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    """One action at a time: import a starting set (the job runs after this request commits), or,
    once imported, give services without an agency one and continue."""
    form = Form(data)
    again = partial(_services_page, request, db_session, tenant)
    if form.choice("action", ("impor", "lanjut")) == "impor":
        from satupintu.onboarding.tasks import import_services

        preset, categories = form.choice("preset", service.PRESETS), form.many("kategori")
        mentor = form.text("mentor", max_length=40)
        job = service.ImportJob()
        response = await submit(request, db_session, form, lambda: service.queue_import(
            db_session, request.app.state.auth_sessionmaker, tenant, load_catalogue(), preset, categories, mentor, job),
            again=again, to=_here(tenant, "layanan"), refused={service.OnboardingError: "preset"})
        if isinstance(response, Redirect):  # the job starts once this request's transaction is committed
            response.background = BackgroundTask(import_services.send, tenant.id, job.codes, job.placed)
        return response
    by_key = {a.key: a for a in await agencies_service.agencies(db_session)}
    assignments = {provider: by_key[key] for provider in await service.unassigned_providers(db_session)
                   if (key := form.choice(f"assign_{provider}", by_key, required=False))}

    async def assign_and_check() -> Change:
        await service.require_import(db_session)
        return await service.assign_providers(db_session, assignments)

    return await _complete(request, db_session, tenant, "layanan", form, assign_and_check, again=again)


async def _counters_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    return await _step(session, tenant, "loket", status, counters=await agencies_service.counters(session),
                       agencies=await agencies_service.agencies(session),
                       locations=await agencies_service.locations(session), **context)


@get("/loket", name="wizard:counters")
async def counters(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _counters_page(db_session, tenant)


@post("/loket", name="wizard:counters-save")
async def counters_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    form = Form(data)
    again = partial(_counters_page, db_session, tenant)
    if form.raw("action") == "lanjut":
        if not await agencies_service.counters(db_session):
            form.errors["counter_code"] = _("Add at least one counter.")
        return await _complete(request, db_session, tenant, "loket", form, again=again)
    values = counter_values(form, await agencies_service.locations(db_session),
                            await agencies_service.agencies(db_session))
    return await submit(request, db_session, form, lambda: agencies_service.create_counter(db_session, values),
                        again=again, to=_here(tenant, "loket"))


async def _policies_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    policy = await tenants_service.get_policy(session) or TenantPolicy(complaint_response_hours=4)
    return await _step(session, tenant, "kebijakan", status, policy=policy, **context)


@get("/kebijakan", name="wizard:policies")
async def policies(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _policies_page(db_session, tenant)


@post("/kebijakan", name="wizard:policies-save")
async def policies_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    form = Form(data)
    values = policy_values(form)
    return await _complete(request, db_session, tenant, "kebijakan", form,
                           lambda: tenants_service.save_policy(db_session, tenant, values),
                           again=partial(_policies_page, db_session, tenant))


async def _access_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    return await _step(session, tenant, "akses", status, staff=await accounts_service.staff(session), **context)


@get("/akses", name="wizard:access")
async def access(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _access_page(db_session, tenant)


@post("/akses", name="wizard:access-save")
async def access_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                      data: FormData) -> Template | Redirect:
    form = Form(data)
    again = partial(_access_page, db_session, tenant)
    if form.raw("action") == "lanjut":
        return await _complete(request, db_session, tenant, "akses", form, again=again)
    fields = {"name": form.text("name", required=True, max_length=120),
              "email": form.text("email", required=True, max_length=254),
              "role": form.choice("role", ("tenant_admin", "operator")), "password": form.raw("password") or None}
    return await submit(request, db_session, form, lambda: accounts_service.add_staff(db_session, **fields),
                        again=again, to=_here(tenant, "akses"))


async def _ready_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    return await _step(session, tenant, "siap", status, checks=await service.readiness(session, tenant), **context)


@get("/siap", name="wizard:ready")
async def ready(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _ready_page(db_session, tenant)


async def _confirm_page(request: Request, session: AsyncSession, tenant: Tenant, status: int = 200,
                        **context: Any) -> Template:
    return await _step(session, tenant, "siap", status, template="onboarding/konfirmasi.html",
                       public=await service.publication(session), address=absolute_url(request, f"/{tenant.slug}/"),
                       **context)


@get("/siap/konfirmasi", name="wizard:confirm")
async def confirm(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _confirm_page(request, db_session, tenant)


async def _go_live_again(request: Request, session: AsyncSession, tenant: Tenant, status: int,
                         errors: dict[str, str], **context: Any) -> Template:
    """Only the confirmation missing: ask again; a failing check: back to the checklist that names it."""
    if set(errors) == {"confirm"}:
        return await _confirm_page(request, session, tenant, status, errors=errors, **context)
    return await _ready_page(session, tenant, status, errors=errors, **context)


@post("/siap", name="wizard:go-live")
async def go_live(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    confirmed = form.flag("confirm")
    return await submit(request, db_session, form, lambda: service.go_live(db_session, tenant, confirmed),
                        again=partial(_go_live_again, request, db_session, tenant), to=f"/{tenant.slug}/")


wizard = Router(
    path="/onboarding/{slug:str}",
    guards=[tenant_admin],
    dependencies={"tenant": provide_onboarding_tenant},
    route_handlers=[resume, profile, profile_save, locations, locations_save, agencies, agencies_save, services,
                    services_progress, services_save, counters, counters_save, policies, policies_save, access,
                    access_save, ready, confirm, go_live],
)
router = Router(path="/", route_handlers=[platform_home, invite, decide, join_form, join_submit, accept_form, accept,
                                          wizard])
