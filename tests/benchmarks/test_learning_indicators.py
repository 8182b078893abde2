"""The onboarding, training and innovation indicators read the regency's own learning data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from satupintu.accounts.models import StaffAccount
from satupintu.benchmarks import indicators
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.knowledge.models import ModuleProgress
from satupintu.knowledge.modules import shipped_modules
from satupintu.tenants import service as tenants_service
from tests.conftest import run


async def _figures(url: str, slug: str, complete_all: bool = False) -> tuple[float | None, float | None, float | None]:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant = await tenants_service.get_by_slug(session, slug)
    async with tenant_session(maker, tenant.id) as session:
        if complete_all:
            now = dt.datetime.now(dt.UTC)
            for person in (await session.scalars(select(StaffAccount))).all():
                for module in shipped_modules():
                    existing = await session.scalar(select(ModuleProgress).where(
                        ModuleProgress.staff_id == person.id, ModuleProgress.module_slug == module))
                    if existing is None:
                        session.add(ModuleProgress(staff_id=person.id, module_slug=module, completed_at=now))
                    else:
                        existing.completed_at = now
            await session.flush()
        result = (await indicators.onboarding_readiness(session), await indicators.training_completion(session),
                  await indicators.innovations(session))
    await engine.dispose()
    return result


def test_training_completion_follows_completed_modules(database):
    readiness, before, innovations = run(_figures(database.url, "banyuwangi"))
    assert readiness == 100.0 and innovations >= 1
    assert before is not None and before < 100.0
    _readiness, after, _ = run(_figures(database.url, "banyuwangi", complete_all=True))
    assert after == 100.0
