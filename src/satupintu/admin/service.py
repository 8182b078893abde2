"""What the console's overview counts, and its audit log as people read it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts.models import StaffAccount
from satupintu.agencies import service as agencies_service
from satupintu.agencies.models import Agency, Counter, Location
from satupintu.audit import present
from satupintu.audit import service as audit
from satupintu.catalogue.models import TenantService


async def counts(session: AsyncSession) -> dict[str, int]:
    async def count(model: type, *where: object) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return {
        "services": await count(TenantService, TenantService.enabled.is_(True)),
        "unassigned": await count(TenantService, TenantService.enabled.is_(True), TenantService.agency_id.is_(None)),
        "agencies": await count(Agency), "locations": await count(Location), "counters": await count(Counter),
        "staff": await count(StaffAccount),
    }


async def audit_log(session: AsyncSession, **filters: Any) -> list[present.Shown]:
    """The audit log's entries (``audit.entries`` filters), each in the reader's language, other rows
    named by their code or name as they are now."""
    names = {
        "agency_id": {a.id: a.short or a.name for a in await agencies_service.agencies(session)},
        "counter_id": {c.id: c.code for c in await agencies_service.counters(session)},
        "location_id": {l.id: l.name for l in await agencies_service.locations(session)},
    }
    return [present.show(entry, names) for entry in await audit.entries(session, **filters)]
