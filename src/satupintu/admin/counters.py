"""The counters (loket) at each location, and which agency staffs each."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.admin.locations import locations_page
from satupintu.agencies import service as agencies_service
from satupintu.agencies.forms import counter_values
from satupintu.agencies.models import Counter
from satupintu.forms import Form
from satupintu.handlers import FormData, found, submit
from satupintu.tenants.models import Tenant


async def _counter_page(session: AsyncSession, tenant: Tenant, counter: Counter, status: int = 200,
                        **context: object) -> Template:
    """A counter's form, and what keeps it from being deleted, if anything."""
    blocked = agencies_service.counter_blocked((await agencies_service.counter_use(session)).get(counter.id, 0))
    return page("counter_form", tenant, "locations", status, counter=counter, blocked=blocked,
                locations=await agencies_service.locations(session), agencies=await agencies_service.agencies(session),
                **context)


@post("/loket", name="admin:counter-create")
async def counter_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Template | Redirect:
    form = Form(data)
    values = counter_values(form, await agencies_service.locations(db_session), await agencies_service.agencies(db_session))
    return await submit(request, db_session, form, lambda: agencies_service.create_counter(db_session, values),
                        again=partial(locations_page, db_session, tenant), to=url(tenant, "lokasi"))


@get("/loket/{code:str}", name="admin:counter")
async def counter_form(tenant: Tenant, db_session: AsyncSession, code: str) -> Template:
    return await _counter_page(db_session, tenant, found(await agencies_service.get_counter(db_session, code[:20])))


@post("/loket/{code:str}", name="admin:counter-save")
async def counter_save(request: Request, tenant: Tenant, db_session: AsyncSession, code: str,
                       data: FormData) -> Template | Redirect:
    counter = found(await agencies_service.get_counter(db_session, code[:20]))
    form = Form(data)
    values = counter_values(form, await agencies_service.locations(db_session), await agencies_service.agencies(db_session))
    return await submit(request, db_session, form, lambda: agencies_service.update_counter(db_session, counter, values),
                        again=partial(_counter_page, db_session, tenant, counter), to=url(tenant, "lokasi"))


@post("/loket/{code:str}/hapus", name="admin:counter-delete")
async def counter_delete(request: Request, tenant: Tenant, db_session: AsyncSession, code: str) -> Template | Redirect:
    counter = found(await agencies_service.get_counter(db_session, code[:20]))
    return await submit(request, db_session, Form({}), lambda: agencies_service.delete_counter(db_session, counter),
                        again=partial(locations_page, db_session, tenant), to=url(tenant, "lokasi"))


handlers = [counter_create, counter_form, counter_save, counter_delete]
