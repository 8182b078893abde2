"""Rules for a tenant's catalogue: importing shared services, local overrides, upgrades, queries.

Every shared service gets one row per tenant, enabled when the regency offers it. The row keeps
``base`` (the shared text as imported) and ``overrides`` (what the regency changed), so a new
shared version can be merged three ways: fields nobody touched locally follow the new version,
local changes stay, and where both sides changed the same field the local value is kept and the
clash is listed as a conflict for a person to settle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cachetools
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.audit import service as audit
from satupintu.audit.service import Change
from satupintu.catalogue import search
from satupintu.catalogue.fees import fee_problem
from satupintu.catalogue.models import SWITCHES, TenantService, UpstreamStatus, default_switches
from satupintu.catalogue.shared import SharedCatalogue
from satupintu.forms import Invalid
from satupintu.i18n import N_
from satupintu.i18n import gettext as _
from satupintu.tenants.models import TenantPolicy

SHARED_FIELDS = (
    "category", "provider_kind", "provider", "name_id", "name_en", "summary_id", "summary_en",
    "requirements", "steps", "completion_value", "completion_unit", "cost", "cost_note", "product",
    "legal_basis", "keywords", "complaint_channel",
    "requirements_en", "steps_en", "cost_note_en", "product_en", "complaint_channel_en",
)
ENGLISH = {"name_id": "name_en", "summary_id": "summary_en", "requirements": "requirements_en",
           "steps": "steps_en", "cost_note": "cost_note_en", "product": "product_en",
           "complaint_channel": "complaint_channel_en", "extra_requirements": "extra_requirements_en"}
"""Each citizen-facing text and its English twin."""
OVERRIDABLE = frozenset({
    "name_id", "name_en", "summary_id", "summary_en", "requirements", "steps", "completion_value",
    "completion_unit", "cost", "cost_note", "product", "complaint_channel", "extra_requirements",
    "requirements_en", "steps_en", "cost_note_en", "product_en", "complaint_channel_en", "extra_requirements_en",
})
_EXTRA = ("extra_requirements", "extra_requirements_en")


def _aligned(english: Any, indonesian: Any) -> Any:
    """English as long as the Indonesian list, blank where a translation is missing."""
    if not isinstance(indonesian, list):
        return english if isinstance(english, str) else ""
    english = list(english) if isinstance(english, list) else []
    return [*english[:len(indonesian)], *[""] * (len(indonesian) - len(english))]


def effective(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The service a citizen sees: the shared text with this regency's overrides on top.

    A local override of an Indonesian text without its own English leaves that English blank,
    so the page shows the Indonesian marked as such instead of an English text that says otherwise.
    """
    data = {name: base.get(name, [] if name.endswith(("requirements_en", "steps_en")) else "")
            for name in SHARED_FIELDS}
    data.update({k: v for k, v in overrides.items() if k not in _EXTRA})
    for indonesian, english in ENGLISH.items():
        if indonesian in data and indonesian in overrides and english not in overrides:
            data[english] = _aligned(None, data[indonesian])
        elif indonesian in data:
            data[english] = _aligned(data[english], data[indonesian])
    extra = overrides.get("extra_requirements", [])
    extra_en = _aligned(overrides.get("extra_requirements_en"), extra)
    pairs = [(r, e) for r, e in zip(extra, extra_en, strict=True) if r not in data["requirements"]]
    data["requirements"] = [*data["requirements"], *(r for r, _ in pairs)]
    data["requirements_en"] = [*data["requirements_en"], *(e for _, e in pairs)]
    return data


@dataclass(frozen=True)
class Text:
    """One text as shown in the reader's language; ``untranslated`` when it stayed Indonesian."""

    value: str
    untranslated: bool = False


def localized(row: TenantService, locale: str) -> dict[str, Any]:
    """The citizen-facing texts of a service in ``locale``, falling back field by field to Indonesian."""
    def pick(indonesian: Any, english: Any) -> Any:
        if isinstance(indonesian, list):
            return [pick(i, e) for i, e in zip(indonesian, _aligned(english, indonesian), strict=True)]
        if locale == "id" or not indonesian:
            return Text(indonesian or "")
        return Text(english) if english else Text(indonesian, untranslated=True)

    return {
        "name": pick(row.name_id, row.name_en), "summary": pick(row.summary_id, row.summary_en),
        "requirements": pick(row.requirements, row.requirements_en), "steps": pick(row.steps, row.steps_en),
        "cost_note": pick(row.cost_note, row.cost_note_en), "product": pick(row.product, row.product_en),
        "complaint_channel": pick(row.complaint_channel, row.complaint_channel_en),
    }


