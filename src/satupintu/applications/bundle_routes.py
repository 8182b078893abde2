"""Life-event bundles in JSON: one form fanning out into the services' applications, tracked together.

A citizen submits their own without credentials (rate-limited per client); signed-in staff of the
regency (midwives, village operators, counter staff) submit on a family's behalf with its consent.
The NIK and the family's details travel only in the request body; answers never show the NIK or a name.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from msgspec import Meta, Struct
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
from satupintu.applications import bundles
from satupintu.applications.models import Channel
from satupintu.applications.schemas import ApplicantIn
from satupintu.applications.routes import staff_here, submitter_of
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.security import rate_limit
from satupintu.tenancy import provide_tenant
from satupintu.tenants.models import Tenant
from satupintu.web import absolute_url

TENANT = {"tenant": provide_tenant}
bundle_rate_limit = rate_limit("bundle", "hour", 20, exempt=lambda c: staff_here(c) is not None)
"""A citizen's bundles per client address and hour; staff submitting for families are not counted."""


class BundleIn(Struct, forbid_unknown_fields=True):
    life_event: Annotated[str, Meta(min_length=1, max_length=60, description="a life event's code, e.g. kelahiran")]
    applicant: ApplicantIn
    answers: Annotated[dict[str, Any], Meta(description="the form's answers: a plain key goes to every service, "
                                                        "'<service code>.<key>' to that service only")] | None = None
    consent: Annotated[bool, Meta(description="the family agreed (required when staff submit on its behalf)")] = False


class PartOut(Struct):
    service: str
    tracking_number: str
    status: str
    status_url: str


class BundleOut(Struct):
    number: Annotated[str, Meta(description="the bundle's tracking number (random; no NIK in it)")]
    life_event: str
    done: Annotated[bool, Meta(description="every application is done, ready or delivered")]
    applications: list[PartOut]
    status_url: str


class BundleErrorOut(Struct):
    status_code: int
    detail: Annotated[str, Meta(description="in the request's language")]
    errors: Annotated[dict[str, str], Meta(description="a message per field")] = {}


def _out(request: Request, tenant: Tenant, found: bundles.State) -> BundleOut:
    return BundleOut(
        number=found.bundle.number, life_event=found.bundle.life_event, done=found.done,
        applications=[PartOut(p.service.code, p.application.tracking_number, p.application.status.value,
                              absolute_url(request, f"/{tenant.slug}/lacak/{p.application.tracking_number}"))
                      for p in found.parts],
        status_url=absolute_url(request, f"/api/v1/tenants/{tenant.slug}/bundles/{found.bundle.number}"))


@post("/api/v1/tenants/{slug:str}/bundles", name="api:bundles-create", tags=["applications"], dependencies=TENANT,
      status_code=201, opt={"exclude_from_csrf": True}, middleware=[bundle_rate_limit.middleware],
      responses={422: ResponseSpec(BundleErrorOut, description="unknown life event, a bad NIK or field, no consent")})
async def api_bundle(request: Request, tenant: Tenant, db_session: AsyncSession,
                     data: BundleIn) -> Response[BundleOut | BundleErrorOut]:
    """Submit a life event's form: one application per service the regency offers, tracked together."""
    staff = staff_here(request)
    submitter = submitter_of(staff)
    try:
        bundle, _made = await bundles.submit(
            db_session, tenant, data.life_event, data.applicant.nik, data.applicant.name,
            phone=data.applicant.phone, email=data.applicant.email, answers=data.answers, submitted_by=submitter,
            staff_id=staff.id if staff else None, consent=data.consent, channel=Channel.API,
            language=i18n.current_locale.get(), secret_key=request.app.state.settings.secret_key)
    except Invalid as exc:
        errors = {f"applicant.{k}" if k in ("nik", "name", "phone", "email") else k: v for k, v in exc.errors.items()}
        return Response(BundleErrorOut(422, _("Check the fields named."), errors), status_code=422)
    return Response(_out(request, tenant, await bundles.state(db_session, bundle)), status_code=201)


@get("/api/v1/tenants/{slug:str}/bundles/{number:str}", name="api:bundle", tags=["applications"], dependencies=TENANT)
async def api_bundle_status(request: Request, tenant: Tenant, db_session: AsyncSession, number: str) -> BundleOut:
    """Where each application of the bundle stands; done when all are."""
    found = await bundles.by_number(db_session, number)
    if found is None:
        raise NotFoundException()
    return _out(request, tenant, await bundles.state(db_session, found))


router = Router(path="/", route_handlers=[api_bundle, api_bundle_status])
