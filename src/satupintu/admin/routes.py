"""The tenant admin console at /{slug}/admin/: a regency's agencies, places, services, staff, sign-on.

Every handler is guarded (tenant admins of this regency only), every change goes through the
same domain services the CLI and packs use, is validated field by field, and is written to the
audit log in the same transaction. A refused change answers 422 and rolls back.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts import oidc
from satupintu.accounts import service as accounts_service
from satupintu.accounts.models import IdentityProvider, Role, StaffAccount
from satupintu.accounts.sessions import keep_signed_in
from satupintu.agencies import service as agencies_service
from satupintu.agencies.forms import location_contact, location_values, new_counter
from satupintu.agencies.models import Agency, AgencyKind, Counter, Holiday, Location, LocationKind
from satupintu.audit import service as audit
from satupintu.catalogue import service as catalogue_service
from satupintu.catalogue.models import TenantService
from satupintu.catalogue.shared import load_catalogue
from satupintu.forms import Form, Invalid
from satupintu.i18n import gettext as _
from satupintu.security import Principal, seal, tenant_admin
from satupintu.tenancy import resolve
from satupintu.tenants import service as tenants_service
from satupintu.tenants.forms import policy_values
from satupintu.tenants.models import Tenant, TenantPolicy
from satupintu.tenants.packs import DAYS

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
KEY = r"[a-z0-9]+(-[a-z0-9]+)*"


async def provide_admin_tenant(slug: str, db_session: AsyncSession) -> Tenant:
    return await resolve(db_session, slug, allow_onboarding=True)


def _me(request: Request) -> Principal:
    return request.scope["principal"]


def _page(name: str, tenant: Tenant, section: str, status: int = 200, **context: Any) -> Template:
    return Template(f"admin/{name}.html", status_code=status,
                    context={"tenant": tenant, "section": section, "errors": {}, **context})


def _done(tenant: Tenant, path: str) -> Redirect:
    return Redirect(f"/{tenant.slug}/admin/{path}", status_code=303)


# -- overview -------------------------------------------------------------------------------------

@get("/", name="admin:index")
async def index(tenant: Tenant, db_session: AsyncSession) -> Template:
    enabled = await db_session.scalar(select(func.count()).select_from(TenantService).where(
        TenantService.enabled.is_(True)))
    unassigned = await db_session.scalar(select(func.count()).select_from(TenantService).where(
        TenantService.enabled.is_(True), TenantService.agency_id.is_(None)))
    counts = {
        "services": enabled, "unassigned": unassigned,
        "agencies": await db_session.scalar(select(func.count()).select_from(Agency)),
        "locations": await db_session.scalar(select(func.count()).select_from(Location)),
        "counters": await db_session.scalar(select(func.count()).select_from(Counter)),
        "staff": await db_session.scalar(select(func.count()).select_from(StaffAccount)),
    }
    return _page("index", tenant, "index", counts=counts, recent=await audit.entries(db_session, limit=8))


# -- services -------------------------------------------------------------------------------------

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
    return _page("services", tenant, "services", rows=rows, agencies=agencies, q=q, kategori=kategori,
                 status_filter=status, categories=load_catalogue().categories)


async def _service_or_404(session: AsyncSession, code: str) -> TenantService:
    row = await catalogue_service.get_service(session, code[:60], enabled_only=False)
    if row is None:
        raise NotFoundException()
    return row


async def _service_form(session: AsyncSession, tenant: Tenant, row: TenantService, status: int = 200,
                        errors: dict | None = None, values: dict | None = None) -> Template:
    return _page("service_form", tenant, "services", status=status, row=row, errors=errors or {},
                 values=values or {}, agencies=await agencies_service.agencies(session),
                 counters=await agencies_service.counters(session, agency_id=row.agency_id) if row.agency_id else [])


@get("/layanan/{code:str}", name="admin:service")
async def service_form(tenant: Tenant, db_session: AsyncSession, code: str) -> Template:
    return await _service_form(db_session, tenant, await _service_or_404(db_session, code))


@post("/layanan/{code:str}", name="admin:service-save")
async def service_save(request: Request, tenant: Tenant, db_session: AsyncSession, code: str,
                       data: FormData) -> Template | Redirect:
    row = await _service_or_404(db_session, code)
    agencies = {str(a.id): a for a in await agencies_service.agencies(db_session)}
    counters = {str(c.id): c for c in await agencies_service.counters(db_session)}
    form = Form(data)
    enabled = form.flag("enabled")
    cost = form.integer("cost", maximum=1_000_000_000)
    cost_note = form.text("cost_note", max_length=500)
    value = form.integer("completion_value", minimum=1, maximum=10_000)
    unit = form.choice("completion_unit", ("menit", "jam", "hari"))
    extra = form.lines("extra_requirements")
    agency_key = form.choice("agency_id", agencies, required=False)
    counter_key = form.choice("counter_id", counters, required=False)
    if enabled and not agency_key:
        form.errors["agency_id"] = _("A service that is offered needs an agency that serves it.")
    problems = catalogue_service.settings_problems(
        cost=cost, cost_note=cost_note, agency_id=agencies[agency_key].id if agency_key else None,
        counter_agency_id=counters[counter_key].agency_id if counter_key else None)
    for name, message in problems.items():
        form.errors.setdefault(name, _(message))
    try:
        form.check()
    except Invalid as exc:
        return await _service_form(db_session, tenant, row, 422, exc.errors, form.data)
    before = audit.snapshot(row, catalogue_service.SETTINGS_FIELDS)
    catalogue_service.change_settings(
        row, enabled=enabled, cost=cost, cost_note=cost_note, completion_value=value, completion_unit=unit,
        extra_requirements=extra, agency_id=agencies[agency_key].id if agency_key else None,
        counter_id=counters[counter_key].id if counter_key else None)
    await db_session.flush()
    await audit.record(db_session, _me(request), "update", "service", row.code, before,
                       audit.snapshot(row, catalogue_service.SETTINGS_FIELDS))
    return _done(tenant, "layanan")


# -- agencies -------------------------------------------------------------------------------------

def _agency_values(form: Form, *, new: bool) -> dict[str, Any]:
    values = {
        "name": form.text("name", required=True, max_length=200),
        "short": form.text("short", max_length=60),
        "kind": form.choice("kind", [k.value for k in AgencyKind]),
    }
    if new:
        values["key"] = form.text("key", required=True, max_length=60, pattern=KEY,
                                  pattern_message=_("Use lowercase letters, digits and hyphens, e.g. dinas-kesehatan."))
    return values


@get("/instansi", name="admin:agencies")
async def agencies(tenant: Tenant, db_session: AsyncSession) -> Template:
    return _page("agencies", tenant, "agencies", agencies=await agencies_service.agencies(db_session), values={})


@post("/instansi", name="admin:agency-create")
async def agency_create(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    values = _agency_values(form, new=True)
    if values["key"] and await agencies_service.get_agency(db_session, values["key"]):
        form.errors["key"] = _("An agency with this key already exists.")
    try:
        form.check()
    except Invalid as exc:
        return _page("agencies", tenant, "agencies", 422, agencies=await agencies_service.agencies(db_session),
                     errors=exc.errors, values=form.data)
    agency = Agency(**{**values, "kind": AgencyKind(values["kind"])}, template=None)
    db_session.add(agency)
    await db_session.flush()
    await audit.record(db_session, _me(request), "create", "agency", agency.key, None,
                       audit.snapshot(agency, agencies_service.AGENCY_FIELDS))
    return _done(tenant, "instansi")


async def _agency_or_404(session: AsyncSession, key: str) -> Agency:
    agency = await agencies_service.get_agency(session, key[:60])
    if agency is None:
        raise NotFoundException()
    return agency


@get("/instansi/{key:str}", name="admin:agency")
async def agency_form(tenant: Tenant, db_session: AsyncSession, key: str) -> Template:
    return _page("agency_form", tenant, "agencies", agency=await _agency_or_404(db_session, key), values={})


@post("/instansi/{key:str}", name="admin:agency-save")
async def agency_save(request: Request, tenant: Tenant, db_session: AsyncSession, key: str,
                      data: FormData) -> Template | Redirect:
    agency = await _agency_or_404(db_session, key)
    form = Form(data)
    values = _agency_values(form, new=False)
    try:
        form.check()
    except Invalid as exc:
        return _page("agency_form", tenant, "agencies", 422, agency=agency, errors=exc.errors, values=form.data)
    before = audit.snapshot(agency, agencies_service.AGENCY_FIELDS)
    agency.name, agency.short, agency.kind = values["name"], values["short"], AgencyKind(values["kind"])
    await db_session.flush()
    await audit.record(db_session, _me(request), "update", "agency", agency.key, before,
                       audit.snapshot(agency, agencies_service.AGENCY_FIELDS))
    return _done(tenant, "instansi")


@post("/instansi/{key:str}/hapus", name="admin:agency-delete")
async def agency_delete(request: Request, tenant: Tenant, db_session: AsyncSession, key: str) -> Template | Redirect:
    agency = await _agency_or_404(db_session, key)
    before = audit.snapshot(agency, agencies_service.AGENCY_FIELDS)
    try:
        await agencies_service.delete_agency(db_session, agency)
    except agencies_service.InUse as exc:
        return _page("agency_form", tenant, "agencies", 422, agency=agency, errors={"delete": str(exc)}, values={})
    await audit.record(db_session, _me(request), "delete", "agency", key, before, None)
    return _done(tenant, "instansi")


# -- locations, counters, holidays ----------------------------------------------------------------

async def _locations_page(session: AsyncSession, tenant: Tenant, status: int = 200, errors: dict | None = None,
                          values: dict | None = None) -> Template:
    return _page("locations", tenant, "locations", status, errors=errors or {}, values=values or {},
                 locations=await agencies_service.locations(session), counters=await agencies_service.counters(session),
                 agencies=await agencies_service.agencies(session), holidays=await agencies_service.holidays(session),
                 days=DAYS)


@get("/lokasi", name="admin:locations")
async def locations(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _locations_page(db_session, tenant)


@post("/lokasi", name="admin:location-create")
async def location_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                          data: FormData) -> Template | Redirect:
    form = Form(data)
    code = form.text("code", required=True, max_length=40, pattern=KEY,
                     pattern_message=_("Use lowercase letters, digits and hyphens, e.g. mpp-kota."))
    values = location_values(form)
    if code and await agencies_service.get_location(db_session, code):
        form.errors["code"] = _("A location with this code already exists.")
    try:
        form.check()
    except Invalid as exc:
        return await _locations_page(db_session, tenant, 422, exc.errors, form.data)
    location = Location(code=code, **{**values, "kind": LocationKind(values["kind"])})
    db_session.add(location)
    await db_session.flush()
    await audit.record(db_session, _me(request), "create", "location", code, None,
                       audit.snapshot(location, agencies_service.LOCATION_FIELDS))
    return _done(tenant, "lokasi")


async def _location_or_404(session: AsyncSession, code: str) -> Location:
    location = await agencies_service.get_location(session, code[:40])
    if location is None:
        raise NotFoundException()
    return location


@get("/lokasi/{code:str}", name="admin:location")
async def location_form(tenant: Tenant, db_session: AsyncSession, code: str) -> Template:
    return _page("location_form", tenant, "locations", location=await _location_or_404(db_session, code),
                 values={}, days=DAYS)


@post("/lokasi/{code:str}", name="admin:location-save")
async def location_save(request: Request, tenant: Tenant, db_session: AsyncSession, code: str,
                        data: FormData) -> Template | Redirect:
    location = await _location_or_404(db_session, code)
    form = Form(data)
    values = {**location_values(form), **location_contact(form)}
    try:
        form.check()
    except Invalid as exc:
        return _page("location_form", tenant, "locations", 422, location=location, errors=exc.errors,
                     values=form.data, days=DAYS)
    before = audit.snapshot(location, agencies_service.LOCATION_FIELDS)
    for name, value in values.items():
        setattr(location, name, LocationKind(value) if name == "kind" else value)
    await db_session.flush()
    await audit.record(db_session, _me(request), "update", "location", code, before,
                       audit.snapshot(location, agencies_service.LOCATION_FIELDS))
    return _done(tenant, "lokasi")


@post("/loket", name="admin:counter-create")
async def counter_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Template | Redirect:
    form = Form(data)
    counter = await new_counter(db_session, form)
    if counter is None:
        return await _locations_page(db_session, tenant, 422, form.errors, form.data)
    db_session.add(counter)
    await db_session.flush()
    await audit.record(db_session, _me(request), "create", "counter", counter.code, None,
                       audit.snapshot(counter, agencies_service.COUNTER_FIELDS))
    return _done(tenant, "lokasi")


@post("/loket/{code:str}/hapus", name="admin:counter-delete")
async def counter_delete(request: Request, tenant: Tenant, db_session: AsyncSession, code: str) -> Template | Redirect:
    counter = await agencies_service.get_counter(db_session, code[:20])
    if counter is None:
        raise NotFoundException()
    before = audit.snapshot(counter, agencies_service.COUNTER_FIELDS)
    try:
        await agencies_service.delete_counter(db_session, counter)
    except agencies_service.InUse as exc:
        return await _locations_page(db_session, tenant, 422, {"counter_delete": str(exc)})
    await audit.record(db_session, _me(request), "delete", "counter", code, before, None)
    return _done(tenant, "lokasi")


@post("/libur", name="admin:holiday-create")
async def holiday_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Template | Redirect:
    locations_by_code = {l.code: l for l in await agencies_service.locations(db_session)}
    form = Form(data)
    day = form.day("holiday_day")
    name = form.text("holiday_name", required=True, max_length=120)
    where = form.choice("holiday_location", locations_by_code, required=False)
    location_id = locations_by_code[where].id if where else None
    same_place = Holiday.location_id.is_(None) if location_id is None else Holiday.location_id == location_id
    if day and await db_session.scalar(select(Holiday).where(Holiday.day == day, same_place)):
        form.errors["holiday_day"] = _("This day is already a holiday there.")
    try:
        form.check()
    except Invalid as exc:
        return await _locations_page(db_session, tenant, 422, exc.errors, form.data)
    holiday = Holiday(day=day, name=name, location_id=location_id)
    db_session.add(holiday)
    await db_session.flush()
    await audit.record(db_session, _me(request), "create", "holiday", day.isoformat(), None,
                       {"day": day.isoformat(), "name": name, "location": where or None})
    return _done(tenant, "lokasi")


@post("/libur/{holiday_id:int}/hapus", name="admin:holiday-delete")
async def holiday_delete(request: Request, tenant: Tenant, db_session: AsyncSession, holiday_id: int) -> Redirect:
    holiday = await db_session.scalar(select(Holiday).where(Holiday.id == holiday_id))
    if holiday is None:
        raise NotFoundException()
    before = {"day": holiday.day.isoformat(), "name": holiday.name}
    await db_session.delete(holiday)
    await db_session.flush()
    await audit.record(db_session, _me(request), "delete", "holiday", before["day"], before, None)
    return _done(tenant, "lokasi")


# -- local policies -------------------------------------------------------------------------------

@get("/kebijakan", name="admin:policies")
async def policies(tenant: Tenant, db_session: AsyncSession) -> Template:
    return _page("policies", tenant, "policies", policy=await tenants_service.get_policy(db_session) or TenantPolicy(),
                 values={})


@post("/kebijakan", name="admin:policies-save")
async def policies_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    form = Form(data)
    values = policy_values(form)
    try:
        form.check()
    except Invalid as exc:
        policy = await tenants_service.get_policy(db_session) or TenantPolicy()
        return _page("policies", tenant, "policies", 422, policy=policy, errors=exc.errors, values=form.data)
    before, after = await tenants_service.save_policy(db_session, values)
    await audit.record(db_session, _me(request), "update" if before else "create", "policy", tenant.slug, before, after)
    return _done(tenant, "kebijakan")


# -- staff ----------------------------------------------------------------------------------------

STAFF_FIELDS = ("email", "name", "role", "agency_id", "active")
ROLE_NAMES = {Role.OPERATOR.value, Role.TENANT_ADMIN.value}


async def _staff_page(session: AsyncSession, tenant: Tenant, status: int = 200, errors: dict | None = None,
                      values: dict | None = None) -> Template:
    staff = list((await session.scalars(select(StaffAccount).order_by(StaffAccount.name))).all())
    return _page("staff", tenant, "staff", status, staff=staff, agencies=await agencies_service.agencies(session),
                 errors=errors or {}, values=values or {})


@get("/staf", name="admin:staff")
async def staff(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _staff_page(db_session, tenant)


@post("/staf", name="admin:staff-create")
async def staff_create(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    agencies_by_id = {str(a.id): a for a in await agencies_service.agencies(db_session)}
    form = Form(data)
    email, name = form.text("email", required=True, max_length=254), form.text("name", required=True, max_length=120)
    role = form.choice("role", ROLE_NAMES)
    agency = form.choice("agency_id", agencies_by_id, required=False)
    password = form.raw("password")
    try:
        form.check()
        account = await accounts_service.create_staff(db_session, email=email, name=name, role=role,
                                                      password=password or None,
                                                      agency_id=agencies_by_id[agency].id if agency else None)
    except Invalid as exc:
        return await _staff_page(db_session, tenant, 422, exc.errors, form.data)
    except accounts_service.AccountError as exc:
        return await _staff_page(db_session, tenant, 422, {exc.field: str(exc)}, form.data)
    await audit.record(db_session, _me(request), "create", "staff", account.email, None,
                       audit.snapshot(account, STAFF_FIELDS))
    return _done(tenant, "staf")


async def _staff_or_404(session: AsyncSession, staff_id: int) -> StaffAccount:
    account = await session.scalar(select(StaffAccount).where(StaffAccount.id == staff_id))
    if account is None:
        raise NotFoundException()
    return account


@get("/staf/{staff_id:int}", name="admin:staff-member")
async def staff_form(tenant: Tenant, db_session: AsyncSession, staff_id: int) -> Template:
    return _page("staff_form", tenant, "staff", account=await _staff_or_404(db_session, staff_id),
                 agencies=await agencies_service.agencies(db_session), values={})


@post("/staf/{staff_id:int}", name="admin:staff-save")
async def staff_save(request: Request, tenant: Tenant, db_session: AsyncSession, staff_id: int,
                     data: FormData) -> Template | Redirect:
    account = await _staff_or_404(db_session, staff_id)
    agencies_by_id = {str(a.id): a for a in await agencies_service.agencies(db_session)}
    form = Form(data)
    name = form.text("name", required=True, max_length=120)
    role = form.choice("role", ROLE_NAMES)
    agency = form.choice("agency_id", agencies_by_id, required=False)
    active = form.flag("active")
    password = form.raw("password")
    me = _me(request)
    if account.id == me.id and (not active or role != Role.TENANT_ADMIN.value):
        form.errors["role"] = _("You cannot remove your own admin role or deactivate yourself.")
    before = audit.snapshot(account, STAFF_FIELDS)
    try:
        form.check()
        if password:
            accounts_service.set_password(account, password)
    except Invalid as exc:
        return _page("staff_form", tenant, "staff", 422, account=account, errors=exc.errors, values=form.data,
                     agencies=list(agencies_by_id.values()))
    except accounts_service.AccountError as exc:
        return _page("staff_form", tenant, "staff", 422, account=account, errors={"password": str(exc)},
                     values=form.data, agencies=list(agencies_by_id.values()))
    account.name, account.role, account.active = name, Role(role), active
    account.agency_id = agencies_by_id[agency].id if agency else None
    await db_session.flush()
    after = audit.snapshot(account, STAFF_FIELDS)
    if password:
        before, after = {**before, "password": "-"}, {**after, "password": _("changed")}
    await audit.record(db_session, me, "update", "staff", account.email, before, after)
    keep_signed_in(request, account)
    return _done(tenant, "staf")


# -- single sign-on -------------------------------------------------------------------------------

SSO_FIELDS = ("issuer", "client_id", "role_claim", "admin_values", "operator_values", "enabled", "link_by_email",
              "sync_roles")


@get("/sso", name="admin:sso")
async def sso(tenant: Tenant, db_session: AsyncSession) -> Template:
    provider = await db_session.scalar(select(IdentityProvider))
    return _page("sso", tenant, "sso", provider=provider, values={})


@post("/sso", name="admin:sso-save")
async def sso_save(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    provider = await db_session.scalar(select(IdentityProvider))
    form = Form(data)
    issuer = form.text("issuer", required=True, max_length=300).rstrip("/")
    if issuer and (problem := oidc.issuer_problem(
            issuer, allow_loopback=request.app.state.settings.oidc_allow_loopback)):
        form.errors["issuer"] = problem
    client_id = form.text("client_id", required=True, max_length=200)
    secret = form.raw("client_secret").strip()
    if provider is None and not secret:
        form.errors["client_secret"] = _("This field is required.")
    values = {"issuer": issuer, "client_id": client_id,
              "role_claim": form.text("role_claim", required=True, max_length=60, pattern=r"[A-Za-z0-9_:.-]+"),
              "admin_values": form.lines("admin_values", max_lines=20, max_length=120),
              "operator_values": form.lines("operator_values", max_lines=20, max_length=120),
              "enabled": form.flag("enabled"), "link_by_email": form.flag("link_by_email"),
              "sync_roles": form.flag("sync_roles")}
    if not values["admin_values"] and not values["operator_values"]:
        form.errors["admin_values"] = _("Name at least one claim value that grants a role.")
    try:
        form.check()
    except Invalid as exc:
        return _page("sso", tenant, "sso", 422, provider=provider, errors=exc.errors, values=form.data)
    before = audit.snapshot(provider, SSO_FIELDS) if provider else None
    if provider is None:
        provider = IdentityProvider(client_secret="")
        db_session.add(provider)
    for name, value in values.items():
        setattr(provider, name, value)
    if secret:
        provider.client_secret = seal(request.app.state.settings.secret_key, secret)
    await db_session.flush()
    after = audit.snapshot(provider, SSO_FIELDS)
    if secret:
        after["client_secret"] = _("changed")
    await audit.record(db_session, _me(request), "update" if before else "create", "sso", provider.issuer, before, after)
    return _done(tenant, "sso")


# -- audit log ------------------------------------------------------------------------------------

ENTITIES = ("service", "agency", "location", "counter", "holiday", "policy", "staff", "sso", "tenant", "innovation",
            "visit", "mou", "survey", "evaluation", "operations")


@get("/audit", name="admin:audit")
async def audit_log(tenant: Tenant, db_session: AsyncSession, aktor: str = "", objek: str = "", dari: str = "",
                    sampai: str = "") -> Template:
    form = Form({"dari": dari, "sampai": sampai})
    since, until = form.day("dari", required=False), form.day("sampai", required=False)
    entries = await audit.entries(db_session, actor=aktor[:100] or None, entity=objek if objek in ENTITIES else None,
                                  since=since, until=until)
    return _page("audit", tenant, "audit", 422 if form.errors else 200, entries=entries, errors=form.errors,
                 values={"aktor": aktor[:100], "objek": objek, "dari": dari[:10], "sampai": sampai[:10]},
                 entities=ENTITIES)


@get("/ekspor", name="admin:export")
async def export(tenant: Tenant, db_session: AsyncSession) -> Response[str]:
    """Download this regency's configuration as a pack, to review or to replicate elsewhere."""
    text = await tenants_service.export_pack(db_session, tenant)
    return Response(text, media_type="application/toml; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{tenant.slug}-tenant.toml"'})


router = Router(
    path="/{slug:str}/admin",
    guards=[tenant_admin],
    dependencies={"tenant": provide_admin_tenant},
    route_handlers=[
        index, services, service_form, service_save, agencies, agency_create, agency_form, agency_save,
        agency_delete, locations, location_create, location_form, location_save, counter_create, counter_delete,
        holiday_create, holiday_delete, policies, policies_save, staff, staff_create, staff_form, staff_save,
        sso, sso_save, audit_log, export,
    ],
)