def apply_state(row: TenantService, base: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
    unknown = set(overrides) - OVERRIDABLE
    if unknown:
        raise ValueError(f"these fields cannot be overridden: {', '.join(sorted(unknown))}")
    row.base = dict(base)
    row.overrides = dict(overrides)
    for name, value in effective(base, overrides).items():
        setattr(row, name, value)


async def tenant_services(session: AsyncSession, *, enabled_only: bool = False) -> list[TenantService]:
    query = select(TenantService).order_by(TenantService.category, TenantService.name_id)
    if enabled_only:
        query = query.where(TenantService.enabled.is_(True))
    return list((await session.scalars(query)).all())


async def get_service(session: AsyncSession, code: str, *, enabled_only: bool = True) -> TenantService | None:
    query = select(TenantService).where(TenantService.code == code)
    if enabled_only:
        query = query.where(TenantService.enabled.is_(True))
    return await session.scalar(query)


async def show_service(session: AsyncSession, code: str) -> Any:
    """An enabled service as citizens and the API see it (a row of ``API_COLUMNS``), or None."""
    return (await session.execute(select(*API_COLUMNS).where(
        TenantService.code == code, TenantService.enabled.is_(True)))).first()


async def show_services(session: AsyncSession, codes: Sequence[str]) -> list[Any]:
    """Enabled services as the API shows them, in the order of ``codes``."""
    rows = {row.code: row for row in (await session.execute(select(*API_COLUMNS).where(
        TenantService.code.in_(codes), TenantService.enabled.is_(True)))).all()}
    return [rows[code] for code in codes if code in rows]


@dataclass
class ImportPlan:
    """What a tenant takes from the shared catalogue: enabled codes, local overrides, agencies."""

    enabled: set[str]
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    agency_ids: dict[str, int | None] = field(default_factory=dict)
    counter_ids: dict[str, int | None] = field(default_factory=dict)
    switches: dict[str, dict[str, bool]] = field(default_factory=dict)
    """Per-service switches (``permit_first``, ``delivery``) a pack sets; others keep theirs or the defaults."""


async def policy_defaults(session: AsyncSession) -> dict[str, bool]:
    """The regency's policies that decide a newly imported service's switches (``default_switches``)."""
    policy = await session.scalar(select(TenantPolicy))
    return {"permit_first": bool(policy and policy.permit_first),
            "courier_delivery": bool(policy and policy.courier_delivery)}


async def import_catalogue(session: AsyncSession, catalogue: SharedCatalogue, plan: ImportPlan) -> int:
    """Create or refresh one row per shared service; returns how many are enabled.

    Rows already present keep their merge base (moving it is ``upgrade``'s job) and their switches; the
    plan's enablement, overrides, agency assignments and switches are applied. A new row's switches
    follow the regency's policies. Idempotent.
    """
    existing = {row.code: row for row in await tenant_services(session)}
    policies = await policy_defaults(session)
    for code in catalogue.services:
        row = existing.get(code)
        if row is None:
            row = TenantService(code=code, catalogue_version=catalogue.version, upstream=UpstreamStatus.CURRENT)
            base = catalogue.service_data(code)
            session.add(row)
            for name, value in default_switches(catalogue.services[code].category, **policies).items():
                setattr(row, name, value)
        else:
            base = row.base
        for name, value in plan.switches.get(code, {}).items():
            setattr(row, name, value)
        apply_state(row, base, plan.overrides.get(code, row.overrides or {}))
        row.enabled = code in plan.enabled
        if code in plan.agency_ids:
            row.agency_id = plan.agency_ids[code]
        if code in plan.counter_ids:
            row.counter_id = plan.counter_ids[code]
    await session.flush()
    return len(plan.enabled)


@dataclass
class Conflict:
    code: str
    field: str
    base: Any
    shared: Any
    local: Any


@dataclass
class UpgradeReport:
    from_versions: list[str]
    to_version: str
    changed: dict[str, list[str]] = field(default_factory=dict)
    adopted: dict[str, list[str]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.changed or self.added or self.removed)


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [name for name in SHARED_FIELDS if old.get(name) != new.get(name)]


def plan_upgrade(rows: Iterable[TenantService], catalogue: SharedCatalogue) -> UpgradeReport:
    """Compare a tenant's rows with a shared catalogue version, without changing anything."""
    rows = list(rows)
    report = UpgradeReport(sorted({r.catalogue_version for r in rows if r.upstream != UpstreamStatus.LOCAL}),
                           catalogue.version)
    have = {row.code: row for row in rows}
    for row in rows:
        if row.upstream == UpstreamStatus.LOCAL:
            continue
        if row.code not in catalogue.services:
            if row.upstream != UpstreamStatus.REMOVED:
                report.removed.append(row.code)
            continue
        new = catalogue.service_data(row.code)
        fields = _changed_fields(row.base, new)
        if not fields:
            continue
        report.changed[row.code] = fields
        adopted = []
        for name in fields:
            if name not in row.overrides:
                adopted.append(name)
            elif row.overrides[name] != new[name]:
                report.conflicts.append(
                    Conflict(row.code, name, row.base.get(name), new[name], row.overrides[name])
                )
        report.adopted[row.code] = adopted
    report.added = sorted(code for code in catalogue.services if code not in have)
    return report


async def upgrade_catalogue(session: AsyncSession, catalogue: SharedCatalogue) -> UpgradeReport:
    """Move a tenant to a new shared version: adopt untouched fields, keep overrides, list conflicts.

    New shared services are offered (present but disabled until the regency enables them);
    services the shared catalogue dropped stay as they are and are flagged ``removed``.
    """
    rows = await tenant_services(session)
    report = plan_upgrade(rows, catalogue)
    for row in rows:
        if row.code in report.removed:
            row.upstream = UpstreamStatus.REMOVED
        elif row.code in catalogue.services and row.upstream != UpstreamStatus.LOCAL:
            apply_state(row, catalogue.service_data(row.code), row.overrides)
            row.catalogue_version = catalogue.version
            if row.upstream == UpstreamStatus.REMOVED:
                row.upstream = UpstreamStatus.CURRENT
    policies = await policy_defaults(session) if report.added else {}
    for code in report.added:
        row = TenantService(code=code, catalogue_version=catalogue.version,
                            upstream=UpstreamStatus.OFFERED, enabled=False,
                            **default_switches(catalogue.services[code].category, **policies))
        apply_state(row, catalogue.service_data(code), {})
        session.add(row)
    await session.flush()
    return report


LIST_COLUMNS = (
    TenantService.code, TenantService.category, TenantService.name_id, TenantService.name_en,
    TenantService.agency_id, TenantService.counter_id, TenantService.cost, TenantService.completion_value,
    TenantService.completion_unit,
)
"""What a list of services shows, selected alone: a list never reads (or decodes) the rest of a row."""
API_COLUMNS = (
    *LIST_COLUMNS, TenantService.provider_kind, TenantService.summary_id, TenantService.summary_en,
    TenantService.requirements, TenantService.steps, TenantService.cost_note, TenantService.product,
    TenantService.legal_basis, TenantService.complaint_channel, TenantService.requirements_en,
    TenantService.steps_en, TenantService.cost_note_en, TenantService.product_en, TenantService.complaint_channel_en,
    TenantService.permit_first, TenantService.delivery,
)
"""What the API and the service's page read of a service: everything but the merge bookkeeping (``base``,
``overrides``)."""
ORDER = (TenantService.category, TenantService.name_id, TenantService.code)
"""The catalogue's order, total (codes are unique per tenant), so pages of it never overlap."""


@dataclass
class Finding:
    service: Any
    score: float | None


@dataclass(frozen=True)
class _Index:
    docs: list[search.Document]
    words: frozenset[str]

    @property
    def size(self) -> int:
        return 2000 + 400 * len(self.docs)


_INDEX: cachetools.LRUCache = cachetools.LRUCache(maxsize=8 * 1024 * 1024, getsizeof=lambda index: index.size)
"""Search documents per tenant revision, bounded by bytes (the words of a text are shared: see search)."""
_WORDS: cachetools.LRUCache = cachetools.LRUCache(maxsize=32)
"""One vocabulary object per distinct vocabulary, so regencies with the same services share it."""


async def current_revision(session: AsyncSession) -> int:
    from satupintu.tenants.models import Tenant

    return await session.scalar(select(Tenant.revision).where(Tenant.id == session.info.get("tenant_id"))) or 0


async def _documents(session: AsyncSession, category_names: Mapping[str, str], revision_: int | None) -> _Index:
    if revision_ is None:
        revision_ = await current_revision(session)
    key = (str(session.bind.url) if session.bind else "", session.info.get("tenant_id"), revision_)
    index = _INDEX.get(key)
    if index is not None:
        return index
    rows = (await session.execute(select(
        TenantService.code, TenantService.name_id, TenantService.name_en, TenantService.keywords,
        TenantService.product, TenantService.summary_id, TenantService.category, TenantService.requirements,
        TenantService.agency_id).where(TenantService.enabled.is_(True)))).all()
    docs = [
        search.document(
            row.code, name=row.name_id, name_en=row.name_en, keywords=row.keywords, product=row.product,
            summary=row.summary_id, category=category_names.get(row.category, row.category),
            requirements=row.requirements, category_code=row.category, agency_id=row.agency_id,
        )
        for row in rows
    ]
    words = search.vocabulary(docs)
    words = _WORDS.setdefault(words, words)
    index = _INDEX[key] = _Index(docs, words)
    return index


async def find_services(
    session: AsyncSession,
    *,
    query: str = "",
    category: str | None = None,
    agency_id: int | None = None,
    life_event: Sequence[str] | None = None,
    category_names: Mapping[str, str] | None = None,
    columns: Sequence[Any] = LIST_COLUMNS,
    revision: int | None = None,
) -> list[Finding]:
    """A tenant's enabled services matching the citizen's words and filters, best first.

    Rows carry only ``columns``; ``revision`` is the tenant's (read when not given), which keys the
    search index kept for it."""
    statement = select(*columns).where(TenantService.enabled.is_(True))
    if not query.strip():
        if category:
            statement = statement.where(TenantService.category == category)
        if agency_id is not None:
            statement = statement.where(TenantService.agency_id == agency_id)
        if life_event is not None:
            statement = statement.where(TenantService.code.in_(life_event))
        rows = list((await session.execute(statement.order_by(*ORDER))).all())
        if life_event is not None:
            order = {code: i for i, code in enumerate(life_event)}
            rows.sort(key=lambda r: order[r.code])
        return [Finding(row, None) for row in rows]
    index = await _documents(session, category_names or {}, revision)
    docs = [
        doc for doc in index.docs
        if (not category or doc.attrs["category_code"] == category)
        and (agency_id is None or doc.attrs["agency_id"] == agency_id)
        and (life_event is None or doc.key in life_event)
    ]
    ranked = search.rank(query, docs, words_of_docs=index.words)
    if not ranked:
        return []
    rows = {row.code: row for row in (await session.execute(
        statement.where(TenantService.code.in_([code for code, _ in ranked])))).all()}
    return [Finding(rows[code], round(value, 3)) for code, value in ranked if code in rows]


SETTINGS_FIELDS = ("enabled", "cost", "cost_note", "completion_value", "completion_unit", "requirements",
                   "agency_id", "counter_id", "retention_days", *SWITCHES, "overrides")


def settings_problems(*, cost: int | None, cost_note: str, agency_id: int | None,
                      counter_agency_id: int | None) -> dict[str, str]:
    """What is wrong with a regency's settings for one service: field name -> message id."""
    problems = {}
    fee = fee_problem(cost, cost_note) if cost is not None else None
    if fee:
        problems["cost_note"] = fee
    if counter_agency_id is not None and agency_id is not None and counter_agency_id != agency_id:
        problems["counter_id"] = N_("This counter belongs to another agency.")
    return problems


def change_settings(row: TenantService, *, enabled: bool, cost: int, cost_note: str, completion_value: int,
                    completion_unit: str, extra_requirements: list[str], agency_id: int | None,
                    counter_id: int | None, retention_days: int | None = None, permit_first: bool | None = None,
                    delivery: bool | None = None) -> None:
    """A regency's own settings for one service, kept as overrides of the shared text.

    A value equal to the shared one is not an override (so a later shared change still flows in);
    a value that differs is, and survives catalogue upgrades.
    """
    overrides = dict(row.overrides)
    for name, value in (("cost", cost), ("cost_note", cost_note), ("completion_value", completion_value),
                        ("completion_unit", completion_unit)):
        if value == row.base.get(name):
            overrides.pop(name, None)
        else:
            overrides[name] = value
    extra = [r for r in extra_requirements if r not in row.base.get("requirements", [])]
    if extra:
        overrides["extra_requirements"] = extra
    else:
        overrides.pop("extra_requirements", None)
    for name in ("cost_note", "extra_requirements"):
        if overrides.get(name) != row.overrides.get(name):
            overrides.pop(ENGLISH[name], None)  # the English said something else; it shows as untranslated
    apply_state(row, row.base, overrides)
    row.enabled, row.agency_id, row.counter_id = enabled, agency_id, counter_id
    if retention_days is not None:
        row.retention_days = retention_days  # the regency's own rule (applications.retention), not catalogue text
    for name, value in (("permit_first", permit_first), ("delivery", delivery)):
        if value is not None:
            setattr(row, name, value)  # its own switches too (applications.permits, applications.delivery)


async def save_settings(session: AsyncSession, row: TenantService, *, agency: Any, counter: Any,
                        **settings: Any) -> Change:
    """Change one service's settings from the console: an offered service needs an agency, its
    counter must be one of that agency's, and its fee must agree with its note."""
    problems = settings_problems(cost=settings["cost"], cost_note=settings["cost_note"],
                                 agency_id=agency.id if agency else None,
                                 counter_agency_id=counter.agency_id if counter else None)
    errors = {name: _(message) for name, message in problems.items()}
    if settings["enabled"] and agency is None:
        errors["agency_id"] = _("A service that is offered needs an agency that serves it.")
    if errors:
        raise Invalid(errors)
    before = audit.snapshot(row, SETTINGS_FIELDS)
    change_settings(row, **settings, agency_id=agency.id if agency else None,
                    counter_id=counter.id if counter else None)
    await session.flush()
    return Change("update", "service", row.code, before, audit.snapshot(row, SETTINGS_FIELDS))
