"""Recording and reading the audit log. Entries are only ever added, never changed.

Domain services describe what they changed as a ``Change`` (they know the before and after); the
page that asked for it records the change with the person who did it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.audit.models import AuditEntry
from satupintu.security import Principal

MAX_TEXT, MAX_ITEMS, MAX_ENTRY_BYTES = 500, 50, 16_384
"""What one entry keeps: long texts and lists are shortened (marked with an ellipsis and a count), and
an entry whose values still exceed MAX_ENTRY_BYTES keeps only the names of its fields, so no request
can make the append-only log grow by more than a few kilobytes."""


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


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + f"… (+{len(value) - MAX_TEXT})"
    if isinstance(value, Mapping):
        items = list(value.items())
        kept = {str(k)[:MAX_TEXT]: _bounded(v) for k, v in items[:MAX_ITEMS]}
        if len(items) > MAX_ITEMS:
            kept["…"] = f"+{len(items) - MAX_ITEMS}"
        return kept
    if isinstance(value, list):
        kept_list = [_bounded(v) for v in value[:MAX_ITEMS]]
        return kept_list + [f"… (+{len(value) - MAX_ITEMS})"] if len(value) > MAX_ITEMS else kept_list
    return value


def _fits(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    values = _bounded(values)
    if len(json.dumps(values, ensure_ascii=False, default=str).encode()) <= MAX_ENTRY_BYTES:
        return values
    return {"…": "too large to keep", "fields": sorted(values)[:MAX_ITEMS]}


@dataclass(frozen=True)
class Change:
    """One change to a regency's data, as the audit log keeps it."""

    action: str  # create, update, delete, replicate
    entity: str
    key: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


CITIZEN = "citizen"
"""The audit role of a citizen acting on their own application (they have no account)."""


def citizen(tracking_number: str) -> Principal:
    """A citizen who proved an application is theirs, as the audit log names them: by the application's
    tracking number only, never by their NIK or name."""
    return Principal(CITIZEN, 0, f"{CITIZEN}:{tracking_number}", "", CITIZEN)


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
                       entity_key=str(key)[:120], before=_fits(before), after=_fits(after))
    session.add(entry)
    await session.flush()
    return entry


async def record_change(session: AsyncSession, actor: Principal, change: Change) -> AuditEntry | None:
    return await record(session, actor, change.action, change.entity, change.key, change.before, change.after)


async def added(session: AsyncSession, row: Any, fields: tuple[str, ...], entity: str, key: str) -> Change:
    """Add a new row; the change names it by its ``key`` attribute (known once it is flushed)."""
    session.add(row)
    await session.flush()
    return Change("create", entity, str(getattr(row, key)), None, snapshot(row, fields))


async def changed(session: AsyncSession, row: Any, fields: tuple[str, ...], values: Mapping[str, Any], entity: str,
                  key: str) -> Change:
    """Set ``values`` on a row."""
    before = snapshot(row, fields)
    for name, value in values.items():
        setattr(row, name, value)
    await session.flush()
    return Change("update", entity, str(getattr(row, key)), before, snapshot(row, fields))


async def removed(session: AsyncSession, row: Any, fields: tuple[str, ...], entity: str, key: str) -> Change:
    before, name = snapshot(row, fields), str(getattr(row, key))
    await session.delete(row)
    await session.flush()
    return Change("delete", entity, name, before, None)


async def entries(session: AsyncSession, *, actor: str | None = None, entity: str | None = None,
                  since: date | None = None, until: date | None = None, limit: int = 200) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(func.lower(AuditEntry.actor).contains(actor.strip().lower()))
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if since:
        query = query.where(AuditEntry.created_at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        query = query.where(AuditEntry.created_at < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC))
    return list((await session.scalars(query)).all())
