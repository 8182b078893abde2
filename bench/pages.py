"""Citizen pages against a bare handler on the same rows, in one run. Nothing here is asserted by tests.

Two servers run side by side on one PostgreSQL database, both connected as the application role
(row-level security on), one uvicorn worker each:

- the project (``satupintu serve``);
- a bare Litestar app (``python bench/pages.py --bare``): per request, one transaction that sets
  ``app.tenant_id`` (the least row-level security allows) and runs one asyncpg query, rendered with
  Jinja2 or encoded with msgspec: the "fortunes" shape.

For each page kind (catalogue, service page, home, search, API list, API detail) the two servers take
turns, round by round, under the same load (wrk, one thread, loopback). This runs with the 4 real
regencies loaded, then with 514 loaded (the rest generated from Banyuwangi by bench/run.py): there,
requests over the 4 real ones and requests spread evenly over all 514 take turns too, round by round,
so that the spread / 4 ratios compare rounds measured side by side. Before a page kind's rounds, each
of its spread addresses is visited once on both servers (the first visits, with every cache cold,
printed as a table of their own), so that the rounds measure what the country costs once each regency
has been seen, as the rounds over 4 do after their one-second warm-up. It prints req/s, p50 and p99 of
both, their ratio, the spread / 4 ratios, and the project's peak RSS after the 4 and after all 514
regencies. It also prints the CPU time each server's process used per request during its rounds, and
the ratios those give: what req/s would show on a machine with nothing else running (on a shared
machine, req/s depends on how the scheduler shares the cores between the processes).

Goals (issue 14): catalogue and API list >= 0.6 of the bare handler; home, service page and search
>= 0.8; throughput spread over 514 / over 4 >= 0.9 and p50 <= 1.10; peak RSS < 250 MB and within
1.2x of the figure after 4 regencies.

Usage: ``make bench`` or ``python bench/pages.py`` (BENCH_SECONDS per round, default 3;
BENCH_ROUNDS, default 3; BENCH_CONNECTIONS, default 16; SATUPINTU_BENCH_POSTGRES_URL).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would hide the
# standard library's queue module (asyncio and multiprocessing need it): the folder is taken off first.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import asyncpg
import httpx
import msgspec
from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, Response, get
from litestar.exceptions import NotFoundException

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
REAL = ["banyuwangi", "purbalingga", "bangkalan", "labuhanbatu"]
QUERIES = ["ktp hilang", "akta lahir", "bikin sim", "paspor", "izin usaha", "kartu keluarga"]
KINDS = ["catalogue", "service", "home", "search", "api list", "api detail"]
GOALS = {"catalogue": 0.6, "api list": 0.6, "service": 0.8, "home": 0.8, "search": 0.8, "api detail": 0.8}

# The bare handlers: the same rows the project shows, one query each.

LIST_SQL = """SELECT s.code, s.name_id, s.name_en, s.cost, s.completion_value, s.completion_unit, a.name AS agency
FROM tenant_services s LEFT JOIN agencies a ON a.id = s.agency_id AND a.tenant_id = s.tenant_id
WHERE s.enabled ORDER BY s.category, s.name_id"""
SEARCH_SQL = """SELECT s.code, s.name_id, s.name_en, s.cost, s.completion_value, s.completion_unit, a.name AS agency
FROM tenant_services s LEFT JOIN agencies a ON a.id = s.agency_id AND a.tenant_id = s.tenant_id
WHERE s.enabled AND (s.name_id ILIKE $1 OR s.name_en ILIKE $1 OR s.keywords::text ILIKE $1)
ORDER BY s.name_id"""
DETAIL_SQL = """SELECT s.code, s.category, s.provider_kind, s.name_id, s.name_en, s.summary_id, s.summary_en,
s.requirements::text AS requirements, s.steps::text AS steps, s.completion_value, s.completion_unit, s.cost,
s.cost_note, s.product, s.legal_basis::text AS legal_basis, s.complaint_channel, a.name AS agency
FROM tenant_services s LEFT JOIN agencies a ON a.id = s.agency_id AND a.tenant_id = s.tenant_id
WHERE s.enabled AND s.code = $1"""
HOME_SQL = "SELECT kind, name, short FROM agencies ORDER BY kind, name"
API_LIST_SQL = """SELECT s.code, s.name_id, s.name_en, s.category, s.provider_kind, s.cost, s.completion_value,
s.completion_unit, a.name AS agency FROM tenant_services s
LEFT JOIN agencies a ON a.id = s.agency_id AND a.tenant_id = s.tenant_id
WHERE s.enabled ORDER BY s.category, s.code LIMIT $1"""

PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/satupintu.css"></head><body><main>{% block main %}{% endblock %}</main></body></html>"""
TEMPLATES = {
    "base.html": PAGE,
    "list.html": """{% extends "base.html" %}{% block main %}<h1>Layanan</h1><ol>{% for r in rows %}
<li><a href="/{{ slug }}/layanan/{{ r.code }}"><strong>{{ r.name_id }}</strong></a>
<span>{{ r.agency or '' }} · {{ rupiah(r.cost) }} · {{ r.completion_value }} {{ r.completion_unit }}</span></li>
{% endfor %}</ol>{% endblock %}""",
    "detail.html": """{% extends "base.html" %}{% block main %}<h1>{{ r.name_id }}</h1><p>{{ r.summary_id }}</p>
<dl><dt>Biaya</dt><dd>{{ rupiah(r.cost) }} {{ r.cost_note }}</dd><dt>Waktu</dt><dd>{{ r.completion_value }}
{{ r.completion_unit }}</dd><dt>Produk</dt><dd>{{ r.product }}</dd><dt>Tempat</dt><dd>{{ r.agency or '' }}</dd></dl>
<ul>{% for item in requirements %}<li>{{ item }}</li>{% endfor %}</ul>
<ol>{% for item in steps %}<li>{{ item }}</li>{% endfor %}</ol>
<ul>{% for item in legal_basis %}<li>{{ item }}</li>{% endfor %}</ul><p>{{ r.complaint_channel }}</p>{% endblock %}""",
    "home.html": """{% extends "base.html" %}{% block main %}<h1>MPP</h1><ul>{% for r in rows %}
<li>{{ r.kind }}: {{ r.name }} {{ r.short }}</li>{% endfor %}</ul>{% endblock %}""",
}


