"""Background jobs of the benchmarks: recompute one regency's rollup, or all of them nightly.

Both are idempotent (a rollup is replaced, never added to) and carry ids, never objects. The
nightly job fans out one message per regency, so a failure in one regency is retried on its own
and the work spreads over every worker.
"""

from __future__ import annotations

import dramatiq

from satupintu import broker as _broker  # noqa: F401 - sets the global broker before actors bind
from satupintu import jobs
from satupintu.benchmarks import rollups
from satupintu.logs import get_logger

log = get_logger("satupintu.tasks")
QUEUE = "rollups"


@dramatiq.actor(queue_name=QUEUE, max_retries=5, min_backoff=2000, time_limit=10 * 60 * 1000)
async def refresh_tenant_rollup(tenant_id: int, requested_at: str | None = None) -> None:
    """Recompute one regency's indicators and time series. Sent by a change (``requested_at``: when it
    committed, for the log): skipped while the stored rollup already read the regency's current revision."""
    row = await rollups.refresh_tenant(jobs.sessionmaker(), tenant_id, only_if_stale=requested_at is not None)
    if row is not None:
        log.info("rollup refreshed", tenant=row.tenant_slug, requested_at=requested_at,
                 data_revision=row.data_revision)


@dramatiq.actor(queue_name=QUEUE, max_retries=3, min_backoff=60_000)
async def refresh_all_rollups() -> None:
    """The nightly run: one job per regency, and rollups of regencies that are gone are dropped."""
    maker = jobs.sessionmaker()
    await rollups.prune(maker)
    ids = await rollups.tenant_ids(maker)
    for tenant_id in ids:
        refresh_tenant_rollup.send(tenant_id)
    log.info("nightly rollups queued", tenants=len(ids))
