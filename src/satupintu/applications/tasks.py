"""Background jobs of applications: one notification per timeline event, after its commit."""

from __future__ import annotations

import dramatiq

from satupintu import broker as _broker  # noqa: F401 - sets the global broker before actors bind
from satupintu import jobs, notify
from satupintu.applications import notifications
from satupintu.config import Settings
from satupintu.db import tenant_session


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=10_000)
async def notify_event(tenant_id: int, event_id: int) -> None:
    """Tell the applicant about one step. Idempotent: the event is claimed once (``notified_at``);
    a failed sending raises, rolls the claim back and is retried (and swept later)."""
    settings = Settings.from_env()
    async with tenant_session(jobs.sessionmaker(), tenant_id) as session:
        tenant = await notifications.tenant_of(session, tenant_id)
        if tenant is None:
            return
        await notifications.send_event(session, tenant, event_id, notify.from_settings(settings),
                                       secret_key=settings.secret_key, base_url=settings.public_url)
