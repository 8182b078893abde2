"""Rules for onboarding a regency: invitations, the wizard's steps, readiness and going live.

A regency becomes a tenant in status ``onboarding`` the moment its invited officer accepts; its
public pages stay hidden (404) until an admin goes live, which the readiness checklist must allow.
Each step is saved when completed and can be revisited, so any admin can resume from anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.accounts import service as accounts_service
from satupintu.accounts.models import Role, StaffAccount
from satupintu.agencies import service as agencies_service
from satupintu.agencies.models import Agency, AgencyKind, Counter, Location
from satupintu.audit.service import Change
from satupintu.catalogue import service as catalogue_service
from satupintu.catalogue.models import TenantService
from satupintu.catalogue.shared import SharedCatalogue
from satupintu.complaints import service as complaints_service
from satupintu.db import bind_tenant, tenant_session
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.onboarding.models import Invitation, JoinRequest, OnboardingState, RequestStatus
from satupintu.tenants.models import Tenant, TenantPolicy, TenantStatus, TimeZone
from satupintu.tenants.regions import Region, regions
from satupintu.tenants.slugs import RESERVED_SLUGS

STEPS = ("profil", "lokasi", "instansi", "layanan", "loket", "kebijakan", "akses")
INVITATION_DAYS = 7
PRESETS = ("seperti-mentor", "adminduk-inti", "mpp-minimal", "per-kategori")
MINIMUM_MPP = (
    "ktp-el-baru", "ktp-el-hilang", "kk-baru", "kk-perubahan", "akta-kelahiran", "akta-kematian", "kia-baru",
    "pindah-keluar", "pindah-datang", "nib-oss", "pbg-baru", "skck-baru", "sim-a-perpanjangan",
    "sim-c-perpanjangan", "stnk-pengesahan-tahunan", "bpjs-kesehatan-pendaftaran", "pdam-sambungan-baru",
    "pbb-pembayaran", "nikah-pencatatan-kua", "paspor-baru",
)
"""A small first mall: the services every MPP opens with, from population records to police."""


class OnboardingError(ValueError):
    """Refused with a message for the person at the keyboard."""


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def region_or_error(code: str) -> Region:
    region = regions().get(code.strip())
    if region is None:
        raise OnboardingError(_("Choose a regency or city from the official list."))
    return region


async def create_invitation(session: AsyncSession, region_code: str, email: str, created_by: str) -> tuple[Invitation, str]:
    """A new invitation and its token (shown once; only the hash is kept)."""
    region = region_or_error(region_code)
    email = accounts_service.normalise_email(email)
    if await session.scalar(select(Tenant).where(Tenant.region_code == region.code)):
        raise OnboardingError(_("%(name)s is already on SatuPintu.") % {"name": region.name})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(region_code=region.code, email=email, token_hash=_hash(token),
                            expires_at=_now() + timedelta(days=INVITATION_DAYS), created_by=created_by)
    session.add(invitation)
    await session.flush()
    return invitation, token


async def pending_invitation(session: AsyncSession, token: str) -> Invitation:
    invitation = await session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token[:200])))
    if invitation is None or invitation.used_at is not None:
        raise OnboardingError(_("This invitation is not valid or was already used."))
    expires = invitation.expires_at if invitation.expires_at.tzinfo else invitation.expires_at.replace(tzinfo=UTC)
    if expires < _now():
        raise OnboardingError(_("This invitation has expired. Ask the platform team for a new one."))
    return invitation


def _slug_for(region: Region, taken: set[str]) -> str:
    slug = region.slug
    if region.kind == "kota" and not slug.startswith("kota-"):
        slug = f"kota-{slug}"[:40]
    if slug in taken or slug in RESERVED_SLUGS or len(slug) < 3:
        slug = f"{slug}-{region.code.replace('.', '')}"[:40]
    return slug


async def accept_invitation(session: AsyncSession, token: str, name: str, password: str) -> tuple[Tenant, StaffAccount]:
    """The invited officer becomes the first admin of a new tenant, in status onboarding."""
    invitation = await pending_invitation(session, token)
    region = region_or_error(invitation.region_code)
    if await session.scalar(select(Tenant).where(Tenant.region_code == region.code)):
        raise OnboardingError(_("%(name)s is already on SatuPintu.") % {"name": region.name})
    taken = set((await session.scalars(select(Tenant.slug))).all())
    tenant = Tenant(slug=_slug_for(region, taken), name=region.name, region_code=region.code, province=region.province,
                    timezone=TimeZone(region.timezone), status=TenantStatus.ONBOARDING)
    session.add(tenant)
    await session.flush()
    await bind_tenant(session, tenant.id)
    admin = await accounts_service.create_staff(session, email=invitation.email, name=name,
                                                role=Role.TENANT_ADMIN.value, password=password)
    session.add(OnboardingState(steps={"profil": _now().isoformat()}))  # name and time zone: the official list's
    await complaints_service.seed_categories(session)
    invitation.used_at, invitation.tenant_slug = _now(), tenant.slug
    await session.flush()
    return tenant, admin


async def request_to_join(session: AsyncSession, region_code: str, name: str, email: str, position: str,
                          message: str) -> JoinRequest:
    region = region_or_error(region_code)
    email = accounts_service.normalise_email(email)
    if not name.strip():
        raise OnboardingError(_("Enter the person's name."))
    if await session.scalar(select(Tenant).where(Tenant.region_code == region.code)):
        raise OnboardingError(_("%(name)s is already on SatuPintu.") % {"name": region.name})
    waiting = _("A request for %(name)s is already waiting for a decision.") % {"name": region.name}
    if await session.scalar(select(JoinRequest.id).where(JoinRequest.region_code == region.code,
                                                         JoinRequest.status == RequestStatus.PENDING)):
        raise OnboardingError(waiting)
    request = JoinRequest(region_code=region.code, contact_name=name.strip()[:120], contact_email=email,
                          position=position.strip()[:120], message=message.strip()[:2000])
    try:
        async with session.begin_nested():  # the unique index decides between two requests sent at once
            session.add(request)
    except IntegrityError as exc:
        raise OnboardingError(waiting) from exc
    return request


async def decide(session: AsyncSession, request_id: int, approve: bool, by: str) -> tuple[JoinRequest, str | None]:
    request = await session.get(JoinRequest, request_id)
    if request is None or request.status != RequestStatus.PENDING:
        raise OnboardingError(_("This request was already decided."))
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_by, request.decided_at = by, _now()
    token = None
    if approve:
        _invitation, token = await create_invitation(session, request.region_code, request.contact_email, by)
    await session.flush()
    return request, token


async def state(session: AsyncSession) -> OnboardingState:
    current = await session.scalar(select(OnboardingState))
    if current is None:
        current = OnboardingState(steps={})
        session.add(current)
        await session.flush()
    return current


async def complete_step(session: AsyncSession, step: str) -> Change:
    current = await state(session)
    current.steps = {**current.steps, step: _now().isoformat()}
    await session.flush()
    return Change("update", "tenant", f"onboarding:{step}", None, {"step": step})


def next_step(done: dict) -> str:
    return next((step for step in STEPS if step not in done), "siap")


def agency_templates(catalogue: SharedCatalogue) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for template in catalogue.agencies.values():
        grouped.setdefault(template.kind, []).append(template)
    return grouped


def _localise(name: str, mentor: Tenant, tenant: Tenant) -> str:
    return name.replace(mentor.name, tenant.name).replace(mentor.name.removeprefix("Kabupaten "),
                                                          tenant.name.removeprefix("Kabupaten "))


async def live_mentors(maker: async_sessionmaker[AsyncSession]) -> list[Tenant]:
    async with tenant_session(maker, None) as session:
        return list((await session.scalars(select(Tenant).where(Tenant.status == TenantStatus.LIVE)
                                           .order_by(Tenant.name))).all())


@dataclass
class Mentor:
    """A live regency's configuration as a new one copies it: never its people."""

    tenant: Tenant
    agencies: list[dict]
    codes: list[str]
    """The services it offers."""
    counters: list[dict]
    """Code, name, agency key and the code and kind of its location."""
    placed: dict[str, tuple[str, str]]
    """Service code -> the key of the agency that serves it and the code of its counter ("" for any)."""


