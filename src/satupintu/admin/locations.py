"""The regency's service locations, their opening hours, and its holidays."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.agencies import service as agencies_service
from satupintu.agencies.forms import location_contact, location_values
from satupintu.agencies.models import Location
from satupintu.forms import Form
from satupintu.handlers import FormData, found, submit
from satupintu.tenants.models import Tenant
from satupintu.tenants.packs import DAYS


async def locations_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    """Locations with their counters (and what keeps each from being deleted), and the holidays:
    where counters and holidays are added too."""
    counter_blocked = {counter_id: agencies_service.counter_blocked(used)
                       for counter_id, used in (await agencies_service.counter_use(session)).items()}
    return page("locations", tenant, "locations", status, counter_blocked=counter_blocked,
                locations=await agencies_service.locations(session), counters=await agencies_service.counters(session),
                agencies=await agencies_service.agencies(session), holidays=await agencies_service.holidays(session),
                days=DAYS, **context)


def _location_page(tenant: Tenant, location: Location, status: int = 200, **context: object) -> Template:
    return page("location_form", tenant, "locations", status, location=location, days=DAYS, **context)


@get("/lokasi", name="admin:locations")
async def locations(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await locations_page(db_session, tenant)


@post("/lokasi", name="admin:location-create")
async def location_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                          data: FormData) -> Template | Redirect:
    form = Form(data)
    values = location_values(form, new=True)
    return await submit(request, db_session, form, lambda: agencies_service.create_location(db_session, values),
                        again=partial(locations_page, db_session, tenant), to=url(tenant, "lokasi"))


@get("/lokasi/{code:str}", name="admin:location")
async def location_form(tenant: Tenant, db_session: AsyncSession, code: str) -> Template:
    return _location_page(tenant, found(await agencies_service.get_location(db_session, code[:40])))


@post("/lokasi/{code:str}", name="admin:location-save")
async def location_save(request: Request, tenant: Tenant, db_session: AsyncSession, code: str,
                        data: FormData) -> Template | Redirect:
    location = found(await agencies_service.get_location(db_session, code[:40]))
    form = Form(data)
    values = {**location_values(form), **location_contact(form)}
    return await submit(request, db_session, form,
                        lambda: agencies_service.update_location(db_session, location, values),
                        again=partial(_location_page, tenant, location), to=url(tenant, "lokasi"))


@post("/libur", name="admin:holiday-create")
async def holiday_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Template | Redirect:
    by_code = {location.code: location for location in await agencies_service.locations(db_session)}
    form = Form(data)
    day = form.day("holiday_day")
    name = form.text("holiday_name", required=True, max_length=120)
    where = by_code.get(form.choice("holiday_location", by_code, required=False))
    return await submit(request, db_session, form, lambda: agencies_service.add_holiday(db_session, day, name, where),
                        again=partial(locations_page, db_session, tenant), to=url(tenant, "lokasi"))


@post("/libur/{holiday_id:int}/hapus", name="admin:holiday-delete")
async def holiday_delete(request: Request, tenant: Tenant, db_session: AsyncSession, holiday_id: int) -> Redirect:
    holiday = found(await agencies_service.get_holiday(db_session, holiday_id))
    return await submit(request, db_session, Form({}), lambda: agencies_service.delete_holiday(db_session, holiday),
                        again=partial(locations_page, db_session, tenant), to=url(tenant, "lokasi"))


handlers = [locations, location_create, location_form, location_save, holiday_create, holiday_delete]
