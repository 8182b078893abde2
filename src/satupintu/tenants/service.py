"""Rules for tenants: lookup, listing, and provisioning a regency from its pack.

Provisioning is what ``satupintu tenants load``, the Dramatiq job and (later) the onboarding
wizard all call. It runs inside the caller's transaction, so a pack that fails halfway leaves
nothing behind, and it upserts by natural keys, so loading the same pack twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from satupintu.agencies import service as agencies_service
from satupintu.audit.service import Change
from satupintu.catalogue import service as catalogue_service
from satupintu.catalogue.fees import fee_problem
from satupintu.catalogue.models import PERMIT_CATEGORIES, SWITCHES, default_switches
from satupintu.catalogue.shared import SharedCatalogue, load_catalogue
from satupintu.complaints import service as complaints_service
from satupintu.datafiles import DataFileError, locate
from satupintu.db import bind_tenant, tenant_setting
from satupintu.forms import Invalid
from satupintu.tenants import identity
from satupintu.tenants.models import Tenant, TenantPolicy, TenantStatus, TimeZone
from satupintu.tenants.packs import PackSpec, load_pack, pack_path


async def get_by_slug(session: AsyncSession, slug: str, *, bind: bool = False) -> Tenant | None:
    """The tenant with this slug; ``bind`` also sets PostgreSQL's ``app.tenant_id`` to it in the same
    statement (the caller then binds the session's ORM filter with ``bind_tenant(..., in_database=True)``)."""
    statement = select(Tenant).where(Tenant.slug == slug)
    if bind and session.bind is not None and session.bind.dialect.name == "postgresql":
        statement = statement.add_columns(tenant_setting(Tenant.id))
    row = (await session.execute(statement)).first()
    return row[0] if row else None


_CURRENT_ROW = select(Tenant.__table__).where(Tenant.__table__.c.slug == bindparam("slug"))
"""Built once: building a statement and its cache key per request costs more than running it."""


async def current_row(connection: AsyncConnection, slug: str) -> Row | None:
    """The tenant's row as it is now, read on a bare connection (no session, no transaction needed):
    what the public pages' tenant directory compares with the copy it keeps."""
    return (await connection.execute(_CURRENT_ROW, {"slug": slug})).first()


_CURRENT_VALUES = (f"SELECT {', '.join(column.name for column in Tenant.__table__.c)} FROM {Tenant.__tablename__} "
                   "WHERE slug = $1")


async def current_values(driver_connection: Any, slug: str) -> tuple | None:
    """The tenant's row as it is now, as the PostgreSQL driver (asyncpg) gives it, on a connection
    outside any transaction: one round trip without SQLAlchemy's work per statement, for the tenant
    directory to see whether the row changed since it built its ``Tenant`` from it."""
    record = await driver_connection.fetchrow(_CURRENT_VALUES, slug)
    return None if record is None else tuple(record)


def detached(row: Row) -> Tenant:
    """A ``Tenant`` built from its row, detached from any session: read by request after request
    while the row is unchanged, never written through (staff pages load their own, attached)."""
    tenant = Tenant(**row._mapping)
    make_transient_to_detached(tenant)
    return tenant


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


def check_pack(pack: PackSpec, catalogue: SharedCatalogue, path: Path) -> set[str]:
    """Check a pack against the shared catalogue (codes it names, fees it sets); the codes it offers."""
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
        shared = catalogue.services[override.code]
        problem = fee_problem(shared.cost if override.cost is None else override.cost,
                              shared.cost_note if override.cost_note is None else override.cost_note,
                              override.cost_note_en or (shared.cost_note_en if override.cost_note is None else ""))
        if problem:
            raise DataFileError(path, locate(text, ["overrides", index, "cost_note"]),
                                f"overrides[{index}].cost_note", f"{override.code}: {problem}")
    counters = {c.code: c for c in pack.counters}
    served_by = _agency_keys(pack, catalogue)
    placed = {**pack.services.counter_of(), **{o.code: o.counter for o in pack.overrides if o.counter}}
    for code, counter in placed.items():
        field = f"services.counters.{counter}"
        if code not in catalogue.services:
            raise DataFileError(path, locate(text, ["services", "counters"]), field, f"unknown service code {code!r}")
        if counter not in counters:
            raise DataFileError(path, None, f"overrides.{code}.counter", f"unknown counter {counter!r}")
        if served_by[code] != counters[counter].agency:
            raise DataFileError(path, None, field, f"{code!r} is served by {served_by[code]!r}, but counter "
                                                   f"{counter} belongs to {counters[counter].agency!r}")
    return selected - set(pack.services.exclude)


def _agency_keys(pack: PackSpec, catalogue: SharedCatalogue) -> dict[str, str | None]:
    """Service code -> the key of the pack's agency that serves it (an override, an assignment, a template)."""
    by_template = {a.template or a.key: a.key for a in pack.agencies}
    by_template.update(pack.services.assign)
    chosen = {o.code: o.agency for o in pack.overrides if o.agency}
    return {code: chosen.get(code) or by_template.get(spec.provider) for code, spec in catalogue.services.items()}


async def provision(
    session: AsyncSession, pack: PackSpec, catalogue: SharedCatalogue, *, source: Path | None = None
) -> ProvisionResult:
    """Create or refresh a tenant and everything its pack describes, in the session's transaction."""
    source = source or Path(f"tenants/{pack.slug}/tenant.toml")
    enabled = check_pack(pack, catalogue, source)
    await bind_tenant(session, None)
    tenant = await get_by_slug(session, pack.slug)
    holder = await session.scalar(select(Tenant).where(Tenant.region_code == pack.region_code,
                                                       Tenant.slug != pack.slug))
    if holder is not None:
        text = source.read_text(encoding="utf-8") if source.exists() else ""
        raise DataFileError(source, locate(text, ["region_code"]) if text else None, "region_code",
                            f"region code {pack.region_code} already belongs to {holder.slug!r}")
    created = tenant is None
    try:
        if tenant is None:  # a regency is added with no tenant bound; its row changes only bound to it
            tenant = Tenant(slug=pack.slug, name=pack.name, region_code=pack.region_code, province=pack.province,
                            timezone=TimeZone(pack.timezone), status=TenantStatus(pack.status),
                            catalogue_version=catalogue.version)
            session.add(tenant)
            await session.flush()
        await bind_tenant(session, tenant.id)
        tenant.name = pack.name
        tenant.region_code = pack.region_code
        tenant.province = pack.province
        tenant.timezone = TimeZone(pack.timezone)
        tenant.status = TenantStatus(pack.status)
        tenant.catalogue_version = tenant.catalogue_version or catalogue.version
        await session.flush()
    except identity.IdentityError as exc:  # a live regency's name or code, or a return to onboarding
        text = source.read_text(encoding="utf-8") if source.exists() else ""
        raise DataFileError(source, locate(text, [exc.field]) if text else None, exc.field,
                            exc.problem.english()) from exc

    policy = await get_policy(session) or TenantPolicy()
    before = {name: getattr(policy, name) for name in POLICY_FIELDS}
    for name, value in msgspec.structs.asdict(pack.policies).items():
        setattr(policy, name, value)
    session.add(policy)
    await _follow_policy(session, before, policy)

    agencies = await agencies_service.upsert_agencies(
        session, ({**msgspec.structs.asdict(a), "template": a.template or a.key} for a in pack.agencies)
    )
    locations = await agencies_service.upsert_locations(session, (msgspec.structs.asdict(l) for l in pack.locations))
    counters = await agencies_service.upsert_counters(session, (
        {"code": c.code, "name": c.name, "location_id": locations[c.location].id, "agency_id": agencies[c.agency].id}
        for c in pack.counters
    ))

    overrides = {o.code: o for o in pack.overrides}
    plan = catalogue_service.ImportPlan(enabled=enabled)
    for code, counter in pack.services.counter_of().items():
        plan.counter_ids[code] = counters[counter].id
    for code, key in _agency_keys(pack, catalogue).items():
        override = overrides.get(code)
        plan.agency_ids[code] = agencies[key].id if key else None
        if override is None:
            continue
        values = {k: v for k, v in msgspec.structs.asdict(override).items()
                  if k not in {"code", "agency", "counter", *SWITCHES} and v not in (None, [])}
        plan.overrides[code] = values
        plan.switches[code] = {name: getattr(override, name) for name in SWITCHES
                               if getattr(override, name) is not None}
        if override.counter:
            plan.counter_ids[code] = counters[override.counter].id
    count = await catalogue_service.import_catalogue(session, catalogue, plan)
    await _holidays(session, pack, locations, source)
    await complaints_service.seed_categories(session)
    return ProvisionResult(tenant.id, tenant.slug, created, count, len(agencies), len(locations), len(counters))


async def provision_from_path(session: AsyncSession, slug_or_path: str | Path,
                              catalogue: SharedCatalogue | None = None) -> ProvisionResult:
    path = pack_path(slug_or_path)
    pack = load_pack(path)
    return await provision(session, pack, catalogue or load_catalogue(), source=path)


POLICY_FIELDS = ("permit_first", "document_deadline_days", "courier_delivery", "courier_note",
                 "complaint_response_hours", "complaint_resolution_hours", "complaint_around_the_clock",
                 "complaint_regent_email", "notes")


async def _holidays(session: AsyncSession, pack: PackSpec, locations: dict, source: Path) -> None:
    from satupintu.agencies.models import Holiday

    existing = {(h.day, h.location_id) for h in (await session.scalars(select(Holiday))).all()}
    for item in pack.holidays:
        if item.location and item.location not in locations:
            raise DataFileError(source, None, "holidays.location", f"unknown location {item.location!r}")
        location_id = locations[item.location].id if item.location else None
        if (item.day, location_id) not in existing:
            session.add(Holiday(day=item.day, name=item.name, location_id=location_id))
            existing.add((item.day, location_id))
    await session.flush()


async def export_pack(session: AsyncSession, tenant: Tenant) -> str:
    """The tenant's whole configuration as a pack (tenant.toml), ready to review or load elsewhere.

    People are not configuration: staff accounts, the identity provider's secret, audit history,
    surveys and progress stay out. Loading the result into an empty deployment and exporting it
    again gives the same text.
    """
    import tomli_w

    from satupintu.agencies.models import Holiday

    await bind_tenant(session, tenant.id)
    agencies = await agencies_service.agencies(session)
    locations = await agencies_service.locations(session)
    counters = await agencies_service.counters(session)
    by_id = {a.id: a for a in agencies}
    location_code = {l.id: l.code for l in locations}
    counter_code = {c.id: c.code for c in counters}
    by_template = {a.template or a.key: a for a in agencies}
    policy = await get_policy(session) or TenantPolicy()
    rows = await catalogue_service.tenant_services(session)
    overrides = []
    for row in sorted(rows, key=lambda r: r.code):
        default = by_template.get(row.provider)
        item: dict = {}
        for name in ("cost", "cost_note", "cost_note_en", "completion_value", "completion_unit", "extra_requirements",
                     "extra_requirements_en"):
            if name in row.overrides:
                item[name] = row.overrides[name]
        if row.agency_id is not None and (default is None or default.id != row.agency_id):
            item["agency"] = by_id[row.agency_id].key
        if row.counter_id is not None:
            item["counter"] = counter_code[row.counter_id]
        switches = default_switches(row.category, permit_first=policy.permit_first,
                                    courier_delivery=policy.courier_delivery)
        item.update({name: getattr(row, name) for name in SWITCHES if getattr(row, name) != switches[name]})
        if item:
            overrides.append({"code": row.code, **item})
    holidays = (await session.scalars(select(Holiday).order_by(Holiday.day, Holiday.id))).all()
    policy_data = {name: getattr(policy, name) for name in POLICY_FIELDS}
    document = {
        "slug": tenant.slug, "name": tenant.name, "region_code": tenant.region_code, "province": tenant.province,
        "timezone": tenant.timezone.value, "status": tenant.status.value,
        "policies": {k: v for k, v in policy_data.items() if v is not None},
        "locations": [{"code": l.code, "name": l.name, "kind": l.kind.value, "address": l.address,
                       **({"phone": l.phone} if l.phone else {}),
                       **({"latitude": l.latitude, "longitude": l.longitude} if l.latitude is not None else {}),
                       "hours": dict(sorted(l.hours.items())), "notes": l.notes}
                      for l in sorted(locations, key=lambda l: l.code)],
        "agencies": [{"key": a.key, "name": a.name, "kind": a.kind.value, "short": a.short,
                      **({"template": a.template} if a.template and a.template != a.key else {})}
                     for a in sorted(agencies, key=lambda a: a.key)],
        "counters": [{"code": c.code, "name": c.name, "location": location_code[c.location_id],
                      "agency": by_id[c.agency_id].key} for c in sorted(counters, key=lambda c: c.code)],
        "services": {"include": sorted(r.code for r in rows if r.enabled) or ["*"],
                     **({} if any(r.enabled for r in rows) else {"exclude": sorted(r.code for r in rows)})},
        "overrides": overrides,
        "holidays": [{"day": h.day, "name": h.name, **({"location": location_code[h.location_id]}
                                                       if h.location_id else {})} for h in holidays],
    }
    header = f"# SatuPintu tenant pack exported from {tenant.name} ({tenant.region_code}).\n"
    return header + tomli_w.dumps(document)


FOLLOWED = {"permit_first": ("permit_first", "services_permit_first"),
            "courier_delivery": ("delivery", "services_delivery")}
"""Policy switch: the service switch that follows it, and the audit field naming the services it switched."""


async def _follow_policy(session: AsyncSession, before: dict, policy: TenantPolicy) -> dict[str, list[str]]:
    """A policy switched on or off switches its services with it (the permits for ``permit_first``, every
    service for ``courier_delivery``); single services are switched back on their own page afterwards.
    Returns, by audit field, the codes of the services whose switch this changed."""
    switched: dict[str, list[str]] = {}
    for switch, (name, field) in FOLLOWED.items():
        now = bool(getattr(policy, switch))
        if bool(before.get(switch)) == now:
            continue
        for row in await catalogue_service.tenant_services(session):
            if (switch != "permit_first" or row.category in PERMIT_CATEGORIES) and getattr(row, name) != now:
                setattr(row, name, now)
                switched.setdefault(field, []).append(row.code)
    return {field: sorted(codes) for field, codes in switched.items()}


async def save_policy(session: AsyncSession, tenant: Tenant, values: dict) -> Change:
    """Create or change the tenant's policies."""
    policy = await get_policy(session)
    before = None if policy is None else {name: getattr(policy, name) for name in POLICY_FIELDS}
    if policy is None:
        policy = TenantPolicy()
        session.add(policy)
    for name, value in values.items():
        setattr(policy, name, value)
    switched = await _follow_policy(session, before or {}, policy)
    await session.flush()
    return Change("update" if before else "create", "policy", tenant.slug, before,
                  {**{name: getattr(policy, name) for name in POLICY_FIELDS}, **switched})


async def update_profile(session: AsyncSession, tenant: Tenant, timezone: str, *, name: str | None = None) -> Change:
    """The regency's time zone, as its admin confirms it while onboarding. Its name is the official
    one (``identity``): a ``name`` other than that is refused, naming the official name."""
    if name is not None and name != tenant.name:
        problem = identity.official_problem(tenant.region_code, name, tenant.province)
        raise Invalid({"name": (problem or identity.fixed_problem(tenant.name)).translated()})
    before = {"timezone": tenant.timezone.value}
    tenant.timezone = TimeZone(timezone)
    await session.flush()
    return Change("update", "tenant", tenant.slug, before, {"timezone": timezone})