async def mentor_setup(maker: async_sessionmaker[AsyncSession], slug: str) -> Mentor:
    """A live mentor's agencies, offered services and counters."""
    async with tenant_session(maker, None) as session:
        mentor = await session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.status == TenantStatus.LIVE))
    if mentor is None:
        raise OnboardingError(_("Choose a live regency to learn from."))
    async with tenant_session(maker, mentor.id) as session:
        agencies = await agencies_service.agencies(session)
        locations = {location.id: location for location in await agencies_service.locations(session)}
        counters = await agencies_service.counters(session)
        services = await catalogue_service.tenant_services(session, enabled_only=True)
    key_of = {a.id: a.key for a in agencies}
    code_of = {c.id: c.code for c in counters}
    return Mentor(
        mentor,
        [{"key": a.key, "name": a.name, "short": a.short, "kind": a.kind.value, "template": a.template}
         for a in agencies],
        [row.code for row in services],
        [{"code": c.code, "name": c.name, "agency": key_of[c.agency_id], "location": locations[c.location_id].code,
          "location_kind": locations[c.location_id].kind.value} for c in counters],
        {row.code: (key_of[row.agency_id], code_of.get(row.counter_id, "")) for row in services
         if row.agency_id in key_of})


async def add_agencies(session: AsyncSession, tenant: Tenant, catalogue: SharedCatalogue, template_keys: list[str],
                       mentor: tuple[Tenant, list[dict]] | None = None) -> int:
    """Create agencies from typical templates, or as copies of a mentor's (names localised)."""
    existing = {a.key for a in await agencies_service.agencies(session)}
    items = []
    if mentor is not None:
        mentor_tenant, mentor_agencies = mentor
        items = [{**a, "name": _localise(a["name"], mentor_tenant, tenant),
                  "short": _localise(a["short"], mentor_tenant, tenant)} for a in mentor_agencies]
    for key in template_keys:
        template = catalogue.agencies.get(key)
        if template is None:
            raise OnboardingError(_("Unknown agency template."))
        suffix = tenant.name if template.kind == "opd" else tenant.name.removeprefix("Kabupaten ")
        items.append({"key": template.key, "name": f"{template.name_id} {suffix}", "short": template.short,
                      "kind": template.kind, "template": template.key})
    fresh = [item for item in items if item["key"] not in existing]
    await agencies_service.upsert_agencies(session, fresh)
    return len(fresh)


