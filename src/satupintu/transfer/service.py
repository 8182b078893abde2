"""The rules of region-to-region transfer, with no HTTP in sight.

Publishing and replicating are the only ways data crosses from one regency to another, and both go
through here: ``publish`` mirrors an innovation its regency marked public into the platform table
``public_innovations`` (and removes it when unmarked); ``replicate`` reads that projection, never
the source regency's own tables, creates the linked innovation in the caller's tenant and records
the public edge in ``replications``. Everything else touches the bound tenant only.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.audit import service as audit
from satupintu.audit.service import Change
from satupintu.config import PROJECT_ROOT
from satupintu.datafiles import DataFileError, load_toml, locate
from satupintu.db import tenant_session
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.tenants.models import Tenant, TenantStatus
from satupintu.transfer.models import (
    Innovation,
    InnovationCategory,
    InnovationStatus,
    LinkKind,
    Mou,
    MouStatus,
    PublicInnovation,
    Replication,
    StudyVisit,
    VisitRole,
)

REGIONS_CSV = PROJECT_ROOT / "tenants" / "regions" / "regencies.csv"
DEFAULT_DATA_FILE = PROJECT_ROOT / "tenants" / "transfer.toml"
REGION_CODE = r"\d{2}\.\d{2}"
INNOVATION_FIELDS = ("key", "title", "summary", "category", "year_started", "status", "public",
                     "replicated_from_code", "replicated_from_name", "replicated_from_title")
VISIT_FIELDS = ("role", "counterpart_code", "counterpart_name", "visit_date", "days", "participants", "delegation",
                "topics", "outcomes")
MOU_FIELDS = ("title", "counterpart_code", "counterpart_name", "scope", "status", "signed_on", "ends_on", "notes")


@functools.cache
def regions() -> dict[str, str]:
    """Kemendagri code -> name of every kabupaten and kota (tenants/regions/regencies.csv)."""
    with REGIONS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


class TransferError(ValueError):
    """A rule was broken; the message is already in the reader's language."""


def counterpart(code: str, name: str, own_code: str) -> tuple[str | None, str]:
    """Resolve a counterpart region: a known code gives the official name; without a code a name is needed.

    Counterparts beyond kabupaten and kota (a province, a ministry, another country) have no code
    in the list, so a name alone is accepted for them.
    """
    code, name = code.strip(), " ".join(name.split())
    if code:
        if code == own_code:
            raise TransferError(_("The counterpart must be another region, not your own."))
        known = regions().get(code)
        if known is None:
            raise TransferError(_("No kabupaten or kota has this Kemendagri code; check it, or leave it empty and "
                                  "write the name."))
        return code, known
    if not name:
        raise TransferError(_("Give the counterpart's Kemendagri code or its name."))
    return None, name[:120]


# -- innovations and their public projection ------------------------------------------------------

async def innovations(session: AsyncSession) -> list[Innovation]:
    return list((await session.scalars(select(Innovation).order_by(Innovation.title))).all())


async def get_innovation(session: AsyncSession, key: str) -> Innovation | None:
    return await session.scalar(select(Innovation).where(Innovation.key == key))


async def publish(session: AsyncSession, tenant: Tenant, innovation: Innovation) -> None:
    """Mirror the innovation into ``public_innovations`` if it is public, else make sure it is gone."""
    await session.flush()
    current = await session.scalar(select(PublicInnovation).where(
        PublicInnovation.source_tenant_id == tenant.id, PublicInnovation.key == innovation.key))
    if not innovation.public:
        if current is not None:
            await session.delete(current)
            await session.flush()
        return
    if current is None:
        current = PublicInnovation(source_tenant_id=tenant.id, key=innovation.key)
        session.add(current)
    current.tenant_slug, current.region_code, current.region_name = tenant.slug, tenant.region_code, tenant.name
    current.title, current.summary, current.category = innovation.title, innovation.summary, innovation.category
    current.year_started, current.status = innovation.year_started, innovation.status
    await session.flush()


def _innovation_columns(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "category": InnovationCategory(values["category"]), "status": InnovationStatus(values["status"])}


async def create_innovation(session: AsyncSession, tenant: Tenant, values: dict[str, Any]) -> Change:
    if await get_innovation(session, values["key"]):
        raise Invalid({"key": _("An innovation with this key already exists.")})
    innovation = Innovation(**_innovation_columns(values))
    change = await audit.added(session, innovation, INNOVATION_FIELDS, "innovation", "key")
    await publish(session, tenant, innovation)
    return change


async def update_innovation(session: AsyncSession, tenant: Tenant, innovation: Innovation,
                            values: dict[str, Any]) -> Change:
    change = await audit.changed(session, innovation, INNOVATION_FIELDS, _innovation_columns(values), "innovation",
                                 "key")
    await publish(session, tenant, innovation)
    return change


