"""The console's front page, the audit log, and the regency's configuration as a pack."""

from __future__ import annotations

from litestar import Response, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin import service
from satupintu.admin.common import page
from satupintu.audit.present import ENTITIES, entity_name
from satupintu.forms import Form
from satupintu.tenants import service as tenants_service
from satupintu.tenants.models import Tenant


@get("/", name="admin:index")
async def index(tenant: Tenant, db_session: AsyncSession) -> Template:
    return page("index", tenant, "index", counts=await service.counts(db_session),
                recent=await service.audit_log(db_session, limit=8))


@get("/audit", name="admin:audit")
async def audit_log(tenant: Tenant, db_session: AsyncSession, aktor: str = "", objek: str = "", dari: str = "",
                    sampai: str = "") -> Template:
    form = Form({"dari": dari, "sampai": sampai})
    since, until = form.day("dari", required=False), form.day("sampai", required=False)
    entries = await service.audit_log(db_session, actor=aktor[:100] or None, entity=objek if objek in ENTITIES else None,
                                  since=since, until=until)
    return page("audit", tenant, "audit", 422 if form.errors else 200, entries=entries, errors=form.errors,
                values={"aktor": aktor[:100], "objek": objek, "dari": dari[:10], "sampai": sampai[:10]},
                entities=[(key, entity_name(key)) for key in ENTITIES])


@get("/ekspor", name="admin:export")
async def export(tenant: Tenant, db_session: AsyncSession) -> Response[str]:
    """Download this regency's configuration as a pack, to review or to replicate elsewhere."""
    text = await tenants_service.export_pack(db_session, tenant)
    return Response(text, media_type="application/toml; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{tenant.slug}-tenant.toml"'})


handlers = [index, audit_log, export]
