"""SatuPintu benchmarks. Prints ratios measured in one run; nothing here is asserted by tests.

1. Tenant page latency and throughput with 4 regencies, then with 514 (the generated rest of
   Indonesia's kabupaten/kota), on PostgreSQL through a real server. Goal: 514/4 <= 1.10.
2. Importing the whole shared catalogue into a new tenant, on SQLite and PostgreSQL. Goal: < 1 s.
3. Peak memory (VmHWM) of the demo process with four regencies loaded. Goal: < 400 MB.

Usage: ``make bench`` (SATUPINTU_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would hide the
# standard library's queue module (asyncio and multiprocessing need it): the folder is taken off first.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncio
import contextlib
import csv
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from satupintu import migrate  # noqa: E402
from satupintu.catalogue.shared import load_catalogue  # noqa: E402
from satupintu.db import make_engine, make_sessionmaker, tenant_session  # noqa: E402
from satupintu.tenants import service as tenants_service  # noqa: E402
from satupintu.tenants.packs import available_packs, load_pack  # noqa: E402
from satupintu.tenants.regions import regions  # noqa: E402

PG = os.environ.get("SATUPINTU_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROLE = "satupintu_bench_app"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "600"))
CONCURRENCY = 8
PAGES = ["/{slug}/", "/{slug}/layanan", "/{slug}/layanan?q=ktp+hilang", "/api/v1/tenants/{slug}/services?q=akta+lahir"]


def _url(database: str, user: str | None = None) -> str:
    base = re.sub(r"^postgres(ql)?(\+asyncpg)?://", "postgresql+asyncpg://", PG)
    base = base.rsplit("/", 1)[0] + f"/{database}"
    if user:
        base = re.sub(r"://[^@/]*@", f"://{user}@", base)
    return base


async def _admin(statement: str, database: str = "postgres") -> None:
    connection = await asyncpg.connect(_url(database).replace("+asyncpg", ""))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _load_packs(url: str) -> None:
    engine = make_engine(url)
    catalogue = load_catalogue()
    async with tenant_session(make_sessionmaker(engine), None) as session:
        for path in available_packs():
            await tenants_service.provision(session, load_pack(path), catalogue, source=path)
    await engine.dispose()


async def _generate_tenants(database: str, total: int) -> int:
    """Clone Banyuwangi's configuration into the remaining kabupaten/kota (as the owner)."""
    return await clone_regencies(_url(database).replace("+asyncpg", ""), total)


