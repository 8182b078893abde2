"""Which tenant a request belongs to: from the path ``/{slug}/...`` or a configured host name.

Route handlers under a tenant take the ``tenant`` dependency. Resolving it binds the request's
database session to that tenant (ORM filter and PostgreSQL ``app.tenant_id``) and the log
context to its slug, so everything the handler touches afterwards is that tenant's alone.

Public pages find their regency through the application's :class:`TenantDirectory`: one indexed
statement on a bare connection, outside any transaction, so that a page answered from the page cache
opens no transaction at all; the session is bound to the tenant and sets ``app.tenant_id`` only
when (and if) the handler's first query begins its transaction.
"""

from __future__ import annotations

from typing import Any

import cachetools
import structlog
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from satupintu.db import bind_tenant
from satupintu.tenants import service as tenants_service
from satupintu.tenants.models import Tenant, TenantStatus
from satupintu.tenants.slugs import RESERVED_SLUGS, SLUG_RE


class TenantNotFound(HTTPException):
    status_code = 404


class TenantSuspended(HTTPException):
    status_code = 403

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(detail=tenant.name)
        self.tenant_name = tenant.name


class WizardClosed(HTTPException):
    """The onboarding wizard of a regency that has gone live: its settings are the console's now."""

    status_code = 409

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(detail=tenant.slug)
        self.tenant_name, self.slug = tenant.name, tenant.slug


async def resolve(session: AsyncSession, slug: str, *, allow_onboarding: bool = False) -> Tenant:
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise TenantNotFound(detail=slug[:60])
    tenant = await tenants_service.get_by_slug(session, slug, bind=True)
    if tenant is None or (tenant.status == TenantStatus.ONBOARDING and not allow_onboarding):
        raise TenantNotFound(detail=slug)
    if tenant.status == TenantStatus.SUSPENDED:
        raise TenantSuspended(tenant)
    await bind_tenant(session, tenant.id, in_database=True)
    structlog.contextvars.bind_contextvars(tenant=tenant.slug)
    return tenant


TENANT_DIRECTORY_ENTRIES = 2048
"""Regencies kept by one web process (Indonesia has 514 kabupaten/kota; a few KB each)."""


class TenantDirectory:
    """Live regencies by slug for public pages, without a transaction.

    Staleness: none. Every request reads the tenant's row as it is now (by its unique slug, on a
    connection in autocommit mode) and compares it, column by column, with the copy kept here, so a
    suspended, renamed or changed regency is seen on its next request in every web process. What is
    kept is the ``Tenant`` built from an unchanged row, so a request builds no ORM object; bounded
    to the least recently used ``TENANT_DIRECTORY_ENTRIES`` slugs.

    On PostgreSQL the row is read with the driver itself on a pooled connection (a third of the CPU
    time of the same statement through SQLAlchemy), and only a changed row is read again through
    SQLAlchemy to build its ``Tenant``. Behind PgBouncer in transaction mode the read runs through
    SQLAlchemy in a short transaction instead: outside one, the statement could be prepared on one
    server connection and executed on another.
    """

    def __init__(self, engine: AsyncEngine, max_entries: int = TENANT_DIRECTORY_ENTRIES) -> None:
        pooled = engine.get_execution_options().get("pooler") is not None
        self._engine = engine if pooled else engine.execution_options(isolation_level="AUTOCOMMIT")
        self._driver = engine if engine.dialect.name == "postgresql" and not pooled else None
        self._known: cachetools.LRUCache = cachetools.LRUCache(maxsize=max_entries)

    def __len__(self) -> int:
        return len(self._known)

    async def get(self, slug: str) -> Tenant | None:
        row = None
        if self._driver is not None:
            values = await self._current(slug)
        else:
            row = await self._row(slug)
            values = None if row is None else tuple(row)
        if values is None:
            self._known.pop(slug, None)
            return None
        known = self._known.get(slug)
        if known is None or known[0] != values:
            row = row if row is not None else await self._row(slug)
            if row is None:
                self._known.pop(slug, None)
                return None
            known = self._known[slug] = (values, tenants_service.detached(row))
        return known[1]

    async def _current(self, slug: str) -> tuple | None:
        """The row's values as the driver reads them, on a pooled connection (dropped if the read failed)."""
        raw = await self._driver.raw_connection()  # type: ignore[union-attr]
        try:
            values = await tenants_service.current_values(raw.driver_connection, slug)
        except BaseException:
            raw.invalidate()
            raise
        raw.close()
        return values

    async def _row(self, slug: str) -> Any:
        async with self._engine.connect() as connection:
            return await tenants_service.current_row(connection, slug)


TENANT = "satupintu.tenant"
"""Scope key: the regency's row as ``caching.front`` read it for this request (not read again)."""


async def provide_tenant(slug: str, db_session: AsyncSession, state: State, scope: Scope) -> Tenant:
    """The regency of a public page: live regencies only (from the application's tenant directory)."""
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise TenantNotFound(detail=slug[:60])
    tenant = scope.get(TENANT)  # type: ignore[call-overload]
    if tenant is None or tenant.slug != slug:
        tenant = await state.tenants.get(slug)
    if tenant is None or tenant.status == TenantStatus.ONBOARDING:
        raise TenantNotFound(detail=slug)
    if tenant.status == TenantStatus.SUSPENDED:
        raise TenantSuspended(tenant)
    await bind_tenant(db_session, tenant.id)
    structlog.contextvars.bind_contextvars(tenant=tenant.slug)
    return tenant


async def provide_staff_tenant(slug: str, db_session: AsyncSession) -> Tenant:
    """The regency of a staff page (console, wizard, learning): also while it is still onboarding."""
    return await resolve(db_session, slug, allow_onboarding=True)


async def provide_onboarding_tenant(slug: str, db_session: AsyncSession) -> Tenant:
    """The regency of the onboarding wizard: only while it is onboarding. After go-live the wizard is
    closed (``WizardClosed``): what may still change is changed in the console, and the regency's
    official name and region code no longer change at all."""
    tenant = await resolve(db_session, slug, allow_onboarding=True)
    if tenant.status != TenantStatus.ONBOARDING:
        raise WizardClosed(tenant)
    return tenant


def host_routing(app, hosts: dict[str, str]):  # noqa: ANN001, ANN201 - plain ASGI
    """Serve ``https://<regency host>/layanan`` as ``/<slug>/layanan`` for configured hosts."""
    if not hosts:
        return app

    async def routed(scope, receive, send):  # noqa: ANN001
        if scope["type"] == "http":
            host = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1").split(":")[0].lower()
            slug = hosts.get(host)
            path = scope["path"]
            if slug and not path.startswith(("/static/", "/healthz", "/readyz", "/api/", f"/{slug}/")) \
                    and path != f"/{slug}":
                scope = {**scope, "path": f"/{slug}{path}", "raw_path": f"/{slug}{path}".encode()}
        await app(scope, receive, send)

    return routed
