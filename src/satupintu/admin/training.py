"""The team's learning: who has completed which knowledge-transfer module."""

from __future__ import annotations

from litestar import get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts import service as accounts_service
from satupintu.handlers import found
from satupintu.knowledge import service
from satupintu.knowledge.modules import shipped_modules
from satupintu.knowledge.routes import context
from satupintu.tenants.models import Tenant


@get("/pelatihan", name="admin:training")
async def training(tenant: Tenant, db_session: AsyncSession) -> Template:
    modules = shipped_modules()
    people, per_module = await service.team_progress(db_session, modules)
    return Template("admin/knowledge_training.html", context=context(
        tenant, section="training", people=people, per_module=per_module, total=len(modules)))


@get("/pelatihan/{staff_id:int}", name="admin:training-staff")
async def training_staff(tenant: Tenant, db_session: AsyncSession, staff_id: int) -> Template:
    account = found(await accounts_service.get_staff(db_session, staff_id))
    progress = await service.progress_of(db_session, account.id)
    return Template("admin/knowledge_staff.html", context=context(
        tenant, section="training", account=account, modules=list(shipped_modules().values()), progress=progress))


handlers = [training, training_staff]