async def copy_agencies(session: AsyncSession, maker: async_sessionmaker[AsyncSession], tenant: Tenant,
                        catalogue: SharedCatalogue, template_keys: list[str], mentor_slug: str) -> Change:
    """The wizard's agencies step: typical agencies from templates and/or a live mentor's agencies."""
    mentor = None
    if mentor_slug:
        setup = await mentor_setup(maker, mentor_slug)
        mentor = (setup.tenant, setup.agencies)
        (await state(session)).mentor = setup.tenant.slug
    if not template_keys and not mentor and not await agencies_service.agencies(session):
        raise OnboardingError(_("Choose at least one agency, or copy them from a mentor regency."))
    added = await add_agencies(session, tenant, catalogue, template_keys, mentor)
    return Change("create", "agency", "onboarding:instansi", None, {"added": added, "mentor": mentor_slug or None})


async def copy_counters(session: AsyncSession, tenant: Tenant, mentor: Mentor) -> tuple[int, int]:
    """Copy a mentor's counters (names adapted) into this regency's locations; returns (copied, skipped).

    A counter goes to the location with the same code, else to the first location of the same kind
    (the mentor's mall counters into this regency's mall); one at a kind of place this regency does
    not have (a market service point), or of an agency it did not take, is skipped. Counters whose
    code is already used here are left as they are, so copying again adds nothing.
    """
    locations = await agencies_service.locations(session)
    by_code = {location.code: location for location in locations}
    by_kind: dict[str, Location] = {}
    for location in locations:
        by_kind.setdefault(location.kind.value, location)
    agencies = await agencies_service.agencies(session)
    by_key = {a.key: a for a in agencies} | {a.template: a for a in agencies if a.template}
    template_of = {a["key"]: a["template"] for a in mentor.agencies}
    taken = {c.code for c in await agencies_service.counters(session)}
    fresh, skipped = [], 0
    for counter in mentor.counters:
        if counter["code"] in taken:
            continue
        place = by_code.get(counter["location"]) or by_kind.get(counter["location_kind"])
        agency = by_key.get(counter["agency"]) or by_key.get(template_of.get(counter["agency"]) or "")
        if place is None or agency is None:
            skipped += 1
            continue
        fresh.append({"code": counter["code"], "name": _localise(counter["name"], mentor.tenant, tenant),
                      "location_id": place.id, "agency_id": agency.id})
    await agencies_service.upsert_counters(session, fresh)
    return len(fresh), skipped


