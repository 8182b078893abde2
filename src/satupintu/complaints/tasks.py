"""Background jobs of complaints: one notice per escalation, after its commit."""

from __future__ import annotations

import dramatiq

from satupintu import broker as _broker  # noqa: F401 - sets the global broker before actors bind
from satupintu import notify
from satupintu.complaints import notifications


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=10_000)
async def notify_escalation(tenant_id: int, event_id: int) -> None:
    """Tell the people a complaint escalated to. Idempotent: the event is claimed once
    (``notified_at``); a failed sending raises, rolls the claim back and is retried (and swept later)."""
    await notify.send_queued(tenant_id, event_id, lambda session, tenant, event_id, notifier, settings: (
        notifications.send_event(session, tenant, event_id, notifier, base_url=settings.public_url)))