async def clone_regencies(dsn: str, total: int) -> int:
    """Make ``total`` live regencies: the loaded ones, then kabupaten/kota from the list of 514 in its
    order, each a copy of Banyuwangi's configuration (agencies, locations, counters and their queue
    lines, policies and services). ``dsn`` is the database's owner (row-level security does not apply to it)."""
    connection = await asyncpg.connect(dsn)
    try:
        have = {r["region_code"] for r in await connection.fetch("SELECT region_code FROM tenants")}
        source = await connection.fetchval("SELECT id FROM tenants WHERE slug = 'banyuwangi'")
        rows = list(csv.DictReader((ROOT / "tenants" / "regions" / "regencies.csv").open()))
        made = 0
        for row in rows:
            if len(have) + made >= total:
                break
            if row["code"] in have:
                continue
            slug = "r-" + row["code"].replace(".", "-")
            tenant = await connection.fetchval(
                "INSERT INTO tenants (slug, name, region_code, province, status, timezone, catalogue_version,"
                " created_at, updated_at) VALUES ($1, $2, $3, $4, 'live', $5, '2026.1', now(), now()) RETURNING id",
                slug, row["name"], row["code"], row["province"], row["timezone"])
            for table, columns in (("agencies", "key, name, short, kind, template"),
                                   ("locations", "code, name, kind, address, hours, notes"),
                                   ("tenant_policies", "permit_first, document_deadline_days, courier_delivery,"
                                    " courier_note, complaint_response_hours, notes")):
                await connection.execute(
                    f"INSERT INTO {table} (tenant_id, {columns}, created_at, updated_at) "
                    f"SELECT $1, {columns}, now(), now() FROM {table} WHERE tenant_id = $2", tenant, source)
            await connection.execute(
                "INSERT INTO counters (tenant_id, code, name, location_id, agency_id, created_at, updated_at)"
                " SELECT $1, c.code, c.name, nl.id, na.id, now(), now() FROM counters c"
                " JOIN agencies a ON a.id = c.agency_id JOIN agencies na ON na.tenant_id = $1 AND na.key = a.key"
                " JOIN locations l ON l.id = c.location_id JOIN locations nl ON nl.tenant_id = $1 AND nl.code = l.code"
                " WHERE c.tenant_id = $2", tenant, source)
            await connection.execute(  # the queue's lines, as agencies.service keeps them for counters
                "INSERT INTO queue_groups (tenant_id, location_id, agency_id, prefix, created_at, updated_at)"
                " SELECT $1, nl.id, na.id, g.prefix, now(), now() FROM queue_groups g"
                " JOIN agencies a ON a.id = g.agency_id JOIN agencies na ON na.tenant_id = $1 AND na.key = a.key"
                " JOIN locations l ON l.id = g.location_id JOIN locations nl ON nl.tenant_id = $1 AND nl.code = l.code"
                " WHERE g.tenant_id = $2", tenant, source)
            await connection.execute(
                "INSERT INTO tenant_services (tenant_id, code, category, provider_kind, provider, name_id, name_en,"
                " summary_id, summary_en, requirements, steps, completion_value, completion_unit, cost, cost_note,"
                " product, legal_basis, keywords, complaint_channel, enabled, upstream, catalogue_version, base,"
                " overrides, agency_id, created_at, updated_at) SELECT $1, s.code, s.category, s.provider_kind,"
                " s.provider, s.name_id, s.name_en, s.summary_id, s.summary_en, s.requirements, s.steps,"
                " s.completion_value, s.completion_unit, s.cost, s.cost_note, s.product, s.legal_basis, s.keywords,"
                " s.complaint_channel, s.enabled, s.upstream, s.catalogue_version, s.base, s.overrides, na.id, now(),"
                " now() FROM tenant_services s LEFT JOIN agencies a ON a.id = s.agency_id"
                " LEFT JOIN agencies na ON na.tenant_id = $1 AND na.key = a.key WHERE s.tenant_id = $2",
                tenant, source)
            made += 1
        await connection.execute("ANALYZE")
        return await connection.fetchval("SELECT count(*) FROM tenants")
    finally:
        await connection.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "satupintu.cli", "serve", "--port", str(port)],
                               env={**os.environ, **env, "SATUPINTU_PORT": str(port), "SATUPINTU_LOG_FORMAT": "json"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


async def _load_test(base: str, slugs: list[str]) -> dict[str, float]:
    latencies: list[float] = []
    queue = asyncio.Queue()
    for i in range(REQUESTS):
        queue.put_nowait(PAGES[i % len(PAGES)].format(slug=slugs[i % len(slugs)]))

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            path = queue.get_nowait()
            started = time.perf_counter()
            response = await client.get(base + path)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")

    async with httpx.AsyncClient(timeout=30) as client:
        for path in PAGES:  # warm up
            await client.get(base + path.format(slug=slugs[0]))
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"median_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "rps": len(latencies) / elapsed}


def _print_run(label: str, result: dict[str, float]) -> None:
    print(f"  {label:<14} median {result['median_ms']:7.1f} ms   p99 {result['p99_ms']:7.1f} ms   "
          f"{result['rps']:7.1f} req/s")


@contextlib.contextmanager
def bench_database(name: str):
    """A fresh PostgreSQL database, migrated and loaded with the four packs; the app's environment."""
    database = f"{name}_{os.getpid()}"
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {database}"))
    asyncio.run(_admin(f"CREATE DATABASE {database}"))
    try:
        asyncio.run(migrate.create_role(_url("postgres"), ROLE))
        migrate.upgrade(_url(database), app_role=ROLE)
        asyncio.run(_load_packs(_url(database)))
        yield database, {"SATUPINTU_DATABASE_URL": _url(database, ROLE), "SATUPINTU_SECRET_KEY": "b" * 40}
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))