def preset_codes(catalogue: SharedCatalogue, preset: str, categories: list[str], mentor_codes: list[str]) -> set[str]:
    if preset == "seperti-mentor":
        return {code for code in mentor_codes if code in catalogue.services}
    if preset == "adminduk-inti":
        return {c for c, s in catalogue.services.items() if s.category == "adminduk"}
    if preset == "mpp-minimal":
        return {c for c in MINIMUM_MPP if c in catalogue.services}
    unknown = [c for c in categories if c not in catalogue.categories]
    if preset != "per-kategori" or unknown or not categories:
        raise OnboardingError(_("Choose a starting set of services, or at least one category."))
    return {c for c, s in catalogue.services.items() if s.category in categories}


async def import_services(session: AsyncSession, catalogue: SharedCatalogue, codes: set[str],
                          progress: OnboardingState | None = None,
                          placed: dict[str, list[str]] | None = None) -> int:
    """Import the whole shared catalogue into the tenant, offering ``codes``; agencies by template.

    ``placed`` (copying a mentor) names, per service, the agency key and counter code that serve it
    there; this regency's agency and counter of that key and code are used where it has them.
    """
    own = await agencies_service.agencies(session)
    agencies = {a.template or a.key: a for a in own}
    by_key = {a.key: a for a in own}
    counters = {c.code: c for c in await agencies_service.counters(session)}
    plan = catalogue_service.ImportPlan(enabled=set(codes))
    for code, spec in catalogue.services.items():
        agency = agencies.get(spec.provider)
        if agency is not None:
            plan.agency_ids[code] = agency.id
        agency_key, counter_code = (placed or {}).get(code) or ("", "")
        if code in codes and agency_key in by_key:
            plan.agency_ids[code] = by_key[agency_key].id
            counter = counters.get(counter_code)
            if counter is not None and counter.agency_id == by_key[agency_key].id:
                plan.counter_ids[code] = counter.id
    count = await catalogue_service.import_catalogue(session, catalogue, plan)
    if progress is not None:
        progress.import_done, progress.import_total, progress.import_status = len(catalogue.services), \
            len(catalogue.services), "done"
    return count


@dataclass
class ImportJob:
    """What the import job is sent, filled by ``queue_import``."""

    codes: list[str] = field(default_factory=list)
    placed: dict[str, list[str]] = field(default_factory=dict)


async def queue_import(session: AsyncSession, maker: async_sessionmaker[AsyncSession], tenant: Tenant,
                       catalogue: SharedCatalogue, preset: str, categories: list[str], mentor_slug: str,
                       job: ImportJob) -> Change:
    """Choose the services to offer (filled into ``job``) and mark the import queued; the caller
    sends the job once its transaction is committed.

    Copying a mentor's services also copies its counters, now, so the job can give each service the
    agency and counter that serve it there; the counters step is then done.
    """
    progress = await state(session)
    mentor = None
    if preset == "seperti-mentor":
        mentor = await mentor_setup(maker, mentor_slug or progress.mentor)
    job.codes.extend(sorted(preset_codes(catalogue, preset, categories, mentor.codes if mentor else [])))
    copied = skipped = 0
    if mentor is not None:
        progress.mentor = mentor.tenant.slug
        copied, skipped = await copy_counters(session, tenant, mentor)
        job.placed.update({code: list(place) for code, place in mentor.placed.items() if code in job.codes})
        if copied:
            await complete_step(session, "loket")
    progress.counters_copied, progress.counters_skipped = copied, skipped
    progress.import_status, progress.import_done, progress.import_total = "queued", 0, len(catalogue.services)
    return Change("create", "service", "onboarding:import", None,
                  {"preset": preset, "offered": len(job.codes), "counters": copied})


async def offered_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(TenantService).where(
        TenantService.enabled.is_(True))) or 0)


