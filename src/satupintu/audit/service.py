"""Recording and reading the audit log. Entries are only ever added, never changed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.audit.models import AuditEntry
from satupintu.security import Principal


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


async def record(session: AsyncSession, actor: Principal, action: str, entity: str, key: str,
                 before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None) -> AuditEntry | None:
    """Add one entry, keeping only the fields that changed for an update."""
    before, after = _plain(dict(before)) if before else None, _plain(dict(after)) if after else None
    if before and after:
        changed = {k for k in after if before.get(k) != after.get(k)}
        if not changed:
            return None
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    entry = AuditEntry(actor=actor.email, actor_role=actor.role, action=action, entity=entity,
                       entity_key=str(key)[:120], before=before, after=after)
    session.add(entry)
    await session.flush()
    return entry


async def entries(session: AsyncSession, *, actor: str | None = None, entity: str | None = None,
                  since: date | None = None, until: date | None = None, limit: int = 200) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor.contains(actor.strip().lower()))
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if since:
        query = query.where(AuditEntry.created_at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        query = query.where(AuditEntry.created_at < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC))
    return list((await session.scalars(query)).all())
