"""Applying for a service and following it: the citizen's form and status page, and the JSON API.

Handlers read input, call :mod:`satupintu.applications.service` and render. An application is
addressed by its tracking number only; the NIK, name, phone and e-mail travel in request bodies,
never in a URL, and no page or answer here shows them. A citizen applies without an account (the
form and the API are rate-limited per client address); signed-in staff of the regency apply on a
citizen's behalf through the same form or the API, without that limit.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
from satupintu.accounts.models import STAFF_ROLES, Role
from satupintu.applications import notifications, service, sla
from satupintu.agencies.hours import DAYS
from satupintu.applications.models import AWAY_FROM_THE_COUNTER, Application, Channel, Submitter
from satupintu.applications.schemas import (ApplicationCreated, ApplicationErrorOut, ApplicationIn, ApplicationOut,
                                            DocumentOut, EventOut, SubmittedOut)
from satupintu.catalogue.models import TenantService
from satupintu.forms import Form, Invalid
from satupintu.handlers import FormData, me
from satupintu.i18n import gettext as _
from satupintu.security import Principal, current_principal, rate_limit, tenant_staff
from satupintu.survey import routes as survey_routes
from satupintu.survey import service as survey
from satupintu.tenancy import provide_tenant
from satupintu.tenants.models import Tenant
from satupintu.web import absolute_url

TENANT = {"tenant": provide_tenant}


def staff_here(connection: ASGIConnection) -> Principal | None:
    """The signed-in staff member of the regency in the URL, when there is one."""
    principal = current_principal(connection)
    if principal is not None and principal.kind == "staff" and principal.tenant_slug == connection.path_params.get("slug"):
        return principal
    return None


ON_BEHALF = {Role.MIDWIFE.value: Submitter.MIDWIFE, Role.VILLAGE_OPERATOR.value: Submitter.VILLAGE_OPERATOR}
"""A staff role's kind of submitter; every other staff role submits as staff."""


def submitter_of(staff: Principal | None) -> Submitter:
    """Who an application says entered it: the citizen, or the signed-in staff member's kind."""
    return Submitter.CITIZEN if staff is None else ON_BEHALF.get(staff.role, Submitter.STAFF)


application_rate_limit = rate_limit("application", "hour", 20, exempt=lambda c: staff_here(c) is not None)
"""New applications per client address and hour: a family's worth; staff applying for citizens are not counted."""


def status_path(tenant: Tenant, number: str) -> str:
    return f"/{tenant.slug}/lacak/{number}"


def _english() -> bool:
    return i18n.current_locale.get() == "en"


def _service_name(found: TenantService) -> str:
    return found.name_en if _english() and found.name_en else found.name_id


# --- the citizen's form --------------------------------------------------------------------------


async def _service_or_404(session: AsyncSession, code: str) -> TenantService:
    found = await service.offered_service(session, code)
    if found is None:
        raise NotFoundException()
    return found


async def _apply_page(request: Request, tenant: Tenant, session: AsyncSession, found: TenantService, *,
                      status: int = 200, errors: dict[str, str] | None = None,
                      values: dict[str, str] | None = None) -> Template:
    today = service.local_day(tenant, service.clock())
    requirements = found.requirements_en if _english() and found.requirements_en else found.requirements
    return Template("applications/apply.html", status_code=status, context={
        "tenant": tenant, "service": found, "service_name": _service_name(found), "requirements": requirements or [],
        "due": await sla.due_date(session, found, today), "days": DAYS, "working_days": sla.working_days_needed(found),
        "errors": errors or {}, "values": values or {}, "on_behalf": staff_here(request) is not None,
        "needs_consent": submitter_of(staff_here(request)) in AWAY_FROM_THE_COUNTER})