async def unassigned_providers(session: AsyncSession) -> dict[str, int]:
    """Offered services with no agency yet, counted by the kind of provider the catalogue names."""
    rows = (await session.execute(select(TenantService.provider, func.count()).where(
        TenantService.enabled.is_(True), TenantService.agency_id.is_(None)).group_by(TenantService.provider))).all()
    return dict(rows)


async def assign_providers(session: AsyncSession, assignments: dict[str, Agency]) -> Change:
    """Give the offered services still without an agency the agency chosen for their kind of provider."""
    assigned = 0
    for provider, agency in assignments.items():
        rows = (await session.scalars(select(TenantService).where(
            TenantService.provider == provider, TenantService.agency_id.is_(None)))).all()
        for row in rows:
            row.agency_id = agency.id
        assigned += len(rows)
    await session.flush()
    return Change("update", "service", "onboarding:assign", None, {"assigned": assigned})


async def require_import(session: AsyncSession) -> None:
    if (await state(session)).import_status != "done":
        raise Invalid({"preset": _("Import the services first.")})


@dataclass
class Check:
    key: str
    ok: bool
    label: str
    fix: str


async def readiness(session: AsyncSession, tenant: Tenant) -> list[Check]:
    """What must be true before a mall opens to the public, each with where to fix it."""
    base = f"/onboarding/{tenant.slug}"
    locations = (await session.scalars(select(Location))).all()
    with_hours = [l for l in locations if any(v and v != "tutup" for v in (l.hours or {}).values())]
    agencies = await session.scalar(select(func.count()).select_from(Agency))
    offered = await session.scalar(select(func.count()).select_from(TenantService).where(TenantService.enabled.is_(True)))
    unassigned = await session.scalar(select(func.count()).select_from(TenantService).where(
        TenantService.enabled.is_(True), TenantService.agency_id.is_(None)))
    counters = await session.scalar(select(func.count()).select_from(Counter))
    admins = await session.scalar(select(func.count()).select_from(StaffAccount).where(
        StaffAccount.role == Role.TENANT_ADMIN, StaffAccount.active.is_(True)))
    policy = await session.scalar(select(TenantPolicy))
    return [
        Check("lokasi", bool(with_hours), _("At least one location with opening hours"), f"{base}/lokasi"),
        Check("instansi", bool(agencies), _("At least one agency"), f"{base}/instansi"),
        Check("layanan", bool(offered), _("At least one service offered"), f"{base}/layanan"),
        Check("penugasan", bool(offered) and not unassigned,
              _("Every offered service has an agency (%(n)d without)") % {"n": unassigned or 0}, f"{base}/layanan"),
        Check("loket", bool(counters), _("At least one counter"), f"{base}/loket"),
        Check("kebijakan", policy is not None, _("Local policies set (complaint response time)"), f"{base}/kebijakan"),
        Check("admin", bool(admins), _("At least one active admin"), f"{base}/akses"),
    ]


@dataclass
class Publication:
    """What going live makes public: counts and names of configuration, never a person."""

    services: int
    agencies: int
    counters: int
    locations: list[str]


async def publication(session: AsyncSession) -> Publication:
    offered = await offered_count(session)
    agencies = await session.scalar(select(func.count()).select_from(Agency))
    counters = await session.scalar(select(func.count()).select_from(Counter))
    names = (await session.scalars(select(Location.name).order_by(Location.id))).all()
    return Publication(int(offered or 0), int(agencies or 0), int(counters or 0), list(names))


async def go_live(session: AsyncSession, tenant: Tenant, confirmed: bool) -> Change:
    """Open the regency's public pages; refused, naming each failing check, unless all pass, and
    refused unless the person confirmed after seeing what becomes public."""
    failing = [c for c in await readiness(session, tenant) if not c.ok]
    if failing:
        raise Invalid({c.key: c.label for c in failing})
    if not confirmed:
        raise Invalid({"confirm": _("Confirm that these pages may become public.")})
    tenant.status = TenantStatus.LIVE
    current = await state(session)
    current.went_live_at = _now()
    await session.flush()
    return Change("update", "tenant", tenant.slug, {"status": "onboarding"}, {"status": "live"})


async def location_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Location)) or 0)


AGENCY_KINDS = tuple(k.value for k in AgencyKind)
