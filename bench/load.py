"""Load on a cluster on one machine: two web processes against one, side by side in one run.
Prints measurements; nothing here is asserted by tests.

The cluster is the one the cluster tests start (tests/cluster/machine.py): its own PostgreSQL behind
PgBouncer in transaction mode, Redis, a RabbitMQ virtual host, two ``satupintu serve`` processes and
two ``satupintu worker`` processes. 50 regencies are live: the four packs and 46 kabupaten/kota from
the list of 514, each a copy of Banyuwangi (bench/run.py's clone_regencies). Each regency has one
operator, signed in once and staffing one counter.

Client processes (asyncio, plain HTTP/1.1 keep-alive connections) send a mix for a fixed time:
citizen pages (home, catalogue, a service, search, the queue form, a ticket's status as its page
refreshes it, a display board), API calls (service list and detail, a ticket, a board), tickets
taken through the API, and staff actions (each operator takes its turn: a ticket for its line, call
next, the console, start, finish). A regency's n-th service is asked for 1/n as often as its first.
After a round on both web processes (each keeps its own page cache), rounds alternate between
sending everything to web 1 and spreading it over both (1, 2, 2, 1, 1, 2, ...), so both are
measured side by side under the same conditions.

Printed: requests/s, p50 and p99 per route group and mode, errors (goal 0: any answer other than the
expected one, or a failed connection), the ratio of two web processes to one (goal >= 1.7 on a
2-core machine), the CPU each part of the cluster and the clients used, and the load average of the
machine (which other work shares: the CPU figures show what the cluster was given). As a shared
machine gives two web processes a bigger share than one, it also prints what the same CPU per
request would give on the machine alone: one web process can use one core; everything together,
the machine's cores.

Usage: ``make bench`` or ``.venv/bin/python bench/load.py``; BENCH_LOAD_SECONDS per round (default 8),
BENCH_LOAD_ROUNDS pairs of rounds (default 3), BENCH_LOAD_PROCESSES client processes (default 2),
BENCH_LOAD_CONNECTIONS per client process (default 12), BENCH_LOAD_REGENCIES (default 50).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would hide the
# standard library's queue module (asyncio and multiprocessing need it): the folder is taken off first.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncio
import gzip
import itertools
import json
import logging
import multiprocessing
import os
import random
import re
import resource
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", "3"))
PROCESSES = int(os.environ.get("BENCH_LOAD_PROCESSES", "2"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "12"))
REGENCIES = int(os.environ.get("BENCH_LOAD_REGENCIES", "50"))
MIX = {"pages": 45, "api": 30, "ticket": 10, "staff": 15}
GROUPS = list(MIX)
QUERIES = ["ktp hilang", "akta lahir", "bikin sim", "paspor", "izin usaha", "kartu keluarga"]
OPERATOR_STEPS = ["ticket", "panggil", "console", "mulai", "selesai"]


# --- a small HTTP/1.1 client: the load generator must cost the machine far less than the servers


class Connection:
    """One keep-alive connection; reopened when it has been idle for longer than the server keeps
    it (uvicorn closes after 5 s), as browsers do."""

    IDLE_SECONDS = 3.0

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.authority = parts.hostname, parts.port, parts.netloc
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0.0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self.writer is not None and time.monotonic() - self.used > self.IDLE_SECONDS:
            self.close()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.authority}", "Accept-Encoding: gzip"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            content = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            content = await self._chunked()
        else:
            content = await self.reader.read()
            self.close()
        if fields.get("connection", "").lower() == "close":
            self.close()
        self.used = time.monotonic()
        if fields.get("content-encoding") == "gzip":
            content = gzip.decompress(content)
        return status, content

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0].strip(), 16)
            chunk = await self.reader.readexactly(size + 2)
            if size == 0:
                return b"".join(parts)
            parts.append(chunk[:-2])


# --- what the clients send


@dataclass
class Regency:
    slug: str
    services: list[str]  # enabled services (pages and API)
    queueable: list[str]  # services with a counter (tickets)
    locations: list[str]  # locations with counters (boards)


@dataclass
class Operator:
    slug: str
    service: str
    location: str
    cookie: str
    token: str
    step: int = 0


@dataclass
class Call:
    group: str
    method: str
    path: str
    expect: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    then: Callable[[bytes], None] | None = None


class Mix:
    """The requests of one client process; each connection draws its next request from here."""

    def __init__(self, regencies: list[Regency], operators: list[list[Operator]], seed: int) -> None:
        self.regencies = regencies
        self.operators = operators  # per connection, the operators it alone drives
        self.random = random.Random(seed)
        # a few services are asked for far more than the rest (KTP, KK, birth certificates): the n-th
        # of a regency's services is asked for 1/n as often as its first
        self.popularity = {r.slug: list(itertools.accumulate(1 / n for n in range(1, len(r.services) + 1)))
                           for r in regencies}
        self.tickets: deque[tuple[str, str]] = deque(maxlen=500)  # (slug, public id) of tickets taken

    def next(self, connection: int) -> Call:
        group = self.random.choices(GROUPS, weights=[MIX[g] for g in GROUPS])[0]
        if group == "staff" and self.operators[connection]:
            return self._operator(self.operators[connection])
        regency = self.random.choice(self.regencies)
        if group == "ticket" or group == "staff":
            return self._ticket(regency.slug, {"service": self.random.choice(regency.queueable)})
        return self._page(regency) if group == "pages" else self._api(regency)

    def _ticket(self, slug: str, wanted: dict[str, str], then: Callable[[bytes], None] | None = None) -> Call:
        def taken(content: bytes) -> None:
            self.tickets.append((slug, json.loads(content)["id"]))
            if then is not None:
                then(content)

        return Call("ticket", "POST", f"/api/v1/tenants/{slug}/queue/tickets", 201,
                    {"Content-Type": "application/json"}, json.dumps(wanted).encode(), taken)

    def _service(self, regency: Regency) -> str:
        return self.random.choices(regency.services, cum_weights=self.popularity[regency.slug])[0]

    def _known_ticket(self, slug: str) -> str | None:
        mine = [public for owner, public in self.tickets if owner == slug]
        return self.random.choice(mine) if mine else None

    def _page(self, regency: Regency) -> Call:
        slug, pick = regency.slug, self.random.randrange(7)
        ticket = self._known_ticket(slug) if pick == 5 else None
        if ticket:  # a ticket's page on a phone refreshes its status part every few seconds (htmx)
            return Call("pages", "GET", f"/{slug}/antrian/{ticket}", 200, {"HX-Request": "true"})
        path = [f"/{slug}/", f"/{slug}/layanan", f"/{slug}/layanan/{self._service(regency)}",
                f"/{slug}/layanan?{urlencode({'q': self.random.choice(QUERIES)})}", f"/{slug}/antrian",
                f"/{slug}/layanan", f"/{slug}/layar/{self.random.choice(regency.locations)}"][pick]
        return Call("pages", "GET", path, 200)

    def _api(self, regency: Regency) -> Call:
        base, pick = f"/api/v1/tenants/{regency.slug}", self.random.randrange(4)
        ticket = self._known_ticket(regency.slug) if pick == 3 else None
        path = [f"{base}/services", f"{base}/services/{self._service(regency)}",
                f"{base}/queue/board?{urlencode({'location': self.random.choice(regency.locations)})}",
                f"{base}/queue/tickets/{ticket}" if ticket else f"{base}/services"][pick]
        return Call("api", "GET", path, 200)

    def _operator(self, mine: list[Operator]) -> Call:
        """The next step of this connection's next operator; a step that fails is tried again."""
        operator = mine[0]
        mine.append(mine.pop(0))

        def advance(_content: bytes) -> None:
            operator.step = (operator.step + 1) % len(OPERATOR_STEPS)

        step = OPERATOR_STEPS[operator.step]
        if step == "ticket":
            return self._ticket(operator.slug, {"service": operator.service, "location": operator.location}, advance)
        headers = {"Cookie": operator.cookie}
        if step == "console":
            return Call("staff", "GET", f"/{operator.slug}/loket", 200, headers, then=advance)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return Call("staff", "POST", f"/{operator.slug}/loket/{step}", 303, headers,
                    urlencode({"_csrf_token": operator.token}).encode(), advance)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {g: [] for g in GROUPS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0


async def _drive(mix: Mix, bases: list[str], seconds: float) -> Tally:
    tally = Tally()

    async def connection(number: int) -> None:
        pool = [Connection(base) for base in bases]
        turn = number
        while time.monotonic() < deadline:
            call = mix.next(number)
            link = pool[turn % len(pool)]
            turn += 1
            started = time.perf_counter()
            try:
                status, content = await link.request(call.method, call.path, call.headers, call.body)
            except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                link.close()
                status, content = 0, repr(exc).encode()
            tally.latencies[call.group].append(time.perf_counter() - started)
            if status != call.expect:
                tally.errors[call.group] += 1
                if len(tally.samples) < 5:
                    tally.samples.append(f"{call.method} {call.path}: {status} {content[:200]!r}")
            elif call.then is not None:
                call.then(content)
        for link in pool:
            link.close()

    begun, cpu = time.monotonic(), _own_cpu()
    deadline = begun + seconds
    await asyncio.gather(*(connection(n) for n in range(len(mix.operators))))
    tally.seconds, tally.cpu = time.monotonic() - begun, _own_cpu() - cpu
    return tally


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _client(regencies: list[Regency], operators: list[list[Operator]], seed: int, pipe: Any) -> None:
    """One client process: runs a round each time it is told to, and answers with its tally."""
    mix = Mix(regencies, operators, seed)
    while (order := pipe.recv()) is not None:
        bases, seconds = order
        pipe.send(asyncio.run(_drive(mix, bases, seconds)))


# --- the cluster and its data


def _prepare(cluster: Any) -> None:
    """REGENCIES live regencies (the packs and clones of Banyuwangi) and one operator account in each."""
    from bench.run import clone_regencies

    asyncio.run(clone_regencies(cluster.owner_dsn, REGENCIES))
    asyncio.run(_operator_accounts(cluster.owner_dsn.replace("postgresql://", "postgresql+asyncpg://")))


def _email(slug: str) -> str:
    return f"loket@{slug}.bench.test"


async def _operator_accounts(url: str) -> None:
    from satupintu import logs
    from satupintu.accounts import service as accounts
    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.security import hash_password
    from satupintu.tenants.models import Tenant
    from sqlalchemy import select
    from tests.cluster.machine import PASSWORD

    logs.configure(level=logging.WARNING)  # the accounts' after-commit jobs stay in this process, unlogged
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    digest = hash_password(PASSWORD)  # once: hashing 50 times would take most of a minute here
    async with tenant_session(maker, None) as session:
        tenants = (await session.scalars(select(Tenant).where(Tenant.status == "live"))).all()
    for tenant in tenants:
        async with tenant_session(maker, tenant.id) as session:
            account = await accounts.create_staff(session, email=_email(tenant.slug), name="Petugas Loket",
                                                  role="operator", password=None)
            account.password_hash = digest
    await engine.dispose()


def _regencies(cluster: Any) -> tuple[list[Regency], dict[str, tuple[str, str, str]]]:
    """Each live regency's services, queueable services and board locations; and one line (service,
    counter, location) per regency for its operator."""
    rows = cluster.fetch(
        "SELECT t.slug, s.code, EXISTS (SELECT 1 FROM counters c WHERE c.tenant_id = s.tenant_id"
        " AND c.agency_id = s.agency_id) AS queueable FROM tenant_services s JOIN tenants t ON t.id = s.tenant_id"
        " WHERE s.enabled AND t.status = 'live' ORDER BY t.slug, s.code")
    places = cluster.fetch(
        "SELECT DISTINCT t.slug, l.code FROM counters c JOIN tenants t ON t.id = c.tenant_id"
        " JOIN locations l ON l.id = c.location_id ORDER BY t.slug, l.code")
    lines = cluster.fetch(
        "SELECT DISTINCT ON (t.slug) t.slug, s.code AS service, c.code AS counter, l.code AS location"
        " FROM tenant_services s JOIN tenants t ON t.id = s.tenant_id"
        " JOIN counters c ON c.tenant_id = s.tenant_id AND c.agency_id = s.agency_id"
        " JOIN locations l ON l.id = c.location_id WHERE s.enabled AND t.status = 'live'"
        " ORDER BY t.slug, c.code, s.code")
    regencies: dict[str, Regency] = {}
    for row in rows:
        regency = regencies.setdefault(row["slug"], Regency(row["slug"], [], [], []))
        regency.services.append(row["code"])
        if row["queueable"]:
            regency.queueable.append(row["code"])
    for row in places:
        regencies[row["slug"]].locations.append(row["code"])
    return list(regencies.values()), {r["slug"]: (r["service"], r["counter"], r["location"]) for r in lines}


def _sign_in_operator(base: str, slug: str, line: tuple[str, str, str], number: int) -> Operator:
    """Sign in through the form and staff the counter, as an operator's browser would. Each operator
    comes from an address of its own behind the (trusted) proxy, as in a regency's office."""
    import httpx

    from satupintu.accounts.sessions import COOKIE
    from tests.cluster.machine import PASSWORD

    service, counter, location = line
    address = {"X-Forwarded-For": f"10.{number // 250}.{number % 250}.1"}
    with httpx.Client(base_url=base, timeout=60, headers=address) as browser:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', browser.get(f"/{slug}/masuk").text).group(1)
        signed = browser.post(f"/{slug}/masuk", data={"email": _email(slug), "password": PASSWORD,
                                                       "_csrf_token": token})
        opened = browser.post(f"/{slug}/loket/buka", data={"counter": counter, "_csrf_token": token})
        if signed.status_code not in (302, 303) or opened.status_code != 303:
            raise SystemExit(f"operator of {slug}: sign-in {signed.status_code}, counter {opened.status_code}")
        cookie = f"{COOKIE}={browser.cookies[COOKIE]}; satupintu_csrf={browser.cookies['satupintu_csrf']}"
    return Operator(slug, service, location, cookie, token)


# --- measuring


PARTS = {"web": "webs", "worker": "workers", "postgres": "PostgreSQL", "pgbouncer": "PgBouncer", "redis": "Redis"}


def _cpu(cluster: Any) -> dict[str, float]:
    """CPU seconds used so far by each part of the cluster: each process the cluster started and
    every process below it (PostgreSQL's backends are children of the postmaster, in sessions of
    their own)."""
    started = {process.popen.pid: PARTS[name.rstrip("0123456789")] for name, process in cluster.processes.items()
               if name.rstrip("0123456789") in PARTS}
    parents, times = {}, {}
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has ended
            continue
        pid = int(stat.parent.name)
        parents[pid], times[pid] = int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks
    used = dict.fromkeys(PARTS.values(), 0.0)
    for pid, seconds in times.items():
        ancestor = pid
        while ancestor not in started and ancestor > 1:
            ancestor = parents.get(ancestor, 0)
        if ancestor in started:
            used[started[ancestor]] += seconds
    return used


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _round(pipes: list[Any], bases: list[str], seconds: float) -> list[Tally]:
    for pipe in pipes:
        pipe.send((bases, seconds))
    return [pipe.recv() for pipe in pipes]


def _measure(cluster: Any, pipes: list[Any]) -> tuple[dict[int, list[Tally]], dict[int, float],
                                                     dict[int, dict[str, float]]]:
    """Alternating rounds (1, 2, 2, 1, ...) after a warm-up on both: every client's tallies, the
    seconds measured and the CPU seconds of each part, per number of web processes."""
    _round(pipes, cluster.webs, SECONDS)
    tallies: dict[int, list[Tally]] = {1: [], 2: []}
    elapsed: dict[int, float] = {1: 0.0, 2: 0.0}
    cpu: dict[int, dict[str, float]] = {1: {}, 2: {}}
    order = [webs for pair in range(ROUNDS) for webs in ((1, 2) if pair % 2 == 0 else (2, 1))]
    for number, webs in enumerate(order, 1):
        before = _cpu(cluster)
        results = _round(pipes, cluster.webs[:webs], SECONDS)
        used = {part: seconds - before[part] for part, seconds in _cpu(cluster).items()}
        used["clients"] = sum(t.cpu for t in results)
        seconds = max(t.seconds for t in results)
        tallies[webs] += results
        elapsed[webs] += seconds
        for part, value in used.items():
            cpu[webs][part] = cpu[webs].get(part, 0.0) + value
        count = sum(len(v) for t in results for v in t.latencies.values())
        errors = sum(sum(t.errors.values()) for t in results)
        print(f"  round {number:2d}, {webs} web: {count / seconds:8.1f} req/s   errors {errors}   CPU (cores) "
              + ", ".join(f"{part} {value / seconds:.2f}" for part, value in used.items()))
    return tallies, elapsed, cpu


def main() -> None:
    from tests.cluster.machine import missing_programs, running_cluster

    if missing := missing_programs():
        raise SystemExit(f"bench/load.py needs {', '.join(missing)} (and RabbitMQ running on 127.0.0.1:5672)")
    load_before = os.getloadavg()
    started = time.monotonic()
    with running_cluster([], env={"SATUPINTU_QUEUE_ALWAYS_OPEN": "1"}, prepare=_prepare) as cluster:
        regencies, lines = _regencies(cluster)
        with ThreadPoolExecutor(4) as pool:
            operators = list(pool.map(lambda item: _sign_in_operator(cluster.webs[item[0] % 2], item[1].slug,
                                                                     lines[item[1].slug], item[0]),
                                      enumerate(regencies)))
        print(f"Load on a cluster on one machine ({os.cpu_count()} cores): 2 web processes, 2 workers, PgBouncer "
              f"(transaction mode), PostgreSQL, Redis, RabbitMQ; set up in {time.monotonic() - started:.0f} s")
        print(f"{len(regencies)} live regencies (4 packs, the rest cloned from Banyuwangi), {len(operators)} "
              f"operators signed in at one counter each")
        print(f"Clients: {PROCESSES} processes x {CONNECTIONS} connections; mix "
              + ", ".join(f"{g} {MIX[g]}%" for g in GROUPS)
              + f"; {2 * ROUNDS} rounds of {SECONDS:g} s alternating 1 and 2 web processes")
        context = multiprocessing.get_context("spawn")
        pipes, clients = [], []
        for number in range(PROCESSES):
            mine: list[list[Operator]] = [[] for _ in range(CONNECTIONS)]
            for index, operator in enumerate(operators[number::PROCESSES]):
                mine[index % CONNECTIONS].append(operator)
            parent, child = context.Pipe()
            clients.append(context.Process(target=_client, args=(regencies, mine, number, child)))
            clients[-1].start()
            pipes.append(parent)
        try:
            _report(*_measure(cluster, pipes))
        finally:
            for pipe in pipes:
                pipe.send(None)
            for client in clients:
                client.join()
    load_after = os.getloadavg()
    print("Load average of the machine (1, 5, 15 min) before: " + ", ".join(f"{x:.1f}" for x in load_before)
          + "; after: " + ", ".join(f"{x:.1f}" for x in load_after)
          + f" (other work shares these {os.cpu_count()} cores; compare the ratios, not the absolute figures)")


def _report(results: dict[int, list[Tally]], elapsed: dict[int, float], cpu: dict[int, dict[str, float]]) -> None:
    print(f"\n{'':8}{'1 web process':>38}   {'2 web processes':>38}")
    print(f"{'group':<8}" + f"{'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>8}  " * 2)
    for group in [*GROUPS, "all"]:
        row = f"{group:<8}"
        for webs in (1, 2):
            tallies = results[webs]
            groups = GROUPS if group == "all" else [group]
            latencies = [x for t in tallies for g in groups for x in t.latencies[g]]
            errors = sum(t.errors[g] for t in tallies for g in groups)
            row += (f"{len(latencies) / elapsed[webs]:10.1f} {_percentile(latencies, 0.5) * 1000:8.1f} "
                    f"{_percentile(latencies, 0.99) * 1000:8.1f} {errors:8d}  ")
        print(row)
    rates = {webs: sum(len(v) for t in results[webs] for v in t.latencies.values())
             / elapsed[webs] for webs in (1, 2)}
    errors = sum(sum(t.errors.values()) for webs in (1, 2) for t in results[webs])
    print(f"\nRatio of 2 web processes to 1: {rates[2] / rates[1]:.2f} (goal >= 1.70); errors {errors} (goal 0)")
    served = {webs: rates[webs] * elapsed[webs] / cpu[webs]["webs"] for webs in (1, 2)}
    print(f"Requests per CPU second of the web processes: {served[1]:.0f} with 1, {served[2]:.0f} with 2 "
          f"({served[2] / served[1]:.2f}; what the processes make of the CPU they are given)")
    cores = os.cpu_count() or 1
    alone = {}
    for webs in (1, 2):  # each web process can use one core at most; everything shares the machine's cores
        requests = rates[webs] * elapsed[webs]
        per_request, web_per_request = sum(cpu[webs].values()) / requests, cpu[webs]["webs"] / requests
        alone[webs] = min(webs / web_per_request, cores / per_request)
    print(f"Estimate for this machine with nothing else running, from the CPU each request cost above: "
          f"{alone[1]:.0f} req/s with 1 web process, {alone[2]:.0f} with 2, ratio {alone[2] / alone[1]:.2f}")
    for webs in (1, 2):
        print(f"CPU (cores) with {webs} web process{'es' if webs > 1 else ''}: "
              + ", ".join(f"{part} {value / elapsed[webs]:.2f}" for part, value in cpu[webs].items())
              + f"; all {sum(cpu[webs].values()) / elapsed[webs]:.2f}")
    samples = [s for webs in (1, 2) for t in results[webs] for s in t.samples]
    for sample in samples[:5]:
        print(f"  error: {sample}")


if __name__ == "__main__":
    main()
