"""Citizens' catalogue pages (htmx live search) and the catalogue's JSON API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import caching, i18n
from satupintu.agencies import service as agencies_service
from satupintu.agencies.hours import DAYS
from satupintu.catalogue import service as catalogue_service
from satupintu.catalogue.models import TenantService
from satupintu.catalogue.schemas import ServiceOut
from satupintu.catalogue.shared import SharedCatalogue, load_catalogue
from satupintu.tenancy import provide_tenant
from satupintu.tenants import service as tenants_service
from satupintu.tenants.models import Tenant
from satupintu.web import absolute_url

API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200

Query = Annotated[str, Parameter(query="q", default="", max_length=200)]
Category = Annotated[str | None, Parameter(query="kategori", default=None, max_length=60)]
AgencyKey = Annotated[str | None, Parameter(query="instansi", default=None, max_length=60)]
LifeEvent = Annotated[str | None, Parameter(query="peristiwa", default=None, max_length=60)]
PageNumber = Annotated[str | None, Parameter(query="halaman", default=None, max_length=12,
                                             description="Page number, from 1 (default 1).")]
PageSize = Annotated[str | None, Parameter(query="per_halaman", default=None, max_length=12,
                                           description=f"Services per page, 1 to {API_MAX_PAGE_SIZE} (default {API_PAGE_SIZE}).")]


class ServicePage(msgspec.Struct):
    """One page of a regency's services: ``total`` matches in all, ``next`` the following page or null."""

    items: list[ServiceOut]
    total: int
    page: int
    per_page: int
    next: str | None


class TenantOut(msgspec.Struct):
    slug: str
    name: str
    region_code: str
    province: str
    timezone: str
    url: str
    services_url: str


def _lang() -> str:
    return i18n.current_locale.get()


async def _search(session: AsyncSession, tenant: Tenant, catalogue: SharedCatalogue, q: str, category: str | None,
                  agency: str | None, life_event: str | None,
                  columns: tuple = catalogue_service.LIST_COLUMNS) -> tuple[list[catalogue_service.Finding], dict]:
    agencies = {a.key: a for a in await agencies_service.agencies(session)}
    event = catalogue.life_events.get(life_event) if life_event else None
    names = {code: (c.name_id if _lang() == "id" else c.name_en) for code, c in catalogue.categories.items()}
    findings = await catalogue_service.find_services(
        session, query=q,
        category=category if category in catalogue.categories else None,
        agency_id=agencies[agency].id if agency in agencies else None,
        life_event=event.services if event else None,
        category_names={code: f"{c.name_id} {c.name_en}" for code, c in catalogue.categories.items()},
        columns=columns, revision=tenant.revision,
    )
    return findings, {"agencies": agencies, "categories": names, "event": event}


def _out(row: Any, agency_names: dict[int, str], score: float | None = None) -> ServiceOut:
    text = catalogue_service.localized(row, _lang())
    return ServiceOut(
        code=row.code, name=text["name"].value, name_id=row.name_id, name_en=row.name_en,
        category=row.category, provider_kind=row.provider_kind,
        agency=agency_names.get(row.agency_id) if row.agency_id else None,
        summary=text["summary"].value, requirements=[t.value for t in text["requirements"]],
        steps=[t.value for t in text["steps"]], completion_value=row.completion_value,
        completion_unit=row.completion_unit, cost=row.cost, cost_note=text["cost_note"].value,
        product=text["product"].value, legal_basis=row.legal_basis,
        complaint_channel=text["complaint_channel"].value, score=score,
    )


@get("/{slug:str}/layanan", name="catalogue:list", dependencies={"tenant": provide_tenant})
async def service_list(request: Request, tenant: Tenant, db_session: AsyncSession, q: Query,
                       kategori: Category, instansi: AgencyKey, peristiwa: LifeEvent) -> Response:
    fragment = request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "hasil"

    async def context() -> dict[str, Any]:
        catalogue = load_catalogue()
        findings, extra = await _search(db_session, tenant, catalogue, q, kategori, instansi, peristiwa)
        agency_names = {a.id: a.name for a in extra["agencies"].values()}
        return {
            "tenant": tenant, "findings": findings, "q": q, "kategori": kategori, "instansi": instansi,
            "peristiwa": peristiwa, "categories": extra["categories"], "agencies": extra["agencies"],
            "agency_names": agency_names, "life_events": catalogue.life_events, "event": extra["event"],
            "browse": not (q.strip() or kategori in catalogue.categories or instansi in extra["agencies"]
                           or extra["event"]),
        }

    return await caching.page(request, tenant, "catalogue/_results.html" if fragment else "catalogue/list.html",
                              context)