def bench_tenant_pages() -> None:
    with bench_database("satupintu_bench") as (database, env):
        slugs = ["banyuwangi", "purbalingga", "bangkalan", "labuhanbatu"]
        print(f"1. Tenant pages on PostgreSQL ({REQUESTS} requests, {CONCURRENCY} at a time, 4 page kinds)")
        results = {}
        for total in (4, 514):
            if total > 4:
                print(f"     generated tenants: {asyncio.run(_generate_tenants(database, total))}")
            server, base = _start_server(env)
            try:
                results[total] = asyncio.run(_load_test(base, slugs))
            finally:
                server.terminate()
                server.wait()
            _print_run(f"{total} tenants", results[total])
        print(f"  ratio 514/4: median {results[514]['median_ms'] / results[4]['median_ms']:.2f}, "
              f"p99 {results[514]['p99_ms'] / results[4]['p99_ms']:.2f}, "
              f"throughput {results[4]['rps'] / results[514]['rps']:.2f} (goal <= 1.10)")


async def _time_import(url: str) -> float:
    engine = make_engine(url)
    catalogue = load_catalogue()
    pack = load_pack(available_packs()[0])
    taken = {load_pack(path).region_code for path in available_packs()}
    spare = next(region for region in regions().values() if region.code not in taken)  # identity from the list
    pack = type(pack)(**{**{f: getattr(pack, f) for f in pack.__struct_fields__}, "slug": "impor-uji",
                         "region_code": spare.code, "name": spare.name, "province": spare.province})
    maker = make_sessionmaker(engine)
    started = time.perf_counter()
    async with tenant_session(maker, None) as session:
        await tenants_service.provision(session, pack, catalogue)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


def bench_import() -> None:
    print(f"2. Importing the whole shared catalogue ({len(load_catalogue().services)} services) into a new tenant")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite+aiosqlite:///{tmp}/import.db"
        migrate.upgrade(sqlite)
        seconds = asyncio.run(_time_import(sqlite))
        print(f"  SQLite       {seconds * 1000:7.1f} ms   ({seconds:.2f} of the 1 s budget)")
    database = f"satupintu_bench_import_{os.getpid()}"
    asyncio.run(_admin(f"CREATE DATABASE {database}"))
    try:
        migrate.upgrade(_url(database), app_role=ROLE)
        seconds = asyncio.run(_time_import(_url(database, ROLE)))
        print(f"  PostgreSQL   {seconds * 1000:7.1f} ms   ({seconds:.2f} of the 1 s budget)")
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))


def bench_memory() -> None:
    print("3. Peak memory of the demo process with four regencies")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SATUPINTU_VAR_DIR": tmp, "SATUPINTU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/demo.db"}
        migrate.upgrade(env["SATUPINTU_DATABASE_URL"])
        asyncio.run(_load_packs(env["SATUPINTU_DATABASE_URL"]))
        server, base = _start_server(env)
        try:
            asyncio.run(_load_test(base, ["banyuwangi", "purbalingga", "bangkalan", "labuhanbatu"]))
            status = Path(f"/proc/{server.pid}/status").read_text()
            peak_kb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        finally:
            server.terminate()
            server.wait()
    print(f"  VmHWM        {peak_kb / 1024:7.1f} MB   ({peak_kb / 1024 / 400:.2f} of the 400 MB budget)")


if __name__ == "__main__":
    if shutil.which("pg_isready") and subprocess.call(["pg_isready", "-q", "-h", "127.0.0.1"]) != 0:
        raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432")
    bench_tenant_pages()
    bench_import()
    bench_memory()
