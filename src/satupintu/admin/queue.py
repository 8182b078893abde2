"""The regency's queue rules: the priority weight, the declared service time, and online booking
(slot length, the share of a slot's capacity that may be booked, the grace period before a booking
nobody checked in is released, and how many days ahead one may book)."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.forms import Form
from satupintu.handlers import FormData, submit
from satupintu.queue import service
from satupintu.tenants.models import Tenant

SLOT_MINUTES = ("10", "15", "20", "30", "45", "60")


async def _queue_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    return page("queue", tenant, "queue", status, settings=await service.settings_of(session),
                slot_options=[(minutes, minutes) for minutes in SLOT_MINUTES], **context)


def queue_values(form: Form) -> dict[str, int]:
    slot = form.choice("booking_slot_minutes", SLOT_MINUTES)
    return {
        "priority_weight": form.integer("priority_weight", minimum=0, maximum=100),
        "default_service_minutes": form.integer("default_service_minutes", minimum=1, maximum=240),
        "booking_slot_minutes": int(slot) if slot in SLOT_MINUTES else 30,
        "booking_share_percent": form.integer("booking_share_percent", minimum=0, maximum=100),
        "booking_grace_minutes": form.integer("booking_grace_minutes", minimum=0, maximum=120),
        "booking_days_ahead": form.integer("booking_days_ahead", minimum=1, maximum=90),
    }


@get("/antrian", name="admin:queue")
async def queue_settings(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _queue_page(db_session, tenant)


@post("/antrian", name="admin:queue-save")
async def queue_save(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    values = queue_values(form)
    return await submit(request, db_session, form, lambda: service.save_settings(db_session, tenant, values),
                        again=partial(_queue_page, db_session, tenant), to=url(tenant, "antrian"))


handlers = [queue_settings, queue_save]
