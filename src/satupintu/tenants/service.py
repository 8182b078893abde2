"""Rules for tenants: lookup, listing, and provisioning a regency from its pack.

Provisioning is what ``satupintu tenants load``, the Dramatiq job and (later) the onboarding
wizard all call. It runs inside the caller's transaction, so a pack that fails halfway leaves
nothing behind, and it upserts by natural keys, so loading the same pack twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies import service as agencies_service
from satupintu.catalogue import service as catalogue_service
from satupintu.catalogue.shared import SharedCatalogue, load_catalogue
from satupintu.datafiles import DataFileError, locate
from satupintu.db import bind_tenant
from satupintu.tenants.models import Tenant, TenantPolicy, TenantStatus, TimeZone
from satupintu.tenants.packs import PackSpec, load_pack, pack_path


async def get_by_slug(session: AsyncSession, slug: str) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.slug == slug))


async def list_tenants(session: AsyncSession, *, public_only: bool = False) -> list[Tenant]:
    query = select(Tenant).order_by(Tenant.name)
    if public_only:
        query = query.where(Tenant.status == TenantStatus.LIVE)
    return list((await session.scalars(query)).all())


async def count_tenants(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Tenant)) or 0)


async def get_policy(session: AsyncSession) -> TenantPolicy | None:
    return await session.scalar(select(TenantPolicy))


@dataclass
class ProvisionResult:
    tenant_id: int
    slug: str
    created: bool
    services_enabled: int
    agencies: int
    locations: int
    counters: int


def _selection(pack: PackSpec, catalogue: SharedCatalogue, path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    selected: set[str] = set()
    for item in pack.services.include:
        if item == "*":
            selected.update(catalogue.services)
        elif item.startswith("category:"):
            category = item.removeprefix("category:")
            if category not in catalogue.categories:
                raise DataFileError(path, locate(text, ["services", "include"]), "services.include",
                                    f"unknown category {category!r}")
            selected.update(c for c, s in catalogue.services.items() if s.category == category)
        elif item in catalogue.services:
            selected.add(item)
        else:
            raise DataFileError(path, locate(text, ["services", "include"]), "services.include",
                                f"unknown service code {item!r}")
    for code in pack.services.exclude:
        if code not in catalogue.services:
            raise DataFileError(path, locate(text, ["services", "exclude"]), "services.exclude",
                                f"unknown service code {code!r}")
    for index, override in enumerate(pack.overrides):
        if override.code not in catalogue.services:
            raise DataFileError(path, locate(text, ["overrides", index, "code"]), f"overrides[{index}].code",
                                f"unknown service code {override.code!r}")
    return selected - set(pack.services.exclude)


async def provision(
    session: AsyncSession, pack: PackSpec, catalogue: SharedCatalogue, *, source: Path | None = None
) -> ProvisionResult:
    """Create or refresh a tenant and everything its pack describes, in the session's transaction."""
    source = source or Path(f"tenants/{pack.slug}/tenant.toml")
    enabled = _selection(pack, catalogue, source)
    await bind_tenant(session, None)
    tenant = await get_by_slug(session, pack.slug)
    created = tenant is None
    if tenant is None:
        tenant = Tenant(slug=pack.slug)
        session.add(tenant)
    tenant.name = pack.name
    tenant.region_code = pack.region_code
    tenant.province = pack.province
    tenant.timezone = TimeZone(pack.timezone)
    tenant.status = TenantStatus(pack.status)
    tenant.catalogue_version = tenant.catalogue_version or catalogue.version
    await session.flush()
    await bind_tenant(session, tenant.id)

    policy = await get_policy(session) or TenantPolicy()
    for name, value in msgspec.structs.asdict(pack.policies).items():
        setattr(policy, name, value)
    session.add(policy)

    agencies = await agencies_service.upsert_agencies(
        session, ({**msgspec.structs.asdict(a), "template": a.template or a.key} for a in pack.agencies)
    )
    locations = await agencies_service.upsert_locations(session, (msgspec.structs.asdict(l) for l in pack.locations))
    counters = await agencies_service.upsert_counters(session, (
        {"code": c.code, "name": c.name, "location_id": locations[c.location].id, "agency_id": agencies[c.agency].id}
        for c in pack.counters
    ))

    by_template = {a.template: a for a in agencies.values() if a.template}
    by_template.update({template: agencies[key] for template, key in pack.services.assign.items()})
    overrides = {o.code: o for o in pack.overrides}
    plan = catalogue_service.ImportPlan(enabled=enabled)
    for code, spec in catalogue.services.items():
        override = overrides.get(code)
        agency = agencies[override.agency] if override and override.agency else by_template.get(spec.provider)
        plan.agency_ids[code] = agency.id if agency else None
        if override is None:
            continue
        values = {k: v for k, v in msgspec.structs.asdict(override).items()
                  if k not in {"code", "agency", "counter"} and v not in (None, [])}
        plan.overrides[code] = values
        if override.counter:
            if override.counter not in counters:
                raise DataFileError(source, None, f"overrides.{code}.counter", f"unknown counter {override.counter!r}")
            plan.counter_ids[code] = counters[override.counter].id
    count = await catalogue_service.import_catalogue(session, catalogue, plan)
    return ProvisionResult(tenant.id, tenant.slug, created, count, len(agencies), len(locations), len(counters))


async def provision_from_path(session: AsyncSession, slug_or_path: str | Path,
                              catalogue: SharedCatalogue | None = None) -> ProvisionResult:
    path = pack_path(slug_or_path)
    pack = load_pack(path)
    return await provision(session, pack, catalogue or load_catalogue(), source=path)


POLICY_FIELDS = ("permit_first", "document_deadline_days", "courier_delivery", "courier_note",
                 "complaint_response_hours", "notes")
