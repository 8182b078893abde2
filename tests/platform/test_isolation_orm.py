"""The application's half of isolation: the session filters, stamps and refuses, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from satupintu.agencies.models import Agency, Location
from satupintu.db import Base, TenantNotBound, TenantOwned, make_engine, make_sessionmaker, tenant_session
from satupintu.tenants.models import Tenant
from tests.conftest import run

MODELS = sorted((m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)),
                key=lambda model: model.__tablename__)


async def _ids(url: str) -> dict[str, int]:
    engine = make_engine(url)
    async with tenant_session(make_sessionmaker(engine), None) as session:
        result = dict((await session.execute(select(Tenant.slug, Tenant.id))).all())
    await engine.dispose()
    return result


async def _in_tenant(url: str, tenant_id: int | None, work):
    engine = make_engine(url)
    try:
        async with tenant_session(make_sessionmaker(engine), tenant_id) as session:
            return await work(session)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_queries_are_filtered_to_the_bound_tenant(database, model):
    ids = run(_ids(database.url))

    async def work(session):
        return (await session.scalars(select(model))).all()

    for slug in ("banyuwangi", "labuhanbatu"):
        rows = run(_in_tenant(database.url, ids[slug], work))
        assert rows, f"{model.__tablename__} has no rows for {slug}"
        assert {r.tenant_id for r in rows} == {ids[slug]}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_unbound_session_refuses_tenant_owned_models(database, model):
    async def work(session):
        return (await session.scalars(select(model))).all()

    with pytest.raises(TenantNotBound):
        run(_in_tenant(database.url, None, work))


def test_insert_is_stamped_and_foreign_tenant_rows_refused(database):
    ids = run(_ids(database.url))
    a, b = ids["banyuwangi"], ids["purbalingga"]

    async def add(session):
        agency = Agency(key="uji-coba", name="Instansi Uji", kind="opd")
        session.add(agency)
        await session.flush()
        return agency.tenant_id

    assert run(_in_tenant(database.url, a, add)) == a

    async def add_foreign(session):
        session.add(Agency(key="penyusup", name="Bukan milik A", kind="opd", tenant_id=b))
        await session.flush()

    with pytest.raises(TenantNotBound):
        run(_in_tenant(database.url, a, add_foreign))


def test_identity_map_cannot_leak_another_tenants_row(database):
    """Updating a row loaded under tenant A from a session rebound to B is refused."""
    ids = run(_ids(database.url))

    async def work(session):
        location = (await session.scalars(select(Location))).first()
        session.info["tenant_id"] = ids["bangkalan"]
        location.name = "diubah dari tenant lain"
        await session.flush()

    with pytest.raises(TenantNotBound):
        run(_in_tenant(database.url, ids["banyuwangi"], work))


def test_composite_foreign_keys_stop_cross_tenant_references(database):
    """Even raw SQL that skips the ORM cannot point a counter at another tenant's agency."""
    ids = run(_ids(database.url))
    a, b = ids["banyuwangi"], ids["bangkalan"]

    location_a = run(_in_tenant(database.url, a, run_first(Location)))
    agency_b = run(_in_tenant(database.url, b, run_first(Agency)))

    async def insert(session):
        await session.execute(
            text("INSERT INTO counters (tenant_id, code, name, location_id, agency_id, created_at, updated_at) "
                 "VALUES (:t, 'X9', 'Loket silang', :loc, :ag, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            {"t": a, "loc": location_a, "ag": agency_b},
        )

    with pytest.raises(IntegrityError):
        run(_in_tenant(database.url, a, insert))


def run_first(model):
    async def work(session):
        return (await session.scalars(select(model))).first().id
    return work


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_one_engine_serving_tenants_in_turn_never_reuses_a_cached_filter(database, model):
    """Regression: a tenant filter compiled for one tenant must not be replayed for the next one."""
    ids = run(_ids(database.url))

    async def work():
        engine = make_engine(database.url)
        maker = make_sessionmaker(engine)
        seen = {}
        try:
            for slug in ("banyuwangi", "purbalingga", "bangkalan", "labuhanbatu", "banyuwangi"):
                async with tenant_session(maker, ids[slug]) as session:
                    seen.setdefault(slug, set()).update(r.tenant_id for r in (await session.scalars(select(model))).all())
        finally:
            await engine.dispose()
        return seen

    for slug, tenant_ids in run(work()).items():
        assert tenant_ids == {ids[slug]}, f"{model.__tablename__}: {slug} saw rows of tenants {tenant_ids}"
