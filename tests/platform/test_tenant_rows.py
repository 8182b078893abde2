"""Issue 9 item 1: the app role cannot destroy or re-point a regency, and the audit log outlives no cascade.

At the SQL level as the app role on PostgreSQL (grants and row-level security on ``tenants``), and
through the ORM guard on both backends (SQLite has no roles or RLS, so there the guard is the layer).
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError

from satupintu.db import CrossTenantWrite, TenantGuardError, TenantNotBound, make_engine, make_sessionmaker, tenant_session
from satupintu.tenants.models import Tenant, TenantStatus, TimeZone
from tests.conftest import run
from tests.platform.test_isolation_sql import _as_tenant, _tenants

DENIED = (ProgrammingError, DBAPIError)


def _rows(url: str) -> dict[str, tuple]:
    return {r[0]: tuple(r[1:]) for r in run(_as_tenant(url, None, text(
        "SELECT slug, status, revision, name, timezone FROM tenants")))}


@pytest.mark.parametrize("statement", ["DELETE FROM tenants", "DELETE FROM tenants WHERE slug = 'bangkalan'",
                                       "TRUNCATE tenants CASCADE"])
def test_app_role_cannot_delete_a_regency(pg_database, statement):
    a = run(_tenants(pg_database.owner_url))["banyuwangi"]
    for bound in (None, a):
        with pytest.raises(DENIED, match="permission denied"):
            run(_as_tenant(pg_database.url, bound, text(statement)))
    assert len(_rows(pg_database.owner_url)) == 4


def test_unbound_app_role_changes_no_regency(pg_database):
    before = _rows(pg_database.owner_url)
    changed = run(_as_tenant(pg_database.url, None, text("UPDATE tenants SET status = 'suspended'")))
    assert changed == 0
    assert _rows(pg_database.owner_url) == before


def test_bound_app_role_changes_only_its_own_row(pg_database):
    tenants = run(_tenants(pg_database.owner_url))
    a, b = tenants["banyuwangi"], tenants["bangkalan"]
    assert run(_as_tenant(pg_database.url, a, text("UPDATE tenants SET status = 'suspended' WHERE id = :b"),
                          {"b": b})) == 0
    assert run(_as_tenant(pg_database.url, a, text("UPDATE tenants SET name = 'Bukan Banyuwangi'"))) == 1
    rows = _rows(pg_database.owner_url)
    assert rows["bangkalan"][0] == "live" and rows["banyuwangi"][2] == "Bukan Banyuwangi"
    assert sum(1 for r in rows.values() if r[2] == "Bukan Banyuwangi") == 1


@pytest.mark.parametrize("column, value", [("slug", "'bangkalan-baru'"), ("id", "999"), ("revision", "0")])
def test_no_regency_is_re_pointed_even_its_own(pg_database, column, value):
    a = run(_tenants(pg_database.owner_url))["banyuwangi"]
    with pytest.raises(DENIED, match="permission denied"):
        run(_as_tenant(pg_database.url, a, text(f"UPDATE tenants SET {column} = {value} WHERE id = :a"), {"a": a}))


def test_a_regency_is_added_only_with_no_tenant_bound(pg_database):
    a = run(_tenants(pg_database.owner_url))["banyuwangi"]
    row = ("INSERT INTO tenants (slug, name, region_code, province, status, timezone, revision, created_at, updated_at) "
           "VALUES ('situbondo', 'Kabupaten Situbondo', '35.12', 'Jawa Timur', 'onboarding', 'WIB', 0, now(), now())")
    with pytest.raises(DENIED, match="row-level security"):
        run(_as_tenant(pg_database.url, a, text(row)))
    assert run(_as_tenant(pg_database.url, None, text(row))) == 1


def test_the_revision_function_bumps_the_revision_and_nothing_else(pg_database):
    """The app's narrow way to mark another regency's pages stale (a unit of work bound to one after another)."""
    b = run(_tenants(pg_database.owner_url))["bangkalan"]
    before = _rows(pg_database.owner_url)
    run(_as_tenant(pg_database.url, None, text("SELECT bump_tenant_revisions(ARRAY[:b]::integer[])"), {"b": b}))
    after = _rows(pg_database.owner_url)
    assert after["bangkalan"][1] == before["bangkalan"][1] + 1
    assert {k: v for k, v in after.items() if k != "bangkalan"} == {k: v for k, v in before.items() if k != "bangkalan"}
    owner = run(_as_tenant(pg_database.owner_url, None, text(
        "SELECT prosecdef, has_function_privilege('public', p.oid, 'EXECUTE') FROM pg_proc p "
        "WHERE proname = 'bump_tenant_revisions'")))
    assert owner == [(True, False)], "SECURITY DEFINER, and not executable by every role"


def test_a_regency_with_history_cannot_be_deleted_by_any_cascade(database):
    """Even the owner: the audit log's foreign key is RESTRICT, so history goes only through the export."""
    async def work():
        engine = make_engine(database.owner_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DELETE FROM tenants WHERE slug = 'bangkalan'"))
        finally:
            await engine.dispose()

    with pytest.raises(IntegrityError):
        run(work())
    assert "bangkalan" in _rows(database.owner_url)


async def _in_session(url: str, slug: str | None, work):
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    try:
        async with tenant_session(maker, None) as session:
            ids = dict((await session.execute(select(Tenant.slug, Tenant.id))).all())
        async with tenant_session(maker, ids[slug] if slug else None) as session:
            return await work(session, ids)
    finally:
        await engine.dispose()


def test_orm_changes_a_regency_row_only_bound_to_it(database):
    async def other(session, ids):
        (await session.get(Tenant, ids["bangkalan"])).status = TenantStatus.SUSPENDED

    async def unbound(session, ids):
        (await session.get(Tenant, ids["bangkalan"])).status = TenantStatus.SUSPENDED

    async def own(session, ids):
        (await session.get(Tenant, ids["banyuwangi"])).timezone = TimeZone.WITA

    with pytest.raises(CrossTenantWrite):
        run(_in_session(database.url, "banyuwangi", other))
    with pytest.raises(TenantNotBound):
        run(_in_session(database.url, None, unbound))
    run(_in_session(database.url, "banyuwangi", own))
    rows = _rows(database.owner_url)
    assert rows["bangkalan"][0] == "live" and rows["banyuwangi"][3] == "WITA"


def test_orm_update_statements_reach_only_the_bound_row_and_deletes_none(database):
    async def everyone(session, ids):
        await session.execute(update(Tenant).values(timezone=TimeZone.WIT))

    async def remove(session, ids):
        await session.execute(delete(Tenant).where(Tenant.slug == "bangkalan"))

    async def remove_object(session, ids):
        await session.delete(await session.get(Tenant, ids["banyuwangi"]))

    before = _rows(database.owner_url)
    with pytest.raises(TenantNotBound):
        run(_in_session(database.url, None, everyone))
    run(_in_session(database.url, "banyuwangi", everyone))
    for work in (remove, remove_object):
        with pytest.raises(TenantGuardError, match="tenants remove"):
            run(_in_session(database.url, "banyuwangi", work))
    after = _rows(database.owner_url)
    assert [slug for slug, row in after.items() if row[3] == "WIT"] == ["banyuwangi"]
    assert after["banyuwangi"][1] == before["banyuwangi"][1] + 1, "the update bumped the page-cache revision"
    assert {k: v for k, v in after.items() if k != "banyuwangi"} == {k: v for k, v in before.items() if k != "banyuwangi"}


def test_a_published_innovation_is_written_only_by_its_own_regency(pg_database):
    """public_innovations is read by anyone across regencies, but row-level security keeps its writes
    to a transaction bound to the regency the innovation comes from."""
    tenants = run(_tenants(pg_database.owner_url))
    a, b = tenants["banyuwangi"], tenants["bangkalan"]
    row = ("INSERT INTO public_innovations (source_tenant_id, tenant_slug, region_code, region_name, key, title, "
           "summary, category, status, published_at, updated_at) VALUES (:t, 's', '00.00', 'r', :key, 'Judul', '', "
           "'lainnya', 'pilot', now(), now())")
    run(_as_tenant(pg_database.owner_url, None, text(row), {"t": b, "key": "milik-b"}))
    assert run(_as_tenant(pg_database.url, a, text("UPDATE public_innovations SET title = 'Dipalsukan'"))) == 0
    assert run(_as_tenant(pg_database.url, a, text("DELETE FROM public_innovations"))) == 0
    assert run(_as_tenant(pg_database.url, None, text("UPDATE public_innovations SET title = 'Dipalsukan'"))) == 0
    with pytest.raises(DENIED, match="row-level security"):
        run(_as_tenant(pg_database.url, a, text(row), {"t": b, "key": "palsu"}))
    assert run(_as_tenant(pg_database.url, a, text("SELECT title FROM public_innovations"))) == [("Judul",)]
    assert run(_as_tenant(pg_database.url, b, text("UPDATE public_innovations SET title = 'Baru'"))) == 1