def bare_app(dsn: str, page_size: int):  # noqa: ANN201 - built only in the bare server's process
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals["rupiah"] = lambda value: "Gratis" if not value else f"Rp{value:,}".replace(",", ".")
    state: dict = {}

    async def startup() -> None:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=4, max_size=8)
        state["tenants"] = {r["slug"]: str(r["id"]) for r in await state["pool"].fetch("SELECT slug, id FROM tenants")}

    async def fetch(slug: str, sql: str, *args: object) -> list:
        tenant = state["tenants"].get(slug)
        if tenant is None:
            raise NotFoundException()
        async with state["pool"].acquire() as connection, connection.transaction():
            await connection.execute("SELECT set_config('app.tenant_id', $1, true)", tenant)
            return await connection.fetch(sql, *args)

    def html(name: str, **context: object) -> Response:
        return Response(env.get_template(name).render(**context), media_type="text/html")

    @get("/{slug:str}/layanan")
    async def catalogue(slug: str, q: str = "") -> Response:
        if q:
            rows = await fetch(slug, SEARCH_SQL, f"%{q}%")
        else:
            rows = await fetch(slug, LIST_SQL)
        return html("list.html", title="Layanan", slug=slug, rows=rows)

    @get("/{slug:str}/layanan/{code:str}")
    async def service(slug: str, code: str) -> Response:
        rows = await fetch(slug, DETAIL_SQL, code)
        if not rows:
            raise NotFoundException()
        r = rows[0]
        return html("detail.html", title=r["name_id"], r=r, requirements=json.loads(r["requirements"]),
                    steps=json.loads(r["steps"]), legal_basis=json.loads(r["legal_basis"]))

    @get("/{slug:str}/")
    async def home(slug: str) -> Response:
        return html("home.html", title="MPP", rows=await fetch(slug, HOME_SQL))

    @get("/api/v1/tenants/{slug:str}/services")
    async def api_list(slug: str) -> Response:
        rows = await fetch(slug, API_LIST_SQL, page_size)
        return Response(msgspec.json.encode({"items": [dict(r) for r in rows]}), media_type="application/json")

    @get("/api/v1/tenants/{slug:str}/services/{code:str}")
    async def api_detail(slug: str, code: str) -> Response:
        rows = await fetch(slug, DETAIL_SQL, code)
        if not rows:
            raise NotFoundException()
        return Response(msgspec.json.encode(dict(rows[0])), media_type="application/json")

    return Litestar([catalogue, service, home, api_list, api_detail], on_startup=[startup], debug=False)


