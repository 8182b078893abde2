"""The staff's work queue at /{slug}/permohonan: the applications of their agency (every agency's for
an admin without one), masked in the list; one application's page with the applicant's data and the
next steps (verify, process, done, ready for pick-up, delivered, reject with a reason). Each step is
a timeline event and an audit log entry; the applicant is told after the commit.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.applications import notifications, service
from satupintu.applications.models import ApplicationStatus
from satupintu.catalogue.models import TenantService
from satupintu.forms import Form
from satupintu.handlers import FormData, found, me, submit
from satupintu.security import tenant_operator
from satupintu.tenancy import provide_staff_tenant
from satupintu.tenants.models import Tenant

S = ApplicationStatus
STEPS = {"verifikasi": S.VERIFIED, "proses": S.IN_PROCESS, "selesai": S.DONE, "siap": S.READY,
         "serahkan": S.DELIVERED, "tolak": S.REJECTED}
"""A step's address -> the status it leads to."""
STEP_OF = {status: step for step, status in STEPS.items()}
FILTERS = ("open", *[s.value for s in ApplicationStatus])


@get("/", name="applications:queue")
async def work_queue(request: Request, tenant: Tenant, db_session: AsyncSession,
                     status: Annotated[str, Parameter(query="status", default="open", max_length=20)] = "open",
                     ) -> Template:
    chosen = status if status in FILTERS else "open"
    agency = me(request).agency_id
    return Template("applications/queue.html", context={
        "tenant": tenant, "rows": await service.work_queue(db_session, agency, status_filter=chosen),
        "counts": await service.counts(db_session, agency), "chosen": chosen, "filters": FILTERS,
        "labels": service.EVENT_LABELS, "today": service.local_day(tenant, service.clock())})


async def _page(request: Request, tenant: Tenant, session: AsyncSession, number: str, status: int = 200,
                errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Template:
    application = found(await service.for_staff(session, me(request), number))
    state = await service.status(session, tenant, application)
    return Template("applications/detail.html", status_code=status, context={
        "tenant": tenant, "state": state, "application": application,
        "personal": service.unseal(application, request.app.state.settings.secret_key),
        "service": await session.get(TenantService, application.service_id), "labels": service.EVENT_LABELS,
        "documents": service.DOCUMENT_LABELS, "zone": tenant.timezone.value,
        "times": {step.id: notifications.local_time(tenant, step.at) for step in state.events},
        "next_steps": [(STEP_OF[to], to) for to in sorted(service.ALLOWED.get(application.status, ()),
                                                         key=list(ApplicationStatus).index)],
        "errors": errors or {}, "values": values or {}})


@get("/{tracking_number:str}", name="applications:detail")
async def detail(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str) -> Template:
    return await _page(request, tenant, db_session, tracking_number)


@post("/{tracking_number:str}/{step:str}", name="applications:step", status_code=303)
async def step(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str, step: str,
               data: FormData) -> Template | Redirect:
    to = STEPS.get(step)
    application = await service.for_staff(db_session, me(request), tracking_number)
    if to is None or application is None:
        raise NotFoundException()
    form = Form(data)
    reason = form.text("reason", max_length=1000) if to == S.REJECTED else ""
    return await submit(request, db_session, form,
                        lambda: service.advance(db_session, application, to, me(request), reason=reason),
                        again=partial(_page, request, tenant, db_session, application.tracking_number),
                        to=f"/{tenant.slug}/permohonan/{application.tracking_number}",
                        refused={service.Refused: "step"})


router = Router(path="/{slug:str}/permohonan", route_handlers=[work_queue, detail, step],
                dependencies={"tenant": provide_staff_tenant}, guards=[tenant_operator])