@get("/{slug:str}/layanan/{code:str}", name="catalogue:detail", dependencies={"tenant": provide_tenant})
async def service_detail(request: Request, tenant: Tenant, db_session: AsyncSession, code: str) -> Response:
    async def context() -> dict[str, Any]:
        row = await catalogue_service.show_service(db_session, code[:60])
        if row is None:
            raise NotFoundException()
        place = await agencies_service.where_served(db_session, row.agency_id, row.counter_id)
        return {
            "tenant": tenant, "service": row, "text": catalogue_service.localized(row, _lang()), "place": place,
            "category": load_catalogue().categories.get(row.category),
            "policy": await tenants_service.get_policy(db_session), "days": DAYS,
            "status": await agencies_service.opening(db_session, place.locations, tenant.timezone.iana),
        }

    return await caching.page(request, tenant, "catalogue/detail.html", context, opening_hours=True)


@get("/api/v1/tenants", name="api:tenants", tags=["tenants"])
async def api_tenants(request: Request, db_session: AsyncSession) -> list[TenantOut]:
    """Every regency whose mall is live."""
    return [TenantOut(t.slug, t.name, t.region_code, t.province, t.timezone.value,
                      absolute_url(request, f"/{t.slug}/"), absolute_url(request, f"/api/v1/tenants/{t.slug}/services"))
            for t in await tenants_service.list_tenants(db_session, public_only=True)]


@get("/api/v1/tenants/{slug:str}/services", name="api:services", tags=["catalogue"],
     dependencies={"tenant": provide_tenant})
async def api_services(request: Request, tenant: Tenant, db_session: AsyncSession, q: Query, kategori: Category,
                       instansi: AgencyKey, peristiwa: LifeEvent, halaman: PageNumber,
                       per_halaman: PageSize) -> Response[ServicePage]:
    """A regency's services, a page at a time, in a stable order (category, name, code); with ``q``
    ranked by relevance to the citizen's words. ``next`` is the address of the following page."""
    number, size = _paging(halaman, per_halaman)

    async def page() -> ServicePage:
        findings, extra = await _search(db_session, tenant, load_catalogue(), q, kategori, instansi, peristiwa,
                                        columns=(TenantService.code,))
        chosen = findings[(number - 1) * size:number * size]
        scores = {f.service.code: f.score for f in chosen}
        names = {a.id: a.name for a in extra["agencies"].values()}
        rows = await catalogue_service.show_services(db_session, [f.service.code for f in chosen])
        following = None
        if number * size < len(findings):
            query = urlencode({**dict(request.query_params), "halaman": number + 1})
            following = absolute_url(request, f"{request.url.path}?{query}")
        return ServicePage([_out(row, names, scores[row.code]) for row in rows], len(findings), number, size,
                           following)

    return await caching.json(request, tenant, page)


def _paging(number: str | None, size: str | None) -> tuple[int, int]:
    """The page number and size asked for; 400 with a message naming the parameter otherwise."""
    _ = i18n.gettext
    problems = []
    page = _whole(number, 1)
    if page is None or page < 1:
        problems.append({"key": "halaman", "message": _("The page number must be a whole number from 1.")})
    per_page = _whole(size, API_PAGE_SIZE)
    if per_page is None or not 1 <= per_page <= API_MAX_PAGE_SIZE:
        problems.append({"key": "per_halaman", "message": _("The page size must be a whole number from 1 to %(max)d.")
                         % {"max": API_MAX_PAGE_SIZE}})
    if problems:
        raise ValidationException(detail=problems[0]["message"], extra=problems)
    return page, per_page


def _whole(value: str | None, default: int) -> int | None:
    if value is None or value == "":
        return default
    return int(value) if value.isdigit() else None


@get("/api/v1/tenants/{slug:str}/services/{code:str}", name="api:service", tags=["catalogue"],
     dependencies={"tenant": provide_tenant})
async def api_service(request: Request, tenant: Tenant, db_session: AsyncSession, code: str) -> Response[ServiceOut]:
    async def service() -> ServiceOut:
        row = await catalogue_service.show_service(db_session, code[:60])
        if row is None:
            raise NotFoundException(detail=i18n.gettext("Service not found"))
        return _out(row, {row.agency_id: await agencies_service.agency_name(db_session, row.agency_id)})

    return await caching.json(request, tenant, service)


router = Router(path="/", route_handlers=[service_list, service_detail, api_tenants, api_services, api_service])
