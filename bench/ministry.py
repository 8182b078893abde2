"""The ministry's pages at the size of Indonesia. Prints timings and ratios; tests never assert them.

1. A PostgreSQL database with the four regencies' packs and three years of their monthly figures,
   semester surveys and yearly evaluations; rollups computed; the overview and the comparison page
   timed through a real server, signed in as a ministry viewer.
2. The same after generating the rest of Indonesia's kabupaten/kota (514 in all, each a clone of
   Banyuwangi's configuration from bench/run.py with its own generated figures); the nightly
   recomputation of every rollup is timed too.
Goal: each page renders in under 300 ms with 514 regencies.

Usage: ``.venv/bin/python bench/ministry.py`` (SATUPINTU_BENCH_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/postgres; BENCH_PAGE_REQUESTS, default 30 per page).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would hide the
# standard library's queue module (asyncio and multiprocessing need it): the folder is taken off first.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import time
from datetime import date

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.run import _generate_tenants, _start_server, _url, bench_database  # noqa: E402
from satupintu.benchmarks import rollups  # noqa: E402
from satupintu.benchmarks.models import TOTAL_SCALE  # noqa: E402
from satupintu.cli import _create_user  # noqa: E402
from satupintu.db import make_engine, make_sessionmaker  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "30"))
MONTHS = 36
VIEWER = ("pengamat@kemenpan.bench", "kata-sandi-bench-2026")
FOUR = ["banyuwangi", "purbalingga", "bangkalan", "labuhanbatu"]
PAGES = {
    "overview": "/kementerian/",
    "overview, all rows and columns": "/kementerian/?kolom=semua&semua=1&urut=ikm&arah=turun",
    "comparison (4 regions)": "/kementerian/bandingkan?" + "&".join(f"w={s}" for s in FOUR),
}
ASPECTS = ("kebijakan", "sdm", "sarpras", "sipp", "pengaduan", "inovasi")


def _months(end: date, count: int) -> list[str]:
    year, month, out = end.year, end.month, []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


async def generate_reports(database: str, only_missing: bool = True) -> int:
    """Three years of monthly figures, six semester surveys and three evaluation years per regency.

    Written by the database owner in bulk (a superuser is not subject to row-level security), as a
    data migration would; each regency's figures are random but repeatable (seeded by its code).
    """
    connection = await asyncpg.connect(_url(database).replace("+asyncpg", ""))
    try:
        tenants = await connection.fetch(
            "SELECT id, region_code FROM tenants t WHERE NOT EXISTS (SELECT 1 FROM ops_monthly o WHERE o.tenant_id = t.id)"
            if only_missing else "SELECT id, region_code FROM tenants")
        today = date.today()
        months = _months(date(today.year, today.month, 1), MONTHS + 1)[:-1]  # the last 36 complete months
        ops, surveys, evaluations = [], [], []
        for tenant in tenants:
            rng = random.Random(tenant["region_code"])
            size = rng.randint(2_000, 40_000)
            quality = rng.uniform(2.7, 3.8)
            for index, month in enumerate(months):
                visitors = int(size * (0.7 + 0.6 * index / MONTHS) * rng.uniform(0.85, 1.15))
                received = rng.randint(0, max(1, visitors // 400))
                ops.append((tenant["id"], month, visitors, int(visitors * rng.uniform(0.6, 0.9)), received,
                            int(received * rng.uniform(0.6, 1.0))))
            for year in range(today.year - 3, today.year):
                for semester in (1, 2):
                    respondents = rng.randint(80, 600)
                    totals = [int(min(4.0, max(1.0, rng.gauss(quality, 0.25))) * respondents) * TOTAL_SCALE
                              for _ in range(9)]
                    surveys.append((tenant["id"], f"{year}-S{semester}", respondents, str(totals).replace(" ", "")))
                scores = {a: int(min(5.0, max(0.0, rng.gauss(quality + 0.5, 0.4))) * 100) for a in ASPECTS}
                evaluations.append((tenant["id"], year, str(scores).replace("'", '"').replace(" ", "")))
        async with connection.transaction():
            await connection.executemany(
                "INSERT INTO ops_monthly (tenant_id, month, visitors, transactions, complaints_received,"
                " complaints_on_time, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now(), now())", ops)
            await connection.executemany(
                "INSERT INTO skm_results (tenant_id, period, source, respondents, totals, created_at, updated_at)"
                " VALUES ($1, $2, 'summary', $3, $4::json, now(), now())", surveys)
            await connection.executemany(
                "INSERT INTO ipp_evaluations (tenant_id, year, scores, notes, created_at, updated_at)"
                " VALUES ($1, $2, $3::json, '', now(), now())", evaluations)
        await connection.execute("ANALYZE")
        return len(tenants)
    finally:
        await connection.close()


async def refresh_all(url: str) -> tuple[int, float]:
    engine = make_engine(url)
    started = time.perf_counter()
    try:
        done = await rollups.refresh_all(make_sessionmaker(engine))
    finally:
        await engine.dispose()
    return len(done), time.perf_counter() - started


def _sign_in(client: httpx.Client, base: str) -> None:
    page = client.get(f"{base}/masuk")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(f"{base}/masuk", data={"email": VIEWER[0], "password": VIEWER[1], "_csrf_token": token})
    if response.status_code not in (200, 303) or "kementerian" not in str(response.url) + response.headers.get("location", ""):
        raise SystemExit(f"signing in as the ministry viewer failed: HTTP {response.status_code}")


def time_pages(env: dict[str, str]) -> dict[str, dict[str, float]]:
    server, base = _start_server(env)
    results: dict[str, dict[str, float]] = {}
    try:
        with httpx.Client(timeout=60, follow_redirects=True) as client:
            _sign_in(client, base)
            for label, path in PAGES.items():
                for _ in range(3):  # warm up (templates compiled, connections pooled)
                    response = client.get(base + path)
                    if response.status_code != 200:
                        raise SystemExit(f"{path}: HTTP {response.status_code}")
                timings = []
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    response = client.get(base + path)
                    timings.append((time.perf_counter() - started) * 1000)
                timings.sort()
                results[label] = {"median": statistics.median(timings),
                                  "p95": timings[max(0, int(len(timings) * 0.95) - 1)],
                                  "kb": len(response.content) / 1024}
    finally:
        server.terminate()
        server.wait()
    return results


def _print(total: int, results: dict[str, dict[str, float]]) -> None:
    for label, r in results.items():
        verdict = "ok" if r["median"] < 300 else "OVER 300 ms"
        print(f"  {total:>3} regions  {label:<32} median {r['median']:7.1f} ms   p95 {r['p95']:7.1f} ms   "
              f"{r['kb']:6.1f} KB  {verdict}")


def main() -> None:
    with bench_database("satupintu_bench_ministry") as (database, env):
        app_url = env["SATUPINTU_DATABASE_URL"]
        from satupintu.config import Settings

        asyncio.run(_create_user(Settings.from_env({**os.environ, **env}), VIEWER[0], "Pengamat Bench",
                                 "ministry_viewer", None, VIEWER[1]))
        print(f"The ministry's pages on PostgreSQL ({REQUESTS} requests per page, one at a time, signed in)")
        generated = asyncio.run(generate_reports(database))
        count, seconds = asyncio.run(refresh_all(app_url))
        print(f"  reports generated for {generated} regions; rollups of {count} computed in {seconds:.1f} s")
        small = time_pages(env)
        _print(4, small)

        total = asyncio.run(_generate_tenants(database, 514))
        generated = asyncio.run(generate_reports(database))
        count, seconds = asyncio.run(refresh_all(app_url))
        print(f"  generated {total - 4} more regions with {MONTHS} months of figures each; nightly recomputation of "
              f"{count} rollups: {seconds:.1f} s ({seconds * 1000 / max(count, 1):.0f} ms per region)")
        large = time_pages(env)
        _print(total, large)
        for label in PAGES:
            ratio = large[label]["median"] / small[label]["median"]
            print(f"  ratio {total}/4  {label:<32} median {ratio:5.2f}   "
                  f"({large[label]['median']:.1f} ms of the 300 ms budget)")


if __name__ == "__main__":
    if shutil.which("pg_isready") and subprocess.call(["pg_isready", "-q", "-h", "127.0.0.1"]) != 0:
        raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432")
    main()
