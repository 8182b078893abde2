"""Platform pages (index, health, language switch) and each regency's mall home page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from litestar import Request, Response, Router, get
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import caching, i18n
from satupintu.agencies import service as agencies_service
from satupintu.catalogue.shared import load_catalogue
from satupintu.tenancy import provide_tenant
from satupintu.tenants import service as tenants_service
from satupintu.tenants.models import Tenant
from satupintu.tenants.packs import DAYS

KIND_ORDER = ("opd", "vertikal", "bumn", "bumd")


@get("/", name="platform:index")
async def index(db_session: AsyncSession) -> Template:
    tenants = await tenants_service.list_tenants(db_session, public_only=True)
    return Template("platform/index.html", context={"tenants": tenants})


@get("/healthz", name="platform:healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


READY_TIMEOUT = 3.0
"""Seconds each readiness check may take; a hung dependency answers "timeout", never hangs the probe."""


@get("/readyz", name="platform:readyz", include_in_schema=False)
async def readyz(request: Request) -> Response[dict[str, Any]]:
    """Ready while the database answers. The broker is reported but not required: when only it is
    down, pages still work (a change's rollup waits for the nightly run), and taking every web pod
    out of service would turn a broker outage into a full outage. So it answers 200 "degraded".
    Both checks are awaited with a timeout; the broker's blocking client runs in a thread."""
    from satupintu import broker

    async def database() -> None:
        async with request.app.state.auth_sessionmaker() as session:
            await session.execute(text("SELECT 1"))

    checks = {
        "database": await _check(database()),
        "broker": await _check(asyncio.to_thread(broker.ping, request.app.state.broker)),
    }
    ready = checks["database"] == "ok"
    status = "unavailable" if not ready else "ok" if checks["broker"] == "ok" else "degraded"
    return Response({"status": status, "checks": checks}, status_code=200 if ready else 503)


async def _check(probe: Awaitable[Any]) -> str:
    try:
        await asyncio.wait_for(probe, timeout=READY_TIMEOUT)
    except TimeoutError:
        return "error: timeout"
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        return f"error: {type(exc).__name__}"
    return "ok"


@get("/bahasa/{lang:str}", name="platform:language")
async def switch_language(lang: str, next: str = "/") -> Redirect:  # noqa: A002 - the query name
    if lang not in i18n.LOCALES:
        raise NotFoundException()
    target = next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/"
    return Redirect(target, cookies=[Cookie(key=i18n.COOKIE, value=lang, max_age=365 * 24 * 3600,
                                            httponly=True, samesite="lax", path="/")])


@get("/{slug:str}", name="tenant:home", dependencies={"tenant": provide_tenant})
async def tenant_home(request: Request, tenant: Tenant, db_session: AsyncSession) -> Response:
    async def context() -> dict[str, Any]:
        agencies = await agencies_service.agencies(db_session)
        grouped = {kind: [a for a in agencies if a.kind.value == kind] for kind in KIND_ORDER}
        locations = await agencies_service.locations(db_session)
        return {
            "tenant": tenant,
            "locations": locations,
            "status": await agencies_service.opening(db_session, locations, tenant.timezone.iana),
            "agencies": {k: v for k, v in grouped.items() if v},
            "policy": await tenants_service.get_policy(db_session),
            "life_events": list(load_catalogue().life_events.values()),
            "days": DAYS,
        }

    return await caching.page(request, tenant, "tenants/home.html", context, opening_hours=True)


router = Router(path="/", route_handlers=[index, healthz, readyz, switch_language, tenant_home])
