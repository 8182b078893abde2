"""Background jobs of onboarding: importing hundreds of services without blocking a page."""

from __future__ import annotations

import dramatiq

from satupintu import broker as _broker  # noqa: F401 - sets the global broker before actors bind
from satupintu import jobs
from satupintu.catalogue.shared import load_catalogue
from satupintu.db import tenant_session
from satupintu.logs import get_logger
from satupintu.onboarding import service

log = get_logger("satupintu.tasks")


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=1000)
async def import_services(tenant_id: int, codes: list[str], placed: dict[str, list[str]] | None = None) -> None:
    """Offer ``codes`` of the shared catalogue in a new tenant, each with the agency and counter
    ``placed`` names (copying a mentor); progress is kept in its wizard state.

    Idempotent: the import upserts by service code, so a redelivered message changes nothing more.
    """

    maker = jobs.sessionmaker()
    catalogue = load_catalogue()
    async with tenant_session(maker, tenant_id) as session:
        progress = await service.state(session)
        progress.import_status, progress.import_total, progress.import_done = "running", len(catalogue.services), 0
    try:
        async with tenant_session(maker, tenant_id) as session:
            progress = await service.state(session)
            count = await service.import_services(session, catalogue, set(codes), progress, placed)
    except Exception as exc:
        async with tenant_session(maker, tenant_id) as session:
            progress = await service.state(session)
            progress.import_status, progress.import_error = "failed", str(exc)[:500]
        raise
    log.info("services imported", tenant_id=tenant_id, offered=count)
