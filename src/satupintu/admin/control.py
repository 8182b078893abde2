"""The control room at /{slug}/admin/ruang-kendali, as Situbondo's Intelligence Room: the queue now (it
refreshes itself), one day hour by hour, tickets by weekday and hour, complaints: how many are open and
late, and the deadlines each agency missed, and the applications received and done per village service point
(``applications.villages.figures``, as on /admin/desa). Regency admins only (the
console's guard); operators see their own counter at /{slug}/loket. Numbers only, nothing personal.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page
from satupintu.applications import villages
from satupintu.benchmarks import display
from satupintu.benchmarks.monthly import minutes
from satupintu.complaints import service as complaints
from satupintu.forms import Form
from satupintu.i18n import gettext as _
from satupintu.queue import control
from satupintu.queue import service as queue
from satupintu.tenants.models import Tenant

POLL_SECONDS = 15


@get("/ruang-kendali", name="admin:control-room")
async def control_room(request: Request, tenant: Tenant, db_session: AsyncSession,
                       tanggal: Annotated[str, Parameter(default="", max_length=10)] = "") -> Template:
    live = await control.now(db_session, tenant, queue.clock())
    if request.headers.get("hx-request") == "true":
        return Template("admin/_control_live.html", context={"tenant": tenant, "live": live, "poll": POLL_SECONDS})
    today = live.at.date()
    form = Form({"tanggal": tanggal})
    day = form.day("tanggal", required=False) or today
    if day > today:
        form.fail("tanggal", _("Choose today or a day before it."))
        day = today
    return page("control_room", tenant, "control", 422 if form.errors else 200, errors=form.errors,
                values={"tanggal": tanggal[:10]}, live=live, poll=POLL_SECONDS, today=today,
                day=await control.day_view(db_session, tenant, day), minutes=minutes, fixed=display.fixed,
                heat=await control.heat_map(db_session, tenant, today), weekdays=control.WEEKDAYS,
                complaints=await complaints.control_view(db_session, tenant, now=queue.clock()),
                village_rows=await villages.figures(db_session))


handlers = [control_room]
