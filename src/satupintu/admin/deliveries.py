"""Courier deliveries: the list (addresses masked), one delivery with its address for the courier,
dispatching it, recording the hand-over with the applicant's code, cancelling it."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.applications import delivery
from satupintu.applications import service as applications
from satupintu.forms import Form
from satupintu.handlers import FormData, found, me, submit
from satupintu.tenants.models import Tenant


@get("/antar", name="admin:deliveries")
async def deliveries(tenant: Tenant, db_session: AsyncSession, semua: str = "") -> Template:
    return page("deliveries", tenant, "deliveries", rows=await delivery.deliveries(db_session, active_only=not semua),
                everything=bool(semua), status_name=delivery.status_name)


async def _delivery_page(request: Request, session: AsyncSession, tenant: Tenant, number: str, status: int = 200,
                         **context: object) -> Template:
    application, one = found(await delivery.find(session, number))
    return page("delivery", tenant, "deliveries", status, application=application, delivery=one,
                address=delivery.address_of(one, request.app.state.settings.secret_key),
                status_name=delivery.status_name, **context)


@get("/antar/{number:str}", name="admin:delivery")
async def delivery_detail(request: Request, tenant: Tenant, db_session: AsyncSession, number: str) -> Template:
    return await _delivery_page(request, db_session, tenant, number)


def _step(name: str):  # noqa: ANN202 - a route handler
    async def handler(request: Request, tenant: Tenant, db_session: AsyncSession, number: str,
                      data: FormData) -> Template | Redirect:
        application, one = found(await delivery.find(db_session, number))
        secret_key = request.app.state.settings.secret_key
        steps = {
            "kirim": lambda: delivery.dispatch(db_session, application, one, delivery.partner(), me(request),
                                               secret_key=secret_key),
            "serah": lambda: delivery.hand_over(db_session, application, one, str(data.get("code", ""))[:40],
                                                me(request), secret_key=secret_key),
            "batal": lambda: delivery.cancel(db_session, application, one),
        }
        return await submit(request, db_session, Form(data), steps[name],
                            again=partial(_delivery_page, request, db_session, tenant, number),
                            to=url(tenant, f"antar/{application.tracking_number}"),
                            refused={applications.Refused: "code"})
    return handler


dispatch = post("/antar/{number:str}/kirim", name="admin:delivery-dispatch")(_step("kirim"))
hand_over = post("/antar/{number:str}/serah", name="admin:delivery-hand-over")(_step("serah"))
cancel = post("/antar/{number:str}/batal", name="admin:delivery-cancel")(_step("batal"))

handlers = [deliveries, delivery_detail, dispatch, hand_over, cancel]
