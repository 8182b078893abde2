"""Citizens' catalogue pages (htmx live search) and the catalogue's JSON API."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
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

Query = Annotated[str, Parameter(query="q", default="", max_length=200)]
Category = Annotated[str | None, Parameter(query="kategori", default=None, max_length=60)]
AgencyKey = Annotated[str | None, Parameter(query="instansi", default=None, max_length=60)]
LifeEvent = Annotated[str | None, Parameter(query="peristiwa", default=None, max_length=60)]


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


async def _search(session: AsyncSession, catalogue: SharedCatalogue, q: str, category: str | None,
                  agency: str | None, life_event: str | None) -> tuple[list[catalogue_service.Finding], dict]:
    agencies = {a.key: a for a in await agencies_service.agencies(session)}
    event = catalogue.life_events.get(life_event) if life_event else None
    names = {code: (c.name_id if _lang() == "id" else c.name_en) for code, c in catalogue.categories.items()}
    findings = await catalogue_service.find_services(
        session, query=q,
        category=category if category in catalogue.categories else None,
        agency_id=agencies[agency].id if agency in agencies else None,
        life_event=event.services if event else None,
        category_names={code: f"{c.name_id} {c.name_en}" for code, c in catalogue.categories.items()},
    )
    return findings, {"agencies": agencies, "categories": names, "event": event}


def _out(row: TenantService, agency_names: dict[int, str], score: float | None = None) -> ServiceOut:
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
                       kategori: Category, instansi: AgencyKey, peristiwa: LifeEvent) -> Template:
    catalogue = load_catalogue()
    findings, extra = await _search(db_session, catalogue, q, kategori, instansi, peristiwa)
    agency_names = {a.id: a.name for a in extra["agencies"].values()}
    context = {
        "tenant": tenant, "findings": findings, "q": q, "kategori": kategori, "instansi": instansi,
        "peristiwa": peristiwa, "categories": extra["categories"], "agencies": extra["agencies"],
        "agency_names": agency_names, "life_events": catalogue.life_events, "event": extra["event"],
        "browse": not (q.strip() or kategori in catalogue.categories or instansi in extra["agencies"] or extra["event"]),
    }
    fragment = request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "hasil"
    return Template("catalogue/_results.html" if fragment else "catalogue/list.html", context=context)


@get("/{slug:str}/layanan/{code:str}", name="catalogue:detail", dependencies={"tenant": provide_tenant})
async def service_detail(tenant: Tenant, db_session: AsyncSession, code: str) -> Template:
    row = await catalogue_service.get_service(db_session, code[:60])
    if row is None:
        raise NotFoundException()
    place = await agencies_service.where_served(db_session, row.agency_id, row.counter_id)
    category = load_catalogue().categories.get(row.category)
    return Template("catalogue/detail.html", context={
        "tenant": tenant, "service": row, "text": catalogue_service.localized(row, _lang()), "place": place,
        "category": category, "policy": await tenants_service.get_policy(db_session), "days": DAYS,
        "status": await agencies_service.opening(db_session, place.locations, tenant.timezone.iana),
    })


@get("/api/v1/tenants", name="api:tenants", tags=["tenants"])
async def api_tenants(request: Request, db_session: AsyncSession) -> list[TenantOut]:
    """Every regency whose mall is live."""
    return [TenantOut(t.slug, t.name, t.region_code, t.province, t.timezone.value,
                      absolute_url(request, f"/{t.slug}/"), absolute_url(request, f"/api/v1/tenants/{t.slug}/services"))
            for t in await tenants_service.list_tenants(db_session, public_only=True)]


@get("/api/v1/tenants/{slug:str}/services", name="api:services", tags=["catalogue"],
     dependencies={"tenant": provide_tenant})
async def api_services(tenant: Tenant, db_session: AsyncSession, q: Query, kategori: Category,
                       instansi: AgencyKey, peristiwa: LifeEvent) -> list[ServiceOut]:
    """A regency's services; with ``q`` ranked by relevance to the citizen's words."""
    findings, extra = await _search(db_session, load_catalogue(), q, kategori, instansi, peristiwa)
    names = {a.id: a.name for a in extra["agencies"].values()}
    return [_out(f.service, names, f.score) for f in findings]


@get("/api/v1/tenants/{slug:str}/services/{code:str}", name="api:service", tags=["catalogue"],
     dependencies={"tenant": provide_tenant})
async def api_service(tenant: Tenant, db_session: AsyncSession, code: str) -> ServiceOut:
    row = await catalogue_service.get_service(db_session, code[:60])
    if row is None:
        raise NotFoundException(detail=i18n.gettext("Service not found"))
    names = {a.id: a.name for a in await agencies_service.agencies(db_session)}
    return _out(row, names)


router = Router(path="/", route_handlers=[service_list, service_detail, api_tenants, api_services, api_service])