@get("/{slug:str}/layanan/{code:str}/ajukan", name="applications:apply", dependencies=TENANT)
async def apply_page(request: Request, tenant: Tenant, db_session: AsyncSession, code: str) -> Template:
    """The form: what to bring, when it will be done, and who applies (NIK, name, a contact)."""
    return await _apply_page(request, tenant, db_session, await _service_or_404(db_session, code))


@post("/{slug:str}/layanan/{code:str}/ajukan", name="applications:apply-post", dependencies=TENANT, status_code=303,
      middleware=[application_rate_limit.middleware])
async def apply(request: Request, tenant: Tenant, db_session: AsyncSession, code: str,
                data: FormData) -> Template | Redirect:
    found = await _service_or_404(db_session, code)
    form = Form(data)
    values = {name: form.text(name, max_length=254) for name in ("nik", "name", "phone", "email")}
    values["consent"] = "on" if form.flag("consent") else ""
    staff = staff_here(request)
    submitter = submitter_of(staff)
    try:
        form.check()
        made = await service.submit(
            db_session, tenant, found.code, values["nik"], values["name"], phone=values["phone"] or None,
            email=values["email"] or None, submitted_by=submitter, staff_id=staff.id if staff else None,
            consent=bool(values["consent"]), channel=Channel.COUNTER if submitter == Submitter.STAFF else Channel.WEB,
            language=i18n.current_locale.get(), secret_key=request.app.state.settings.secret_key)
    except Invalid as exc:
        return await _apply_page(request, tenant, db_session, found, status=422, errors=exc.errors, values=values)
    return Redirect(status_path(tenant, made.tracking_number), status_code=303)


# --- following an application --------------------------------------------------------------------


async def application_or_404(session: AsyncSession, number: str) -> Application:
    found = await service.by_tracking_number(session, number)
    if found is None:
        raise NotFoundException(detail=_("There is no application with this tracking number."))
    return found


@get("/{slug:str}/lacak", name="applications:track", dependencies=TENANT)
async def track_page(tenant: Tenant, db_session: AsyncSession,
                     nomor: Annotated[str, Parameter(query="nomor", default="", max_length=40)] = "") -> Template | Redirect:
    """Type a tracking number (a plain GET form) and go to its status page."""
    error = None
    if nomor.strip():
        found = await service.by_tracking_number(db_session, nomor)
        if found is not None:
            return Redirect(status_path(tenant, found.tracking_number), status_code=303)
        error = _("There is no application with this tracking number. Check it on your receipt or message.")
    return Template("applications/track.html", status_code=404 if error else 200,
                    context={"tenant": tenant, "error": error, "number": nomor[:40]})


@get("/{slug:str}/lacak/{tracking_number:str}", name="applications:status", dependencies=TENANT)
async def status_page(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str) -> Template:
    """Where the application stands: its timeline, its checklist and the day it is due."""
    found = await application_or_404(db_session, tracking_number)
    state = await service.status(db_session, tenant, found)
    rate = await survey_routes.invitation(request, tenant, db_session, survey.APPLICATION, found.tracking_number) \
        if found.done_at is not None else None
    return Template("applications/status.html", context={
        "tenant": tenant, "state": state, "service_name": _service_name(state.service), "rate": rate,
        "labels": service.EVENT_LABELS, "documents": service.DOCUMENT_LABELS,
        "times": {step.id: notifications.local_time(tenant, step.at) for step in state.events},
        "zone": tenant.timezone.value, "url": absolute_url(request, status_path(tenant, found.tracking_number)),
        "working_days": sla.working_days_needed(state.service)})


# --- JSON API ------------------------------------------------------------------------------------


def _error(status: int, detail: str, errors: dict[str, str] | None = None) -> Response[ApplicationErrorOut]:
    return Response(ApplicationErrorOut(status_code=status, detail=detail, errors=errors or {}), status_code=status)


API_FIELDS = {"nik": "applicant.nik", "name": "applicant.name", "phone": "applicant.phone",
              "email": "applicant.email"}


