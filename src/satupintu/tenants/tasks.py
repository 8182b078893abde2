"""Background jobs of the tenants domain."""

from __future__ import annotations

import dramatiq

from satupintu import broker as _broker  # noqa: F401 - sets the global broker before actors bind
from satupintu import jobs
from satupintu.db import tenant_session
from satupintu.logs import get_logger
from satupintu.tenants import service

log = get_logger("satupintu.tasks")


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=1000)
async def provision_tenant(pack: str) -> None:
    """Create or refresh a tenant from its pack (a slug under tenants/ or a path); idempotent."""
    async with tenant_session(jobs.sessionmaker(), None) as session:
        result = await service.provision_from_path(session, pack)
    log.info("tenant provisioned", tenant=result.slug, created=result.created,
             services=result.services_enabled)