async def unique_key(session: AsyncSession, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50] or "inovasi"
    key, n = base, 2
    while await get_innovation(session, key) is not None:
        key, n = f"{base}-{n}", n + 1
    return key


async def public_innovations(session: AsyncSession, *, category: str | None = None, region: str | None = None,
                             exclude_tenant_id: int | None = None) -> list[PublicInnovation]:
    """Published innovations of live regencies: the only innovation data public pages read."""
    query = (select(PublicInnovation).join(Tenant, Tenant.id == PublicInnovation.source_tenant_id)
             .where(Tenant.status == TenantStatus.LIVE)
             .order_by(PublicInnovation.region_name, PublicInnovation.title))
    if category:
        query = query.where(PublicInnovation.category == category)
    if region:
        query = query.where(PublicInnovation.tenant_slug == region)
    if exclude_tenant_id is not None:
        query = query.where(PublicInnovation.source_tenant_id != exclude_tenant_id)
    return list((await session.scalars(query)).all())


async def public_innovation(session: AsyncSession, slug: str, key: str) -> PublicInnovation | None:
    found = await public_innovations(session, region=slug)
    return next((p for p in found if p.key == key), None)


async def replicate(session: AsyncSession, tenant: Tenant, public_id: int) -> Change:
    """Start a linked innovation in ``tenant`` from another region's published one."""
    source = await session.scalar(
        select(PublicInnovation).join(Tenant, Tenant.id == PublicInnovation.source_tenant_id)
        .where(PublicInnovation.id == public_id, Tenant.status == TenantStatus.LIVE))
    if source is None:
        raise TransferError(_("This innovation is not published (any more)."))
    if source.source_tenant_id == tenant.id:
        raise TransferError(_("This is your own region's innovation."))
    already = await session.scalar(select(Innovation).where(
        Innovation.replicated_from_code == source.region_code, Innovation.replicated_from_key == source.key))
    if already is not None:
        raise TransferError(_("Your region already replicates this innovation: %(title)s.") % {"title": already.title})
    innovation = Innovation(
        key=await unique_key(session, source.title), title=source.title, summary=source.summary,
        category=source.category, year_started=None, status=InnovationStatus.PLANNED, public=False,
        replicated_from_code=source.region_code, replicated_from_name=source.region_name,
        replicated_from_title=source.title, replicated_from_key=source.key)
    session.add(innovation)
    await session.flush()
    await record_link(session, kind=LinkKind.REPLICATED, source_code=source.region_code,
                      source_name=source.region_name, source_key=source.key, target_code=tenant.region_code,
                      target_name=tenant.name, innovation_title=source.title, year=date.today().year)
    return Change("replicate", "innovation", innovation.key, None, audit.snapshot(innovation, INNOVATION_FIELDS))


async def record_link(session: AsyncSession, *, kind: LinkKind, source_code: str, source_name: str,
                      target_code: str, target_name: str, innovation_title: str, source_key: str | None = None,
                      year: int | None = None, note: str = "") -> Replication:
    """Add one edge to the public map (idempotent on source, target, innovation and kind)."""
    ids = dict((await session.execute(select(Tenant.region_code, Tenant.id).where(
        Tenant.region_code.in_([source_code, target_code])))).all())
    link = await session.scalar(select(Replication).where(
        Replication.source_code == source_code, Replication.target_code == target_code,
        Replication.innovation_title == innovation_title, Replication.kind == kind))
    if link is None:
        link = Replication(kind=kind, source_code=source_code, target_code=target_code,
                           innovation_title=innovation_title)
        session.add(link)
    link.source_name, link.target_name, link.source_key = source_name, target_name, source_key
    link.source_tenant_id, link.target_tenant_id = ids.get(source_code), ids.get(target_code)
    link.year, link.note = year, note[:300]
    await session.flush()
    return link


@dataclass
class SourceGroup:
    code: str
    name: str
    slug: str | None
    links: list[Replication] = field(default_factory=list)

    @property
    def learners(self) -> int:
        return len({link.target_code for link in self.links})


async def replication_map(session: AsyncSession) -> list[SourceGroup]:
    """Every public edge, grouped by the region others learned from, the most followed first."""
    links = list((await session.scalars(select(Replication).order_by(
        Replication.source_name, Replication.target_name, Replication.innovation_title))).all())
    slugs = dict((await session.execute(select(Tenant.region_code, Tenant.slug).where(
        Tenant.status == TenantStatus.LIVE))).all())
    groups: dict[str, SourceGroup] = {}
    for link in links:
        group = groups.setdefault(link.source_code, SourceGroup(link.source_code, link.source_name,
                                                                slugs.get(link.source_code)))
        group.links.append(link)
    return sorted(groups.values(), key=lambda g: (-len(g.links), g.name))


# -- study visits and MoUs ------------------------------------------------------------------------

