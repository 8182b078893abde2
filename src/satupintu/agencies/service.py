"""Rules for a regency's agencies, locations and counters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies.models import Agency, AgencyKind, Counter, Location, LocationKind


async def agencies(session: AsyncSession) -> list[Agency]:
    return list((await session.scalars(select(Agency).order_by(Agency.kind, Agency.name))).all())


async def locations(session: AsyncSession) -> list[Location]:
    return list((await session.scalars(select(Location).order_by(Location.id))).all())


async def counters(session: AsyncSession) -> list[Counter]:
    return list((await session.scalars(select(Counter).order_by(Counter.code))).all())


async def _upsert(session: AsyncSession, model: type, key: str, items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    existing = {getattr(row, key): row for row in (await session.scalars(select(model))).all()}
    for item in items:
        row = existing.get(item[key])
        if row is None:
            row = model(**item)
            session.add(row)
            existing[item[key]] = row
        else:
            for name, value in item.items():
                setattr(row, name, value)
    await session.flush()
    return existing


async def upsert_agencies(session: AsyncSession, items: Iterable[dict[str, Any]]) -> dict[str, Agency]:
    """Create or update agencies by key; agencies not named are left alone."""
    return await _upsert(
        session, Agency, "key", ({**i, "kind": AgencyKind(i["kind"])} for i in items)
    )


async def upsert_locations(session: AsyncSession, items: Iterable[dict[str, Any]]) -> dict[str, Location]:
    return await _upsert(
        session, Location, "code", ({**i, "kind": LocationKind(i["kind"])} for i in items)
    )


async def upsert_counters(session: AsyncSession, items: Iterable[dict[str, Any]]) -> dict[str, Counter]:
    return await _upsert(session, Counter, "code", items)
