"""Test fixtures: every database test runs on SQLite and, when SATUPINTU_TEST_POSTGRES_URL is set,
on PostgreSQL too, connecting as the unprivileged app role so that row-level security is real.

Each backend is migrated and loaded with the four regencies' packs once per session into a
template; each test gets its own copy (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE``
on PostgreSQL), so tests are independent and fast.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from satupintu import migrate
from satupintu.config import Settings
from satupintu.tenants.packs import available_packs

PG_URL = os.environ.get("SATUPINTU_TEST_POSTGRES_URL")
APP_ROLE = "satupintu_test_app"
PACKS = [str(p.parent) for p in available_packs()]
_counter = itertools.count()


@dataclass
class Database:
    backend: str
    url: str  # what the application uses (the app role on PostgreSQL)
    owner_url: str  # what migrations use

    def settings(self, **env: str) -> Settings:
        return Settings.from_env({
            "SATUPINTU_DATABASE_URL": self.url,
            "SATUPINTU_MIGRATION_DATABASE_URL": self.owner_url,
            "SATUPINTU_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "SATUPINTU_DB_APP_ROLE": APP_ROLE,
            **env,
        })


def _pg(url: str, database: str, user: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql+asyncpg", database=database)
    if user:
        parsed = parsed.set(username=user, password=None)
    return parsed.render_as_string(hide_password=False)


def _pg_admin(statement: str) -> None:
    asyncio.run(_pg_admin_async(statement))


async def _pg_admin_async(statement: str) -> None:
    import asyncpg

    url = make_url(PG_URL)
    connection = await asyncpg.connect(user=url.username or "postgres", password=url.password,
                                       host=url.host or "127.0.0.1", port=url.port or 5432,
                                       database=url.database or "postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def load_packs(database: Database, packs: list[str] = PACKS) -> None:
    from satupintu.cli import _load

    asyncio.run(_load(database.settings(), packs))


def _check_postgres() -> None:
    try:
        _pg_admin("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"SATUPINTU_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)


BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Database]]:
    """One migrated, loaded template database per backend."""
    made: dict[str, Database] = {}
    root = tmp_path_factory.mktemp("db")
    sqlite = root / "template.db"
    made["sqlite"] = Database("sqlite", f"sqlite+aiosqlite:///{sqlite}", f"sqlite+aiosqlite:///{sqlite}")
    migrate.upgrade(made["sqlite"].owner_url)
    load_packs(made["sqlite"])
    pg_template = None
    if PG_URL:
        _check_postgres()
        asyncio.run(migrate.create_role(_pg(PG_URL, "postgres"), APP_ROLE))
        pg_template = f"satupintu_tpl_{os.getpid()}"
        _pg_admin(f"DROP DATABASE IF EXISTS {pg_template}")
        _pg_admin(f"CREATE DATABASE {pg_template}")
        made["postgresql"] = Database("postgresql", _pg(PG_URL, pg_template, APP_ROLE), _pg(PG_URL, pg_template))
        migrate.upgrade(made["postgresql"].owner_url, app_role=APP_ROLE)
        load_packs(made["postgresql"])
    yield made
    if pg_template:
        _pg_admin(f"DROP DATABASE IF EXISTS {pg_template} WITH (FORCE)")


def fresh_database(backend: str, tmp_path: Path, template: Database | None = None) -> Iterator[Database]:
    """A database of its own for one test: a copy of the template, or empty when template is None."""
    if backend == "sqlite":
        path = tmp_path / f"test-{next(_counter)}.db"
        if template is not None:
            shutil.copy(make_url(template.url).database, path)
        url = f"sqlite+aiosqlite:///{path}"
        yield Database("sqlite", url, url)
        return
    name = f"satupintu_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if template is not None:
        _pg_admin(f"CREATE DATABASE {name} TEMPLATE {make_url(template.owner_url).database}")
    else:
        _pg_admin(f"CREATE DATABASE {name}")
    try:
        yield Database("postgresql", _pg(PG_URL, name, APP_ROLE), _pg(PG_URL, name))
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, templates: dict[str, Database], tmp_path: Path) -> Iterator[Database]:
    """A database loaded with the four regencies, private to this test, on each backend."""
    yield from fresh_database(request.param, tmp_path, templates[request.param])


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path, templates: dict[str, Database]) -> Iterator[Database]:
    """A database with no schema at all, on each backend."""
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def client(database: Database) -> Iterator:
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap

    app = create_app(database.settings())
    with TestClient(app=wrap(app), raise_server_exceptions=False) as test_client:
        test_client.litestar_app = app
        test_client.database = database
        yield test_client


@pytest.fixture
def pg_database(templates: dict[str, Database], tmp_path: Path) -> Iterator[Database]:
    """The loaded database on PostgreSQL only (row-level security has no SQLite counterpart)."""
    if not PG_URL:
        pytest.skip("SATUPINTU_TEST_POSTGRES_URL is not set (CI always sets it)")
    yield from fresh_database("postgresql", tmp_path, templates["postgresql"])


def run(coro):
    """Run a coroutine from a synchronous test."""
    return asyncio.run(coro)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: while Playwright is open, asyncio.run() cannot be used in this thread."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