async def visits(session: AsyncSession) -> list[StudyVisit]:
    rows = (await session.scalars(select(StudyVisit))).all()
    return sorted(rows, key=lambda v: (v.visit_date or date.min, v.id), reverse=True)


async def get_visit(session: AsyncSession, visit_id: int) -> StudyVisit | None:
    return await session.scalar(select(StudyVisit).where(StudyVisit.id == visit_id))


async def mous(session: AsyncSession) -> list[Mou]:
    rows = (await session.scalars(select(Mou))).all()
    return sorted(rows, key=lambda m: (m.signed_on or date.max, m.id), reverse=True)


async def get_mou(session: AsyncSession, mou_id: int) -> Mou | None:
    return await session.scalar(select(Mou).where(Mou.id == mou_id))


async def create_visit(session: AsyncSession, values: dict[str, Any]) -> Change:
    return await audit.added(session, StudyVisit(**{**values, "role": VisitRole(values["role"])}), VISIT_FIELDS,
                             "visit", "id")


async def update_visit(session: AsyncSession, visit: StudyVisit, values: dict[str, Any]) -> Change:
    return await audit.changed(session, visit, VISIT_FIELDS, {**values, "role": VisitRole(values["role"])}, "visit",
                               "id")


async def create_mou(session: AsyncSession, values: dict[str, Any]) -> Change:
    return await audit.added(session, Mou(**{**values, "status": MouStatus(values["status"])}), MOU_FIELDS, "mou", "id")


async def update_mou(session: AsyncSession, mou: Mou, values: dict[str, Any]) -> Change:
    return await audit.changed(session, mou, MOU_FIELDS, {**values, "status": MouStatus(values["status"])}, "mou", "id")


def mou_problems(status: MouStatus, signed_on: date | None, ends_on: date | None, today: date) -> dict[str, str]:
    """Dates must tell a possible story: a signed MoU has a signing day that has happened."""
    problems = {}
    if status != MouStatus.DRAFT and signed_on is None:
        problems["signed_on"] = _("A signed, active or ended MoU needs the date it was signed.")
    if signed_on is not None and signed_on > today:
        problems["signed_on"] = _("The signing date cannot be in the future.")
    if ends_on is not None and signed_on is not None and ends_on < signed_on:
        problems["ends_on"] = _("The end date cannot be before the signing date.")
    if status == MouStatus.ENDED and ends_on is None:
        problems["ends_on"] = _("An ended MoU needs its end date.")
    return problems


# -- the documented facts: tenants/transfer.toml --------------------------------------------------

class VisitSpec(msgspec.Struct, forbid_unknown_fields=True):
    host: str
    visitor: str
    topics: list[str]
    visit_date: date | None = None
    days: int | None = None
    participants: int | None = None
    delegation: str = ""
    outcomes: str = ""
    source: str = ""


class MouSpec(msgspec.Struct, forbid_unknown_fields=True):
    parties: list[str]
    title: str
    scope: str
    status: str = "draft"
    signed_on: date | None = None
    ends_on: date | None = None
    notes: str = ""


class InnovationSpec(msgspec.Struct, forbid_unknown_fields=True):
    region: str
    key: str
    title: str
    summary: str
    category: str
    status: str
    year_started: int | None = None
    public: bool = False


class LearningSpec(msgspec.Struct, forbid_unknown_fields=True):
    source: str
    learner: str
    innovation: str
    key: str | None = None
    year: int | None = None
    note: str = ""


class TransferFile(msgspec.Struct, forbid_unknown_fields=True):
    visits: list[VisitSpec] = []
    mous: list[MouSpec] = []
    innovations: list[InnovationSpec] = []
    learning: list[LearningSpec] = []


def read_data_file(path: Path = DEFAULT_DATA_FILE) -> TransferFile:
    """Parse and check the file: every region code must exist, every choice must be a known value."""
    data = load_toml(path, TransferFile)
    text = path.read_text(encoding="utf-8")
    known = regions()

    def fail(table: str, index: int, name: str, problem: str) -> DataFileError:
        return DataFileError(path, locate(text, [table, index, name]), f"{table}[{index}].{name}", problem)

    def code(table: str, index: int, name: str, value: str) -> None:
        if value not in known:
            raise fail(table, index, name, f"{value!r} is not a Kemendagri code of a kabupaten or kota")

    for i, visit in enumerate(data.visits):
        code("visits", i, "host", visit.host)
        code("visits", i, "visitor", visit.visitor)
        if visit.host == visit.visitor:
            raise fail("visits", i, "visitor", "host and visitor are the same region")
        if not visit.topics:
            raise fail("visits", i, "topics", "name at least one topic")
    for i, mou in enumerate(data.mous):
        if len(mou.parties) != 2 or mou.parties[0] == mou.parties[1]:
            raise fail("mous", i, "parties", "name exactly two different regions")
        for party in mou.parties:
            code("mous", i, "parties", party)
        if mou.status not in {s.value for s in MouStatus}:
            raise fail("mous", i, "status", f"must be one of {', '.join(s.value for s in MouStatus)}")
        if problems := mou_problems(MouStatus(mou.status), mou.signed_on, mou.ends_on, date.today()):
            name, problem = next(iter(problems.items()))
            raise fail("mous", i, name, problem)
    for i, item in enumerate(data.innovations):
        code("innovations", i, "region", item.region)
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item.key):
            raise fail("innovations", i, "key", "use lowercase letters, digits and hyphens")
        if item.category not in {c.value for c in InnovationCategory}:
            raise fail("innovations", i, "category", f"must be one of {', '.join(c.value for c in InnovationCategory)}")
        if item.status not in {s.value for s in InnovationStatus}:
            raise fail("innovations", i, "status", f"must be one of {', '.join(s.value for s in InnovationStatus)}")
    for i, link in enumerate(data.learning):
        code("learning", i, "source", link.source)
        code("learning", i, "learner", link.learner)
    return data


