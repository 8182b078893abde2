"""What the console's overview counts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts.models import StaffAccount
from satupintu.agencies.models import Agency, Counter, Location
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