def _serve_bare(port: int) -> None:
    import uvicorn

    from satupintu.catalogue.routes import API_PAGE_SIZE

    dsn = os.environ["SATUPINTU_DATABASE_URL"].replace("+asyncpg", "")
    uvicorn.run(bare_app(dsn, API_PAGE_SIZE), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _start_bare(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    from bench.run import _free_port

    port = _free_port()
    process = subprocess.Popen([sys.executable, __file__, "--bare", str(port)], env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{base}/banyuwangi/", timeout=0.5)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the bare server did not start")


# The load: wrk with a script that walks a list of paths and reports its percentiles as JSON.

WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout
  io.stderr:write(string.format('{"requests": %d, "us": %d, "p50": %d, "p99": %d, "bad": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad))
end
"""


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(base: str, paths: list[str], seconds: float, tmp: Path, pid: int | None = None) -> dict[str, float]:
    cpu = _cpu_seconds(pid) if pid else 0.0
    listing = tmp / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = tmp / "paths.lua"
    script.write_text(WRK_SCRIPT)
    done = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script), base],
        env={**os.environ, "BENCH_PATHS": str(listing)}, capture_output=True, text=True, check=True)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    if result["bad"]:
        raise SystemExit(f"{base}{paths[0]}...: {result['bad']} failed requests")
    return {"rps": result["requests"] / (result["us"] / 1e6), "p50": result["p50"] / 1000, "p99": result["p99"] / 1000,
            "cpu_ms": (_cpu_seconds(pid) - cpu) * 1000 / max(1, result["requests"]) if pid else float("nan")}


def _paths(slugs: list[str], codes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each page kind's paths, cycling evenly over the regencies (and a few services or words each)."""
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for turn in range(3):
        for i, slug in enumerate(slugs):
            code = codes[slug][(i + turn * 7) % len(codes[slug])]
            query = QUERIES[(i + turn) % len(QUERIES)].replace(" ", "+")
            out["catalogue"].append(f"/{slug}/layanan")
            out["service"].append(f"/{slug}/layanan/{code}")
            out["home"].append(f"/{slug}/")
            out["search"].append(f"/{slug}/layanan?q={query}")
            out["api list"].append(f"/api/v1/tenants/{slug}/services")
            out["api detail"].append(f"/api/v1/tenants/{slug}/services/{code}")
    return out


async def _codes(database: str) -> dict[str, list[str]]:
    from bench.run import _url

    connection = await asyncpg.connect(_url(database).replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(
            "SELECT t.slug, s.code FROM tenant_services s JOIN tenants t ON t.id = s.tenant_id"
            " WHERE s.enabled AND t.status = 'live' ORDER BY t.slug, s.code")
    finally:
        await connection.close()
    codes: dict[str, list[str]] = {}
    for row in rows:
        codes.setdefault(row["slug"], []).append(row["code"])
    return codes


async def _visit_once(base: str, paths: list[str]) -> float:
    """Each path requested once, ``CONNECTIONS`` at a time; the requests per second."""
    left = list(paths)

    async def visit(client: httpx.AsyncClient) -> None:
        while left:
            path = left.pop()
            response = await client.get(base + path)
            if response.status_code != 200:
                raise SystemExit(f"{base}{path}: HTTP {response.status_code}")

    async with httpx.AsyncClient(timeout=60, headers={"Accept-Encoding": "gzip"}) as client:
        started = time.perf_counter()
        await asyncio.gather(*(visit(client) for _ in range(CONNECTIONS)))
        return len(paths) / (time.perf_counter() - started)


def _first_visits(base: str, paths: list[str], pid: int | None) -> dict[str, float]:
    """Every address visited once (its page not yet kept, the regency's caches cold): req/s, CPU ms/req."""
    unique = list(dict.fromkeys(paths))
    before = _cpu_seconds(pid) if pid else 0.0
    rps = asyncio.run(_visit_once(base, unique))
    return {"rps": rps, "cpu_ms": (_cpu_seconds(pid) - before) * 1000 / len(unique) if pid else float("nan"),
            "addresses": len(unique)}


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _peak_rss_mb(process: subprocess.Popen) -> float:
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def _measure(sets: dict[str, dict[str, list[str]]], servers: dict[str, str], tmp: Path,
             pids: dict[str, int] | None = None, cold: tuple[str, ...] = ()) -> dict[str, dict]:
    """Both servers' req/s, latency and the ratio, for each set of addresses (its label: its paths by
    page kind); and, from the CPU time each server's process used during its rounds, CPU ms per request
    and their ratio: the throughput ratio on a machine with nothing else running (on a shared machine,
    req/s depends on how the scheduler shares it). Page kind by page kind, the rounds alternate between
    the servers and between the sets, so that sets compared with each other are measured side by side.
    A set named in ``cold`` has each of its addresses visited once first (a table of its own); the
    others warm up for a second."""
    pids = pids or {}
    runs: dict[str, dict[str, dict[str, list[dict[str, float]]]]] = {label: {} for label in sets}
    first: dict[str, dict[str, dict[str, dict[str, float]]]] = {label: {} for label in cold}
    for kind in KINDS:
        for label, paths in sets.items():
            for name, base in servers.items():
                if label in cold:  # the warm-up: every address once (page kind by page kind, as the rounds go)
                    first[label].setdefault(kind, {})[name] = _first_visits(base, paths[kind], pids.get(name))
                else:
                    _wrk(base, paths[kind], 1, tmp)
        for _ in range(ROUNDS):
            for label, paths in sets.items():
                for name, base in servers.items():
                    runs[label].setdefault(kind, {}).setdefault(name, []).append(
                        _wrk(base, paths[kind], SECONDS, tmp, pids.get(name)))
    results = {}
    for label in sets:
        results[label] = _table(label, runs[label])
        if label in cold:
            _cold_table(first[label])
    return results


def _table(label: str, runs: dict[str, dict[str, list[dict[str, float]]]]) -> dict:
    print(f"\n{label}")
    print(f"  {'page':<11} {'project req/s':>13} {'p50 ms':>7} {'p99 ms':>7}   {'bare req/s':>10} {'p50 ms':>7} "
          f"{'p99 ms':>7}   {'ratio':>5} {'goal':>5}   {'CPU ms/req project, bare, ratio':>31}")
    results = {}
    for kind, by_server in runs.items():
        merged = {name: {key: sum(r[key] for r in rs) / len(rs) for key in ("rps", "p50", "p99", "cpu_ms")}
                  for name, rs in by_server.items()}
        project, bare = merged["project"], merged["bare"]
        ratio = _ratio(project["rps"], bare["rps"])
        cpu_ratio = _ratio(bare["cpu_ms"], project["cpu_ms"])
        results[kind] = {**project, "ratio": ratio, "cpu_ratio": cpu_ratio}
        print(f"  {kind:<11} {project['rps']:13.0f} {project['p50']:7.1f} {project['p99']:7.1f}   {bare['rps']:10.0f} "
              f"{bare['p50']:7.1f} {bare['p99']:7.1f}   {ratio:5.2f} {GOALS[kind]:5.2f}   {project['cpu_ms']:9.2f} "
              f"{bare['cpu_ms']:6.2f} {cpu_ratio:6.2f}{'' if ratio >= GOALS[kind] else '  below goal'}")
    return results


def _cold_table(first: dict[str, dict[str, dict[str, float]]]) -> None:
    print("  First visits (the warm-up: each address once, before its kind's rounds; caches cold)")
    print(f"  {'page':<11} {'addresses':>9} {'project req/s':>13} {'bare req/s':>10} {'ratio':>5}   "
          f"{'CPU ms/req project, bare':>24}")
    for kind, visits in first.items():
        project, bare = visits["project"], visits["bare"]
        print(f"  {kind:<11} {project['addresses']:9.0f} {project['rps']:13.0f} {bare['rps']:10.0f} "
              f"{_ratio(project['rps'], bare['rps']):5.2f}   {project['cpu_ms']:11.2f} {bare['cpu_ms']:6.2f}")


def main() -> None:
    from bench.run import _generate_tenants, _start_server, bench_database

    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    print(f"Citizen pages: project / bare handler, wrk -t1 -c{CONNECTIONS}, {ROUNDS} alternating rounds "
          f"of {SECONDS:g} s per page kind, PostgreSQL as the app role")
    with bench_database("satupintu_pages") as (database, env), tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)

        def run(label: str, slugs: list[str]) -> tuple[dict, float]:
            project, project_url = _start_server(env)
            bare, bare_url = _start_bare(env)
            try:
                results = _measure({label: _paths(slugs, asyncio.run(_codes(database)))},
                                   {"project": project_url, "bare": bare_url}, tmp,
                                   {"project": project.pid, "bare": bare.pid})
                return results[label], _peak_rss_mb(project)
            finally:
                for process in (project, bare):
                    process.terminate()
                    process.wait()

        four, _ = run("4 regencies loaded, requests over the 4", REAL)
        total = asyncio.run(_generate_tenants(database, 514))
        everyone = sorted(asyncio.run(_codes(database)))
        project, project_url = _start_server(env)
        bare, bare_url = _start_bare(env)
        try:
            codes = asyncio.run(_codes(database))
            servers = {"project": project_url, "bare": bare_url}
            pids = {"project": project.pid, "bare": bare.pid}
            over_four = f"{total} regencies loaded, requests over the 4 real ones"
            over_all = f"{total} regencies loaded, requests spread evenly over all {len(everyone)}"
            real = _paths(REAL, codes)
            for kind in KINDS:  # the 4 first, under the rounds' load: the memory they take
                _wrk(project_url, real[kind], SECONDS, tmp)
            rss_four = _peak_rss_mb(project)
            # Then both sets, round by round, side by side.
            measured = _measure({over_four: real, over_all: _paths(everyone, codes)}, servers, tmp, pids,
                                cold=(over_all,))
            loaded, spread = measured[over_four], measured[over_all]
            rss_all = _peak_rss_mb(project)
        finally:
            for process in (project, bare):
                process.terminate()
                process.wait()
    print(f"\nSpread over all {len(everyone)} / over the 4 (same server): throughput (goal >= 0.90), p50 (goal <= 1.10);"
          f" and 514 loaded / 4 loaded throughput")
    for kind in KINDS:
        print(f"  {kind:<11} throughput {_ratio(spread[kind]['rps'], loaded[kind]['rps']):5.2f}   "
              f"p50 {_ratio(spread[kind]['p50'], loaded[kind]['p50']):5.2f}   "
              f"514/4 loaded {_ratio(loaded[kind]['rps'], four[kind]['rps']):5.2f}   "
              f"from CPU per request: spread/4 {_ratio(loaded[kind]['cpu_ms'], spread[kind]['cpu_ms']):5.2f}")
    print(f"\nPeak RSS of the project's process: {rss_four:.0f} MB after the 4 regencies, {rss_all:.0f} MB after all "
          f"{len(everyone)} ({rss_all / rss_four:.2f}x; goals < 250 MB and <= 1.20x)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--bare":
        _serve_bare(int(sys.argv[2]))
    else:
        main()
