"""The applicant's request for courier delivery, in JSON (the tracking page's form and apps use it).

The NIK and the address travel only in the request body, never in a URL; the answer carries the
hand-over code once, and the status later carries no code, address or NIK.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from msgspec import Meta, Struct
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.applications import delivery
from satupintu.applications import service as applications
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.security import rate_limit
from satupintu.tenancy import provide_tenant
from satupintu.tenants.models import Tenant

TENANT = {"tenant": provide_tenant}
delivery_rate_limit = rate_limit("delivery", "hour", 20)
"""Delivery requests per client address (each needs the applicant's NIK: no guessing at scale)."""
PATH = "/api/v1/tenants/{slug:str}/applications/{tracking_number:str}/delivery"


class DeliveryIn(Struct, forbid_unknown_fields=True):
    nik: Annotated[str, Meta(max_length=40, description="the applicant's NIK, proving it is them; not stored")]
    address: Annotated[str, Meta(max_length=400, description="where the courier brings the document; sealed, "
                                                             "erased at hand-over")]


class DeliveryOut(Struct):
    tracking_number: str
    status: Annotated[str, Meta(description="requested, dispatched, delivered or cancelled")]
    free: Annotated[bool, Meta(description="the regency delivers free; otherwise the fee is paid on hand-over")]
    handover_code: Annotated[str | None, Meta(description="given to the courier at the door; only in the answer "
                                                          "to the request, never shown again")] = None


class DeliveryErrorOut(Struct):
    status_code: int
    detail: Annotated[str, Meta(description="in the request's language")]
    errors: Annotated[dict[str, str], Meta(description="a message per field")] = {}


ERRORS = {409: ResponseSpec(DeliveryErrorOut, description="the service offers no delivery, the document is not "
                                                       "finished yet, or delivery was already requested"),
          422: ResponseSpec(DeliveryErrorOut, description="not the applicant's NIK, or no usable address")}


async def _found(session: AsyncSession, number: str):  # noqa: ANN202 - an Application
    application = await applications.by_tracking_number(session, number)
    if application is None:
        raise NotFoundException()
    return application


@post(PATH, name="api:application-delivery", tags=["applications"], dependencies=TENANT, status_code=201,
      responses=ERRORS, opt={"exclude_from_csrf": True}, middleware=[delivery_rate_limit.middleware])
async def request_delivery(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str,
                           data: DeliveryIn) -> Response[DeliveryOut | DeliveryErrorOut]:
    """Ask for the finished document to be delivered; the answer holds the hand-over code, once."""
    application = await _found(db_session, tracking_number)
    try:
        made = await delivery.request(db_session, application, data.nik, data.address,
                                      secret_key=request.app.state.settings.secret_key)
    except Invalid as exc:
        return Response(DeliveryErrorOut(422, _("Check the fields named."), dict(exc.errors)), status_code=422)
    except applications.Refused as exc:
        return Response(DeliveryErrorOut(exc.status, str(exc)), status_code=exc.status)
    return Response(DeliveryOut(application.tracking_number, made.delivery.status.value, made.delivery.free,
                                made.code), status_code=201)


@get(PATH, name="api:application-delivery-status", tags=["applications"], dependencies=TENANT)
async def delivery_status(tenant: Tenant, db_session: AsyncSession, tracking_number: str) -> DeliveryOut:
    """Where the delivery stands (no code, no address)."""
    application = await _found(db_session, tracking_number)
    found = await delivery.of_application(db_session, application)
    if found is None:
        raise NotFoundException()
    return DeliveryOut(application.tracking_number, found.status.value, found.free)


router = Router(path="/", route_handlers=[request_delivery, delivery_status])