async def load_data(maker: async_sessionmaker[AsyncSession], path: Path = DEFAULT_DATA_FILE) -> list[str]:
    """Write the file's facts into the regencies on this platform; loading twice changes nothing.

    A visit or MoU is recorded in every party that is a tenant here, each from its own side; a
    fact between two regions that are not tenants (Pekalongan and Situbondo) has nowhere private to
    live, so it is reported as skipped, and only its documented learning link appears on the map.
    """
    data = read_data_file(path)
    names = regions()
    async with tenant_session(maker, None) as session:
        tenants = {t.region_code: t for t in (await session.scalars(select(Tenant))).all()}
    lines: list[str] = []
    for code_, tenant in sorted(tenants.items()):
        added = {"visits": 0, "mous": 0, "innovations": 0}
        async with tenant_session(maker, tenant.id) as session:
            for spec in data.visits:
                if code_ not in (spec.host, spec.visitor):
                    continue
                role = VisitRole.HOST if spec.host == code_ else VisitRole.VISITOR
                other = spec.visitor if role == VisitRole.HOST else spec.host
                visit = await session.scalar(select(StudyVisit).where(
                    StudyVisit.role == role, StudyVisit.counterpart_code == other,
                    StudyVisit.visit_date.is_(None) if spec.visit_date is None else StudyVisit.visit_date == spec.visit_date))
                if visit is None:
                    visit = StudyVisit(role=role, counterpart_code=other, visit_date=spec.visit_date)
                    session.add(visit)
                    added["visits"] += 1
                visit.counterpart_name, visit.days, visit.participants = names[other], spec.days, spec.participants
                visit.delegation, visit.topics, visit.outcomes = spec.delegation, list(spec.topics), spec.outcomes
                visit.source = spec.source[:300]
            for spec in data.mous:
                if code_ not in spec.parties:
                    continue
                other = next(p for p in spec.parties if p != code_)
                mou = await session.scalar(select(Mou).where(Mou.counterpart_code == other, Mou.title == spec.title))
                if mou is None:
                    mou = Mou(counterpart_code=other, title=spec.title)
                    session.add(mou)
                    added["mous"] += 1
                mou.counterpart_name, mou.scope, mou.status = names[other], spec.scope, MouStatus(spec.status)
                mou.signed_on, mou.ends_on, mou.notes = spec.signed_on, spec.ends_on, spec.notes
            for spec in data.innovations:
                if spec.region != code_:
                    continue
                innovation = await get_innovation(session, spec.key)
                if innovation is None:
                    innovation = Innovation(key=spec.key)
                    session.add(innovation)
                    added["innovations"] += 1
                innovation.title, innovation.summary = spec.title, spec.summary
                innovation.category, innovation.status = InnovationCategory(spec.category), InnovationStatus(spec.status)
                innovation.year_started, innovation.public = spec.year_started, spec.public
                await publish(session, tenant, innovation)
        lines.append(f"{tenant.slug}: {added['visits']} new visits, {added['mous']} new MoUs, "
                     f"{added['innovations']} new innovations")
    for spec in data.visits:
        if spec.host not in tenants and spec.visitor not in tenants:
            lines.append(f"skipped visit {names[spec.visitor]} -> {names[spec.host]}: neither region is a tenant here")
    async with tenant_session(maker, None) as session:
        for spec in data.learning:
            await record_link(session, kind=LinkKind.STUDY_VISIT, source_code=spec.source,
                              source_name=names[spec.source], target_code=spec.learner,
                              target_name=names[spec.learner], innovation_title=spec.innovation,
                              source_key=spec.key, year=spec.year, note=spec.note)
        lines.append(f"{len(data.learning)} documented learning links on the public map")
    return lines

