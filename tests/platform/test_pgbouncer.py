"""SatuPintu behind PgBouncer in transaction mode, the pooler a national deployment puts in front of
PostgreSQL: a transaction may run on any server connection, so the tenant setting must not outlive
its transaction and no prepared statement may be reused across transactions.

PgBouncer (Debian's package; `.ci/run` installs it) is started by the test in front of the test's
own database, with a server pool much smaller than the number of clients, so server connections
are shared between tenants all the time.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from satupintu.agencies.models import Agency
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants.models import Tenant
from tests.conftest import APP_ROLE, Database

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
if PGBOUNCER is None and os.environ.get("SATUPINTU_REQUIRE_PGBOUNCER") == "1":
    raise RuntimeError("SATUPINTU_REQUIRE_PGBOUNCER=1 but pgbouncer is not installed (apt-get install pgbouncer)")
pytestmark = pytest.mark.skipif(PGBOUNCER is None, reason="pgbouncer not installed (CI installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bouncer_url(pg_database: Database) -> Iterator[str]:
    """The app role's URL through a PgBouncer in transaction mode with two server connections."""
    target = make_url(pg_database.owner_url)
    port = _free_port()
    # not under pytest's tmp_path: its parents are private to root, and PgBouncer runs as postgres
    home = Path(tempfile.mkdtemp(prefix="satupintu-pgbouncer-"))
    (home / "pgbouncer.ini").write_text(f"""[databases]
app = host={target.host or '127.0.0.1'} port={target.port or 5432} dbname={target.database} user={APP_ROLE}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
ignore_startup_parameters = extra_float_digits
logfile = {home / 'pgbouncer.log'}
pidfile = {home / 'pgbouncer.pid'}
""")
    command = [PGBOUNCER, str(home / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(home, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 20
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"pgbouncer did not start: {process.stdout.read()}")
        time.sleep(0.05)
    try:
        yield f"postgresql+asyncpg://{APP_ROLE}@127.0.0.1:{port}/app?pooler=pgbouncer"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


async def _tenants_and_counts(maker) -> dict[int, int]:
    async with tenant_session(maker, None) as session:
        ids = (await session.scalars(select(Tenant.id))).all()
    counts = {}
    for tenant_id in ids:
        async with tenant_session(maker, tenant_id) as session:
            counts[tenant_id] = await session.scalar(select(func.count(Agency.id)))
    return counts


def test_the_tenant_setting_never_leaks_to_the_next_transaction(bouncer_url: str) -> None:
    """200 transactions from 20 client connections over 2 server connections: a bound transaction
    sees exactly its regency's rows through row-level security (plain SQL, no ORM filter), and an
    unbound one finds no tenant set and sees nothing, whichever server connection it got."""

    async def scenario() -> None:
        engine = make_engine(bouncer_url, pool_size=20, max_overflow=0)
        try:
            expected = await _tenants_and_counts(make_sessionmaker(engine))
            assert len(expected) >= 2 and len(set(expected.values())) >= 2

            async def bound(tenant_id: int) -> None:
                async with engine.begin() as connection:
                    await connection.execute(text("select set_config('app.tenant_id', :t, true)"),
                                             {"t": str(tenant_id)})
                    await asyncio.sleep(0)
                    seen = await connection.scalar(text("select count(*) from agencies"))
                    assert seen == expected[tenant_id]

            async def unbound() -> None:
                async with engine.begin() as connection:
                    setting = await connection.scalar(text("select current_setting('app.tenant_id', true)"))
                    assert setting in (None, ""), f"a transaction inherited tenant {setting}"
                    assert await connection.scalar(text("select count(*) from agencies")) == 0

            tenants = list(expected)
            await asyncio.gather(*(bound(tenants[i % len(tenants)]) if i % 3 else unbound() for i in range(200)))
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_the_orm_works_through_the_pooler(bouncer_url: str) -> None:
    """The application's own sessions (asyncpg prepared statements under the hood) run
    concurrently through transaction pooling without 'prepared statement does not exist' or
    'already exists' errors, and each sees only its regency."""

    async def scenario() -> None:
        engine = make_engine(bouncer_url, pool_size=20, max_overflow=0)
        maker = make_sessionmaker(engine)
        try:
            expected = await _tenants_and_counts(maker)

            async def work(tenant_id: int) -> None:
                async with tenant_session(maker, tenant_id) as session:
                    names = (await session.scalars(select(Agency.name).order_by(Agency.id))).all()
                    assert len(names) == expected[tenant_id]
                    assert await session.scalar(select(func.count(Agency.id))) == expected[tenant_id]

            tenants = list(expected)
            await asyncio.gather(*(work(tenants[i % len(tenants)]) for i in range(200)))
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_an_unknown_pooler_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown pooler"):
        make_engine("postgresql+asyncpg://app@127.0.0.1/app?pooler=odyssey")
