"""Row-level security at the SQL level, as the application's role, for every tenant-owned table.

The tables are discovered from the models' metadata, so a new table is covered without editing
this test; and a new table without RLS fails it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Boolean, DateTime, Integer, String, Text, insert, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from satupintu.db import make_engine, tenant_owned_tables
from satupintu.models import Base
from tests.conftest import APP_ROLE, run

TABLES = tenant_owned_tables()


def _value(column):
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, DateTime):
        return dt.datetime.now(dt.UTC)
    if isinstance(kind, (String, Text)):
        return "x"
    return {} if "JSON" in type(kind).__name__ else None


def _row(table, tenant_id: int) -> dict:
    row = {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.name == "tenant_id":
            row[column.name] = tenant_id
        elif not column.nullable:
            if hasattr(column.type, "enums") and column.type.enums:
                row[column.name] = column.type.enums[0]
            else:
                row[column.name] = _value(column)
    return row


async def _tenants(url: str) -> dict[str, int]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT slug, id FROM tenants"))).all()
    await engine.dispose()
    return dict(rows)


async def _as_tenant(url: str, tenant_id: int | None, statement, params=None):
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            if tenant_id is not None:
                await connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
            result = await connection.execute(statement, params or {})
            return result.all() if result.returns_rows else result.rowcount
    finally:
        await engine.dispose()


def test_app_role_cannot_bypass_rls(pg_database):
    checks = run(_as_tenant(pg_database.owner_url, None, text(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}))
    assert checks == [(False, False)]
    owned = run(_as_tenant(pg_database.owner_url, None, text(
        "SELECT count(*) FROM pg_tables WHERE tableowner = :r"), {"r": APP_ROLE}))
    assert owned == [(0,)]


@pytest.mark.parametrize("table", TABLES)
def test_rls_enabled_and_forced(pg_database, table):
    flags = run(_as_tenant(pg_database.owner_url, None, text(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = :t"), {"t": table}))
    assert flags == [(True, True)], f"{table} must ENABLE and FORCE row level security"


@pytest.mark.parametrize("table", TABLES)
def test_app_role_sees_only_the_current_tenant(pg_database, table):
    tenants = run(_tenants(pg_database.owner_url))
    a, b = tenants["banyuwangi"], tenants["bangkalan"]
    rows = run(_as_tenant(pg_database.url, a, text(f"SELECT tenant_id FROM {table}")))
    assert {r[0] for r in rows} <= {a}
    assert {r[0] for r in run(_as_tenant(pg_database.url, b, text(f"SELECT tenant_id FROM {table}")))} <= {b}
    assert run(_as_tenant(pg_database.url, None, text(f"SELECT count(*) FROM {table}"))) == [(0,)]
    everything = run(_as_tenant(pg_database.owner_url, None, text(f"SELECT DISTINCT tenant_id FROM {table}")))
    if len(everything) > 1:
        assert rows, f"{table}: tenant A has rows but the app role saw none"


@pytest.mark.parametrize("table", TABLES)
def test_app_role_cannot_write_into_another_tenant(pg_database, table):
    tenants = run(_tenants(pg_database.owner_url))
    a, b = tenants["banyuwangi"], tenants["bangkalan"]
    model_table = Base.metadata.tables[table]
    with pytest.raises((ProgrammingError, DBAPIError), match="row-level security"):
        run(_as_tenant(pg_database.url, a, insert(model_table).values(**_row(model_table, b))))


@pytest.mark.parametrize("table", TABLES)
def test_app_role_cannot_move_rows_to_another_tenant(pg_database, table):
    tenants = run(_tenants(pg_database.owner_url))
    a, b = tenants["banyuwangi"], tenants["bangkalan"]
    has_rows = run(_as_tenant(pg_database.url, a, text(f"SELECT count(*) FROM {table}")))[0][0]
    if not has_rows:
        pytest.skip(f"{table} has no rows for the demo tenant to try moving")
    with pytest.raises((ProgrammingError, DBAPIError), match="row-level security|permission denied"):
        run(_as_tenant(pg_database.url, a, text(f"UPDATE {table} SET tenant_id = :b"), {"b": b}))


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'pemalsu'", "DELETE FROM audit_log",
                                       "TRUNCATE audit_log"])
def test_audit_log_cannot_be_edited_by_the_application(pg_database, statement):
    tenants = run(_tenants(pg_database.owner_url))
    with pytest.raises((ProgrammingError, DBAPIError), match="permission denied"):
        run(_as_tenant(pg_database.url, tenants["banyuwangi"], text(statement)))


def test_the_orm_guards_holes_are_closed_by_rls_too(pg_database):
    """Issue 9 item 2 at the SQL level: the statements the review used against the ORM guard, let past
    it on purpose (RAW_SQL), still see and change only the bound tenant's rows as the app role."""
    from sqlalchemy import select

    from satupintu.agencies.models import Holiday
    from satupintu.db import RAW_SQL, bind_tenant, make_sessionmaker, tenant_session

    tenants = run(_tenants(pg_database.owner_url))
    a, b = tenants["banyuwangi"], tenants["bangkalan"]
    past_guard = {RAW_SQL: "test: what the database alone allows"}

    async def work():
        engine = make_engine(pg_database.url)
        try:
            async with tenant_session(make_sessionmaker(engine), a) as session:
                counted = (await session.execute(text("SELECT count(*), count(DISTINCT tenant_id) FROM agencies")
                                                 .execution_options(**past_guard))).one()
                holiday = (await session.scalars(select(Holiday))).first()
                await bind_tenant(session, b)
                deleted = (await session.execute(text("DELETE FROM holidays WHERE id = :id")
                                                 .execution_options(**past_guard), {"id": holiday.id})).rowcount
            async with tenant_session(make_sessionmaker(engine), a) as session:
                with pytest.raises((ProgrammingError, DBAPIError), match="row-level security"):
                    await session.execute(text("INSERT INTO agencies (tenant_id, key, name, short, kind, created_at, "
                                               "updated_at) VALUES (:b, 'penyusup', 'Bukan milik A', '', 'opd', now(), "
                                               "now())").execution_options(**past_guard), {"b": b})
            return counted, deleted
        finally:
            await engine.dispose()

    (rows, tenants_seen), deleted = run(work())
    assert rows > 0 and tenants_seen == 1
    assert deleted == 0
