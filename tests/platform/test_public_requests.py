"""What a citizen's request costs once its page is cached: one statement (the regency's row), no
transaction, no session store, no cookie. The regencies kept by each web process are never stale: a
suspension or a change shows on the next request of every process. A pooled connection is pinged
only after it rested. (Timings live in bench/, never here.)"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy.exc
from litestar.testing import TestClient
from sqlalchemy import event, select, text, update
from sqlalchemy.engine import Engine

from satupintu import db
from satupintu.agencies import hours
from satupintu.app import create_app, wrap
from satupintu.db import make_engine
from satupintu.tenancy import TenantDirectory
from satupintu.tenants import service as tenants_service
from satupintu.tenants.models import Tenant, TenantStatus, TimeZone
from tests.conftest import _pg_admin_async, in_tenant, run

PUBLIC = ["/banyuwangi/", "/banyuwangi/layanan", "/banyuwangi/layanan?q=ktp+hilang", "/banyuwangi/layanan/skck-baru",
          "/api/v1/tenants/banyuwangi/services", "/api/v1/tenants/banyuwangi/services/skck-baru"]


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements every engine of this process sends while the block runs."""
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def test_a_cached_public_page_costs_one_statement_and_no_transaction_session_or_cookie(client, monkeypatch):
    monkeypatch.setattr(hours, "now", lambda: datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # opening hours on the pages
    store = client.litestar_app.stores.get("sessions")
    used: list[str] = []
    for name in ("get", "set", "delete", "exists", "expires_in"):
        original = getattr(type(store), name)
        monkeypatch.setattr(type(store), name, lambda *a, _original=original, _name=name, **k: used.append(_name)
                            or _original(*a, **k))
    for path in PUBLIC:
        first = client.get(path)
        assert first.status_code == 200 and "set-cookie" not in first.headers, path
    read = tenants_service.current_values
    monkeypatch.setattr(tenants_service, "current_values",
                        lambda connection, slug: seen.append("tenants (driver)") or read(connection, slug))
    with statements() as seen:
        for path in PUBLIC:
            again = client.get(path)
            assert again.status_code == 200 and "set-cookie" not in again.headers, path
            assert again.headers["content-security-policy"] and again.headers["x-frame-options"] == "DENY"
    assert len(seen) == len(PUBLIC), seen
    assert all("tenants" in sql and "set_config" not in sql for sql in seen), seen
    if client.database.backend == "postgresql":
        assert all(sql == "tenants (driver)" for sql in seen), "PostgreSQL: read with the driver itself"
    assert used == [], "no session store is touched without a session cookie"
    assert "satupintu_csrf=" in client.get("/banyuwangi/antrian").headers["set-cookie"], "a page with a form sets it"
    client.cookies.clear()
    assert "satupintu_csrf=" in client.get("/banyuwangi/masuk").headers["set-cookie"]


def _process(database) -> TestClient:
    """Another web process over the same database: its own app, its own tenant directory."""
    return TestClient(app=wrap(create_app(database.settings())), raise_server_exceptions=False)


async def _set_status(url: str, slug: str, status: TenantStatus) -> None:
    """Change the status with one statement: no unit of work, so the revision stays as it was."""
    async with in_tenant(url, slug) as session:
        await session.execute(update(Tenant).where(Tenant.slug == slug).values(status=status))


async def _set_timezone(url: str, slug: str, timezone: TimeZone) -> None:
    """Change the regency's row through the unit of work, which also adds one to its revision."""
    async with in_tenant(url, slug) as session:
        (await session.scalar(select(Tenant).where(Tenant.slug == slug))).timezone = timezone


def test_a_suspended_regency_is_refused_on_the_next_request_of_every_process(client):
    pages = ("/bangkalan/", "/bangkalan/layanan", "/api/v1/tenants/bangkalan/services/skck-baru")
    with _process(client.database) as other:
        for process in (client, other):
            for path in pages:
                assert process.get(path).status_code == 200
        run(_set_status(client.database.url, "bangkalan", TenantStatus.SUSPENDED))
        for process in (client, other):
            for path in pages:
                assert process.get(path).status_code == 403, path
            assert process.get("/banyuwangi/").status_code == 200
        run(_set_status(client.database.url, "bangkalan", TenantStatus.LIVE))
        for process in (client, other):
            for path in pages:
                assert process.get(path).status_code == 200, path


def test_the_tenant_directory_keeps_a_regency_while_its_row_is_unchanged_and_rereads_a_changed_one(database):
    async def visit() -> None:
        engine = make_engine(database.url)
        directory = TenantDirectory(engine)
        try:
            first = await directory.get("bangkalan")
            assert await directory.get("bangkalan") is first, "an unchanged row: the same object, nothing built"
            await _set_timezone(database.url, "bangkalan", TimeZone.WITA)
            changed = await directory.get("bangkalan")
            assert changed is not first and changed.timezone == TimeZone.WITA and changed.revision > first.revision
            assert await directory.get("bangkalan") is changed
        finally:
            await engine.dispose()

    run(visit())


def test_the_tenant_directory_is_bounded_and_forgets_a_regency_that_is_gone(database):
    async def visit() -> tuple[list[str], int, bool]:
        engine = make_engine(database.url)
        directory = TenantDirectory(engine, max_entries=2)
        try:
            found = [(await directory.get(slug)).slug for slug in ("banyuwangi", "bangkalan", "purbalingga",
                                                                    "labuhanbatu", "banyuwangi")]
            return found, len(directory), await directory.get("tidak-ada") is None
        finally:
            await engine.dispose()

    found, kept, unknown = run(visit())
    assert found == ["banyuwangi", "bangkalan", "purbalingga", "labuhanbatu", "banyuwangi"]
    assert kept == 2 and unknown


async def _drop(pid: int) -> None:
    """The server ends this connection (as a restart would), and has ended it when this returns."""
    await _pg_admin_async(f"SELECT pg_terminate_backend({int(pid)}, 10000)")


async def _backend_pid(engine) -> int:  # noqa: ANN001
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT pg_backend_pid()"))).scalar()


def test_a_rested_connection_is_pinged_and_a_busy_one_fails_once(pg_database, monkeypatch):
    """After a rest, a connection the server dropped is replaced before anyone uses it; one in use a
    moment ago is not pinged, so its next query fails (a 503 for that request) and the pool starts over."""
    async def scenario() -> None:
        engine = make_engine(pg_database.url, pool_size=1, max_overflow=0)
        try:
            dropped = await _backend_pid(engine)
            await _drop(dropped)
            monkeypatch.setattr(db, "PING_AFTER_REST", 0.0)
            replaced = await _backend_pid(engine)
            assert replaced != dropped, "the rested connection was pinged and replaced"

            monkeypatch.setattr(db, "PING_AFTER_REST", 3600.0)
            await _drop(replaced)
            with pytest.raises(sqlalchemy.exc.DBAPIError) as failed:
                await _backend_pid(engine)
            assert failed.value.connection_invalidated
            assert await _backend_pid(engine) not in (dropped, replaced)
        finally:
            await engine.dispose()

    run(scenario())
