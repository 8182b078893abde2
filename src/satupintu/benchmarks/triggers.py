"""Recompute a regency's rollup whenever data the indicators read has changed, after it commits.

A listener on every session notes which tenants had watched rows flushed; when the transaction
commits it queues one rollup job per tenant, and when it rolls back it forgets them, so refused
or failed work sends nothing. This covers every writer at once (admin console, CLI, packs, the
onboarding wizard to come) without each having to remember. The nightly job heals anything
missed, for instance while the broker was unreachable.

Another domain whose tables feed an indicator calls ``watch(Model)``.
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from satupintu.agencies.models import Agency
from satupintu.benchmarks.models import MonthlyOperations, ServiceEvaluation, SurveyResult
from satupintu.catalogue.models import TenantService
from satupintu.db import TenantSession, utcnow
from satupintu.logs import get_logger
from satupintu.tenants.models import Tenant, TenantPolicy

log = get_logger("satupintu.benchmarks")
KEY = "benchmarks.changed_tenants"
WATCHED: set[type] = {TenantService, Agency, TenantPolicy, SurveyResult, ServiceEvaluation, MonthlyOperations}


def _watch_learning_and_onboarding() -> None:
    """Readiness, training and innovations feed indicators too (imported late: no import cycle)."""
    from satupintu.accounts.models import StaffAccount
    from satupintu.agencies.models import Counter, Location
    from satupintu.knowledge.models import ModuleProgress
    from satupintu.onboarding.models import OnboardingState
    from satupintu.transfer.models import Innovation

    WATCHED.update({StaffAccount, Counter, Location, ModuleProgress, OnboardingState, Innovation})


def watch(*models: type) -> None:
    WATCHED.update(models)


@event.listens_for(TenantSession, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    changed: set[int] = session.info.setdefault(KEY, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Tenant) and obj.id is not None:
            changed.add(obj.id)
        elif type(obj) in WATCHED and getattr(obj, "tenant_id", None) is not None:
            changed.add(obj.tenant_id)


@event.listens_for(TenantSession, "after_commit")
def _queue_rollups(session: Session) -> None:
    changed = session.info.pop(KEY, None)
    if changed:
        enqueue(sorted(changed), utcnow())


@event.listens_for(TenantSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(KEY, None)


def enqueue(tenant_ids: list[int], requested_at: datetime) -> None:
    """Queue the jobs; a broker that cannot be reached must not undo a change that already committed."""
    try:
        from satupintu.benchmarks.tasks import refresh_tenant_rollup

        for tenant_id in tenant_ids:
            refresh_tenant_rollup.send(tenant_id, requested_at.isoformat())
    except Exception as exc:  # noqa: BLE001 - logged; the nightly rollup catches up
        log.warning("rollup not queued", tenants=tenant_ids, error=f"{type(exc).__name__}: {exc}")


_watch_learning_and_onboarding()