@get("/api/v1/tenants/{slug:str}/applications", name="api:applications-mine", tags=["applications"],
     dependencies=TENANT, guards=[tenant_staff(*(role.value for role in STAFF_ROLES))])
async def api_my_applications(request: Request, tenant: Tenant, db_session: AsyncSession) -> list[SubmittedOut]:
    """The applications the signed-in staff member (a midwife, a village operator) submitted, newest
    first: status and due date, the applicant's name masked, never the NIK or contact details."""
    return [SubmittedOut(
        tracking_number=row.application.tracking_number, service=row.service.code,
        service_name=_service_name(row.service), status=row.application.status.value,
        submitted_at=notifications.local_time(tenant, row.application.submitted_at), due_date=row.application.due_date,
        applicant=row.application.name_masked, bundle=row.application.bundle_key,
        status_url=absolute_url(request, status_path(tenant, row.application.tracking_number)))
        for row in await service.submitted_by(db_session, me(request).id)]


@post("/api/v1/tenants/{slug:str}/applications", name="api:applications-create", tags=["applications"],
      dependencies=TENANT, status_code=201, opt={"exclude_from_csrf": True},
      middleware=[application_rate_limit.middleware],
      responses={422: ResponseSpec(ApplicationErrorOut, description="an invalid NIK, name or contact, an unknown "
                                                                     "service: each named in `errors`")})
async def api_apply(request: Request, tenant: Tenant, db_session: AsyncSession,
                    data: ApplicationIn) -> Response[ApplicationCreated | ApplicationErrorOut]:
    """Apply for a service: a citizen for themselves (a phone or an e-mail receives the tracking
    number; rate-limited per client), or signed-in staff of the regency on a citizen's behalf (a
    midwife or a village operator with the applicant's consent)."""
    staff = staff_here(request)
    try:
        made = await service.submit(
            db_session, tenant, data.service, data.applicant.nik, data.applicant.name, phone=data.applicant.phone,
            email=data.applicant.email, answers=data.answers, submitted_by=submitter_of(staff),
            staff_id=staff.id if staff else None, consent=data.consent, channel=Channel.API,
            language=i18n.current_locale.get(), secret_key=request.app.state.settings.secret_key)
    except Invalid as exc:
        errors = {API_FIELDS.get(field, field): message for field, message in exc.errors.items()}
        return _error(422, _("Please correct the following:") + " " + ", ".join(errors), errors)
    return Response(ApplicationCreated(tracking_number=made.tracking_number, status=made.status.value,
                                       due_date=made.due_date,
                                       status_url=absolute_url(request, status_path(tenant, made.tracking_number))),
                    status_code=201)


@get("/api/v1/tenants/{slug:str}/applications/{tracking_number:str}", name="api:application", tags=["applications"],
     dependencies=TENANT)
async def api_application(request: Request, tenant: Tenant, db_session: AsyncSession,
                          tracking_number: str) -> ApplicationOut:
    """Status and timeline of an application: never the NIK, the name or the contact details."""
    found = await application_or_404(db_session, tracking_number)
    state = await service.status(db_session, tenant, found)
    english = _english()
    return ApplicationOut(
        tracking_number=found.tracking_number, service=state.service.code, service_name=_service_name(state.service),
        status=found.status.value, submitted_at=notifications.local_time(tenant, found.submitted_at),
        due_date=found.due_date, overdue=state.overdue,
        status_url=absolute_url(request, status_path(tenant, found.tracking_number)),
        timeline=[EventOut(status=step.status.value, at=notifications.local_time(tenant, step.at), note=step.note)
                  for step in state.events],
        documents=[DocumentOut(name=(doc.name_en or doc.name_id) if english else doc.name_id, status=doc.status.value)
                   for doc in state.documents])


router = Router(path="/", route_handlers=[apply_page, apply, track_page, status_page, api_apply, api_my_applications,
                                          api_application])
