"""A SatuPintu cluster on one machine, as Kubernetes would run it, with the real programs.

Web processes, `satupintu worker` processes, all against one PostgreSQL of the cluster's own
(started with Debian's initdb and postgres) through PgBouncer in transaction mode, a Redis of the
cluster's own (sessions, rate limits, server push) and a RabbitMQ virtual host of the cluster's own
(jobs). Being the cluster's own, they can be killed and restarted without touching anything else
that runs on the machine. Every process logs JSON to its own file.

Used by the cluster tests (tests/cluster/conftest.py) and the load benchmark (bench/load.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
REDIS = shutil.which("redis-server")
RABBITMQCTL = shutil.which("rabbitmqctl")
PASSWORD = "kata-sandi-klaster-123"
SERVICES = ("pgbouncer", "postgres", "redis")  # stopped after every process of the app


class ClusterError(RuntimeError):
    """The cluster could not be started, or something it was waiting for never happened."""


def missing_programs() -> list[str]:
    """The programs the cluster needs that this machine lacks."""
    needed = {"pgbouncer": PGBOUNCER, "redis-server": REDIS, "rabbitmqctl": RABBITMQCTL,
              "initdb": str(PG_BIN[-1] / "initdb") if PG_BIN else None}
    return [name for name, path in needed.items() if not path or not Path(path).exists()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out waiting for {what}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL and PgBouncer refuse to run as root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        with self.log.open("ab") as handle:
            self.popen = subprocess.Popen(self.command, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                          cwd=ROOT, start_new_session=True)
        return self

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def send(self, sig: int = signal.SIGTERM) -> None:
        if self.popen and self.popen.poll() is None:
            # the whole process group: runuser does not pass every signal on to PostgreSQL
            os.killpg(self.popen.pid, sig)

    def wait(self) -> None:
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.send(sig)
        self.wait()

    def events(self) -> list[dict]:
        """The JSON log lines this process wrote (other lines, such as tracebacks, are skipped)."""
        events = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    events.append(json.loads(line))
                except ValueError:
                    continue
        return events


def stop_all(processes: Sequence[Process], sig: int = signal.SIGTERM) -> None:
    """Signal every process at once, then wait for each: shutdowns overlap instead of adding up."""
    for process in processes:
        process.send(sig)
    for process in processes:
        process.wait()


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    pg_port: int
    redis_port: int
    webs: list[str]
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def owner_dsn(self) -> str:
        """The database as its owner (PostgreSQL's superuser, directly, not through PgBouncer)."""
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/satupintu"

    def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """Rows of one query as the owner: for setting up and for looking at what the app did."""
        import asyncpg

        async def run() -> list[dict[str, Any]]:
            connection = await asyncpg.connect(self.owner_dsn)
            try:
                return [dict(row) for row in await connection.fetch(sql, *args)]
            finally:
                await connection.close()

        return asyncio.run(run())

    def cli(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "satupintu.cli", *args], env={**self.env, **(env or {})},
                                capture_output=True, text=True, timeout=300, cwd=ROOT)
        if check and result.returncode != 0:
            raise ClusterError(f"satupintu {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> Process:
        process = Process(name, [sys.executable, "-m", "satupintu.cli", *args], {**self.env, **(env or {})},
                          self.root / f"{name}.log").start()
        self.processes[name] = process
        return process

    # --- the services the cluster depends on, which tests stop and start again
    def start_postgres(self) -> None:
        self.processes["postgres"] = Process("postgres", as_postgres([
            str(PG_BIN[-1] / "postgres"), "-D", str(self.root / "pg"), "-p", str(self.pg_port),
            "-k", str(self.root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=100"]),
            dict(os.environ), self.root / "postgres.log").start()
        wait_for("PostgreSQL", lambda: port_open(self.pg_port))
        wait_for("PostgreSQL to accept queries", self._pg_ready)

    def _pg_ready(self) -> bool:
        result = subprocess.run([str(PG_BIN[-1] / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.pg_port)],
                                capture_output=True)
        return result.returncode == 0

    def start_redis(self) -> None:
        self.processes["redis"] = Process("redis", [REDIS, "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                                    "--save", "", "--appendonly", "no"],
                                          dict(os.environ), self.root / "redis.log").start()
        wait_for("Redis", lambda: port_open(self.redis_port))

    def spawn_app(self, webs: int, workers: int) -> None:
        """Start the web and worker processes (``wait_for_app`` waits until the webs answer)."""
        ports = [free_port() for _ in range(webs)]
        self.webs = [f"http://127.0.0.1:{port}" for port in ports]
        for number, port in enumerate(ports, 1):
            self.spawn(f"web{number}", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker")
        for number in range(1, workers + 1):
            self.spawn(f"worker{number}", "worker", "--threads", "2")

    def wait_for_app(self) -> None:
        """Wait until every web answers; a web that exits meanwhile fails at once, and a timeout (a
        loaded CI machine can take long to import the app) says what the process logged."""
        for number, url in enumerate(self.webs, 1):
            web = self.processes[f"web{number}"]

            def up(url: str = url, web: Process = web) -> bool:
                if web.popen is not None and web.popen.poll() is not None:
                    raise ClusterError(f"{web.name} exited with {web.popen.returncode}:\n{web.tail()}")
                return healthy(url)

            try:
                wait_for(f"{url}/healthz", up, seconds=120)
            except ClusterError as error:
                raise ClusterError(f"{error}\n{web.name}'s log ends:\n{web.tail()}") from None

    def stop(self, after_apps: Callable[[], None] | None = None) -> None:
        """Stop the app's processes, then the services (while ``after_apps`` runs, if given)."""
        stop_all([p for name, p in self.processes.items() if name not in SERVICES])
        done = _in_background(after_apps) if after_apps else None
        stop_all([self.processes[name] for name in SERVICES if name in self.processes])
        if done:
            done()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run([RABBITMQCTL, *args], check=True, capture_output=True, timeout=60)


def _in_background(work: Callable[[], None]) -> Callable[[], None]:
    """Run ``work`` in a thread now; the returned function waits for it and raises what it raised."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by join()
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join() -> None:
        thread.join()
        if failure:
            raise failure[0]

    return join


PGBOUNCER_INI = """[databases]
app = host=127.0.0.1 port={pg_port} dbname=satupintu user=satupintu_app

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {bouncer_port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 400
server_connect_timeout = 3
server_login_retry = 1
query_wait_timeout = 5
ignore_startup_parameters = extra_float_digits
"""


@contextmanager
def running_cluster(packs: Sequence[str], *, webs: int = 2, workers: int = 2, env: dict[str, str] | None = None,
                    prepare: Callable[[Cluster], None] | None = None, pool_size: int = 8) -> Iterator[Cluster]:
    """Start the cluster: services, schema, the named tenant packs, then ``prepare(cluster)`` (accounts,
    more data), then the web and worker processes. Everything is stopped and removed on exit
    (kept with SATUPINTU_KEEP_CLUSTER=1)."""
    if missing := missing_programs():
        raise ClusterError(f"the cluster needs {', '.join(missing)}")
    root = Path(tempfile.mkdtemp(prefix="satupintu-cluster-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    vhost = f"satupintu-cluster-{os.getpid()}-{root.name[-8:]}"
    pg_port, bouncer_port, redis_port = free_port(), free_port(), free_port()
    cluster_env = {**os.environ,
                   "SATUPINTU_DATABASE_URL":
                       f"postgresql+asyncpg://satupintu_app@127.0.0.1:{bouncer_port}/app?pooler=pgbouncer",
                   "SATUPINTU_MIGRATION_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}/satupintu",
                   "SATUPINTU_DB_APP_ROLE": "satupintu_app",
                   "SATUPINTU_BROKER_URL": f"amqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}",
                   "SATUPINTU_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                   "SATUPINTU_SECRET_KEY": "cluster-secret-key-that-is-long-enough-0123456789",
                   "SATUPINTU_VAR_DIR": str(root / "var"), "SATUPINTU_LOG_FORMAT": "json",
                   "SATUPINTU_NEW_PASSWORD": PASSWORD, **(env or {})}
    cluster_env.pop("SATUPINTU_ENV", None)
    made = Cluster(root, cluster_env, pg_port, redis_port, [])
    # rabbitmqctl starts an Erlang node per call (seconds each): it runs while PostgreSQL starts
    broker_ready = _in_background(lambda: (_rabbitmqctl("add_vhost", vhost),
                                           _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")))
    try:
        subprocess.run(as_postgres([str(PG_BIN[-1] / "initdb"), "-D", str(root / "pg"), "-A", "trust", "-U",
                                    "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]), check=True,
                       capture_output=True)
        made.start_postgres()
        made.start_redis()
        subprocess.run([str(PG_BIN[-1] / "createdb"), "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres",
                        "satupintu"], check=True, capture_output=True)
        (root / "pgbouncer.ini").write_text(PGBOUNCER_INI.format(pg_port=pg_port, bouncer_port=bouncer_port,
                                                                 pool_size=pool_size))
        made.processes["pgbouncer"] = Process("pgbouncer", as_postgres([PGBOUNCER, str(root / "pgbouncer.ini")]),
                                              dict(os.environ), root / "pgbouncer.log").start()
        wait_for("PgBouncer", lambda: port_open(bouncer_port))
        made.cli("db", "create-role")
        made.cli("db", "upgrade")
        broker_ready()
        # the processes start (seconds of imports) while the data is loaded: they read it per request
        made.spawn_app(webs, workers)
        made.cli("tenants", "load", *packs)
        if prepare is not None:
            prepare(made)
        made.wait_for_app()
        yield made
    finally:
        def delete_vhost() -> None:
            with suppress(Exception):
                broker_ready()  # the virtual host exists (or never will) before it is deleted
            subprocess.run([RABBITMQCTL, "delete_vhost", vhost], capture_output=True, timeout=60)

        made.stop(after_apps=delete_vhost)
        if os.environ.get("SATUPINTU_KEEP_CLUSTER"):
            print(f"cluster files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
