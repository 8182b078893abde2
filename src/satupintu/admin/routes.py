"""The console, put together: every concern's pages under /{slug}/admin, one guard, one tenant."""

from __future__ import annotations

from litestar import Router

from satupintu.admin import (
    agencies,
    api_keys,
    complaints,
    control,
    counters,
    deliveries,
    locations,
    overview,
    performance,
    permits,
    policies,
    queue,
    services,
    sso,
    staff,
    villages,
    training,
    transfer,
)
from satupintu.security import tenant_admin
from satupintu.tenancy import provide_staff_tenant

router = Router(
    path="/{slug:str}/admin",
    guards=[tenant_admin],
    dependencies={"tenant": provide_staff_tenant},
    route_handlers=[
        *overview.handlers, *services.handlers, *agencies.handlers, *locations.handlers, *counters.handlers,
        *policies.handlers, *permits.handlers, *deliveries.handlers, *villages.handlers, *queue.handlers, *staff.handlers, *sso.handlers, *api_keys.handlers, *training.handlers, *transfer.handlers,
        *control.handlers, *complaints.handlers,
        performance.router,
    ],
)
