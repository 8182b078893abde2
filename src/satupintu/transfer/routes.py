"""The public pages of region-to-region transfer: the innovation registry at /inovasi and the
replication map at /replikasi. They read only the platform projection the service maintains, never
a regency's own tables. The regencies' own registry, visits and MoUs are console pages
(``satupintu.admin.transfer``).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
from satupintu.i18n import gettext as _
from satupintu.security import current_principal
from satupintu.tenants.models import Tenant
from satupintu.transfer import service
from satupintu.transfer.models import InnovationCategory, InnovationStatus, LinkKind, MouStatus, VisitRole


def labels() -> dict[str, dict[str, str]]:
    """Display names of the stored choices, in the reader's language."""
    return {
        "categories": {
            InnovationCategory.INTEGRATED: _("Integrated services (MPP)"),
            InnovationCategory.CIVIL_REGISTRATION: _("Civil registration"),
            InnovationCategory.PERMITS: _("Permits"),
            InnovationCategory.COMPLAINTS: _("Complaints"),
            InnovationCategory.VILLAGE: _("Digital village"),
            InnovationCategory.GOVERNANCE: _("Governance and monitoring"),
            InnovationCategory.OTHER: _("Other"),
        },
        "statuses": {
            InnovationStatus.PLANNED: _("Planned"),
            InnovationStatus.PILOT: _("Pilot"),
            InnovationStatus.RUNNING: _("Running"),
            InnovationStatus.STOPPED: _("Stopped"),
        },
        "mou_statuses": {
            MouStatus.DRAFT: _("Draft"),
            MouStatus.SIGNED: _("Signed"),
            MouStatus.ACTIVE: _("Active"),
            MouStatus.ENDED: _("Ended"),
        },
        "roles": {VisitRole.HOST: _("We hosted them"), VisitRole.VISITOR: _("We visited them")},
        "kinds": {LinkKind.REPLICATED: _("replicated on SatuPintu"),
                  LinkKind.STUDY_VISIT: _("learned during a study visit")},
    }


def page(name: str, tenant: Tenant | None, status: int = 200, **context: Any) -> Template:
    return Template(name, status_code=status, context={
        "tenant": tenant, "errors": {}, "values": {}, "labels": labels(), "long_date": i18n.long_date, **context})


# -- public pages ---------------------------------------------------------------------------------

@get("/inovasi", name="transfer:registry")
async def registry(db_session: AsyncSession,
                   kategori: Annotated[str, Parameter(query="kategori", default="", max_length=40)] = "",
                   daerah: Annotated[str, Parameter(query="daerah", default="", max_length=40)] = "") -> Template:
    category = kategori if kategori in {c.value for c in InnovationCategory} else ""
    everything = await service.public_innovations(db_session)
    regions = sorted({(p.tenant_slug, p.region_name) for p in everything}, key=lambda r: r[1])
    region = daerah if daerah in {slug for slug, _name in regions} else ""
    rows = [p for p in everything if (not category or p.category == category) and (not region or p.tenant_slug == region)]
    return page("transfer/registry.html", None, rows=rows, regions=regions, category=category, region=region)


@get("/inovasi/{slug:str}/{key:str}", name="transfer:innovation")
async def public_innovation(request: Request, db_session: AsyncSession, slug: str, key: str) -> Template:
    found = await service.public_innovation(db_session, slug[:40], key[:60])
    if found is None:
        raise NotFoundException()
    me = current_principal(request)
    can_replicate = bool(me and me.kind == "staff" and me.role == "tenant_admin" and me.tenant_slug != found.tenant_slug)
    return page("transfer/innovation.html", None, item=found, can_replicate=can_replicate, me=me)


MAP_ROW = 28  # SVG row height: the diagram is laid out here, not in a script (the CSP forbids inline ones)


@get("/replikasi", name="transfer:map")
async def replication_map(db_session: AsyncSession) -> Template:
    groups = await service.replication_map(db_session)
    sources = [g.name for g in groups]
    targets = sorted({link.target_name for g in groups for link in g.links})
    height = max(len(sources), len(targets), 1) * MAP_ROW + 20
    source_y = {name: 20 + i * MAP_ROW + MAP_ROW // 2 for i, name in enumerate(sources)}
    target_y = {name: 20 + i * MAP_ROW + MAP_ROW // 2 for i, name in enumerate(targets)}
    edges: dict[tuple[str, str], int] = {}
    for group in groups:
        for link in group.links:
            edges[(group.name, link.target_name)] = edges.get((group.name, link.target_name), 0) + 1
    lines = [{"y1": source_y[s], "y2": target_y[t], "width": min(2 + 2 * n, 10), "count": n, "source": s, "target": t}
             for (s, t), n in sorted(edges.items())]
    return page("transfer/map.html", None, groups=groups, total=sum(len(g.links) for g in groups),
                 svg={"height": height, "sources": source_y, "targets": target_y, "lines": lines})


public_router = Router(path="/", route_handlers=[registry, public_innovation, replication_map])
