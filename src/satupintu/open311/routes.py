"""Open311 GeoReport v2 at ``/{slug}/open311/v2/``: discovery, services, service definitions, service
requests (read and filed), and tokens, each as ``.xml`` or ``.json`` by the path's extension.

Handlers read the path, query and form, call :mod:`satupintu.open311.service` and render with
:mod:`satupintu.open311.georeport`. Every error under this path, the regency's own (unknown,
suspended) included, answers in the spec's error list, in the format the path asked for (XML when it
named none). Not in the OpenAPI schema: the spec, with its XML, is the contract.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.handlers import FormData
from satupintu.i18n import gettext as _
from satupintu.open311 import georeport, service
from satupintu.open311.service import Open311Error
from satupintu.tenancy import TenantNotFound, TenantSuspended, provide_tenant
from satupintu.tenants.models import Tenant
from satupintu.web import SHARED, absolute_url

PREFIX = "/{slug:str}/open311/v2"
Query = Annotated[str | None, Parameter(max_length=4000)]
Jurisdiction = Annotated[str | None, Parameter(query="jurisdiction_id", max_length=200)]


def _format(request: Request) -> str:
    """``xml`` or ``json`` from the last path segment's extension; anything else is not found (in XML)."""
    last = request.url.path.rsplit("/", 1)[-1]
    fmt = last.rsplit(".", 1)[-1] if "." in last else ""
    if fmt not in georeport.MEDIA_TYPES:
        raise Open311Error(404, _("Ask for a format: .xml or .json at the end of the address."))
    return fmt


def _name(value: str) -> str:
    """The path segment without its format extension: ``kualitas-layanan.xml`` -> ``kualitas-layanan``."""
    return value.rsplit(".", 1)[0]


def _checked(request: Request, tenant: Tenant, jurisdiction_id: str | None) -> str:
    fmt = _format(request)
    service.jurisdiction_problem(tenant, jurisdiction_id, request.app.state.settings.tenant_hosts)
    request.scope[SHARED] = True  # the same for every client: no cookie of one visitor on it
    return fmt


def _error(request: Request, exc: Exception) -> Response[bytes]:
    last = request.url.path.rsplit("/", 1)[-1]
    fmt = "json" if last.endswith(".json") else "xml"
    if isinstance(exc, Open311Error):
        return georeport.errors(fmt, exc.status, *exc.descriptions)
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    text = {403: _("This regency's services are suspended."), 404: _("Not found."),
            405: _("This method is not allowed here.")}.get(status, _("The request is invalid."))
    return georeport.errors(fmt, status if status in (400, 403, 404, 405) else 400, text)


@get(["/discovery.xml", "/discovery.json"], name="open311:discovery")
async def discovery(request: Request, tenant: Tenant, db_session: AsyncSession,
                    jurisdiction_id: Jurisdiction = None) -> Response[bytes]:
    fmt = _checked(request, tenant, jurisdiction_id)
    document = await service.discovery(
        db_session, tenant, endpoint_url=absolute_url(request, f"/{tenant.slug}/open311/v2"),
        console_url=absolute_url(request, f"/{tenant.slug}/admin/kunci-api"),
        complaint_url=absolute_url(request, f"/{tenant.slug}/pengaduan"))
    return georeport.render(fmt, "discovery", document)


@get(["/services.xml", "/services.json"], name="open311:services")
async def services(request: Request, tenant: Tenant, db_session: AsyncSession,
                   jurisdiction_id: Jurisdiction = None) -> Response[bytes]:
    fmt = _checked(request, tenant, jurisdiction_id)
    return georeport.render(fmt, "services", await service.services(db_session))


@get("/services/{code:str}", name="open311:service-definition")
async def definition(request: Request, tenant: Tenant, db_session: AsyncSession, code: str,
                     jurisdiction_id: Jurisdiction = None) -> Response[bytes]:
    fmt = _checked(request, tenant, jurisdiction_id)
    return georeport.render(fmt, "service_definition", await service.definition(db_session, _name(code)))


@get(["/requests.xml", "/requests.json"], name="open311:requests")
async def requests(request: Request, tenant: Tenant, db_session: AsyncSession, jurisdiction_id: Jurisdiction = None,
                   service_request_id: Query = None, service_code: Query = None, start_date: Query = None,
                   end_date: Query = None, status: Query = None) -> Response[bytes]:
    fmt = _checked(request, tenant, jurisdiction_id)
    found = await service.find(db_session, tenant, service_request_id=service_request_id, service_code=service_code,
                               start_date=start_date, end_date=end_date, status=status)
    return georeport.render(fmt, "service_requests", found)


@post(["/requests.xml", "/requests.json"], name="open311:create-request", status_code=200,
      opt={"exclude_from_csrf": True})
async def create_request(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Response[bytes]:
    """File a complaint (form-encoded, with ``api_key``). Contact details are kept sealed, never returned."""
    fmt = _format(request)
    jurisdiction = data.get("jurisdiction_id")
    service.jurisdiction_problem(tenant, jurisdiction if isinstance(jurisdiction, str) else None,
                                 request.app.state.settings.tenant_hosts)
    created = await service.create(db_session, tenant, data, secret_key=request.app.state.settings.secret_key)
    return georeport.render(fmt, "service_requests", created)


@get("/requests/{request_id:str}", name="open311:request")
async def one_request(request: Request, tenant: Tenant, db_session: AsyncSession, request_id: str,
                      jurisdiction_id: Jurisdiction = None) -> Response[bytes]:
    fmt = _checked(request, tenant, jurisdiction_id)
    return georeport.render(fmt, "service_requests", await service.one(db_session, tenant, _name(request_id)))


@get("/tokens/{token:str}", name="open311:token")
async def token(request: Request, tenant: Tenant, db_session: AsyncSession, token: str,
                jurisdiction_id: Jurisdiction = None) -> Response[bytes]:
    fmt = _checked(request, tenant, jurisdiction_id)
    return georeport.render(fmt, "service_requests", await service.token(db_session, _name(token)))


router = Router(
    path=PREFIX,
    dependencies={"tenant": provide_tenant},
    route_handlers=[discovery, services, definition, requests, create_request, one_request, token],
    # every class the application answers with a page of its own, so that these answer in the spec's format
    exception_handlers={Open311Error: _error, HTTPException: _error, NotFoundException: _error,
                        TenantNotFound: _error, TenantSuspended: _error},
    include_in_schema=False,
)
