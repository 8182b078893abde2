"""A SatuPintu cluster on one machine, as Kubernetes would run it, with the real programs.

Two web processes, two `satupintu worker` processes, all against one PostgreSQL of the test's
own (started with Debian's initdb and postgres) through PgBouncer in transaction mode, a Redis of
the test's own (sessions, rate limits, server push) and a RabbitMQ virtual host of the test's own
(jobs). Being the test's own, they can be killed and restarted without touching anything else
that runs on the machine. Every process logs JSON to its own file, which the tests read.
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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
REDIS = shutil.which("redis-server")
PASSWORD = "kata-sandi-klaster-123"
ADMIN = "admin@banyuwangi.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


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
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(self.command, env=self.env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
                                      start_new_session=True)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen and self.popen.poll() is None:
            # the whole process group: runuser does not pass every signal on to PostgreSQL
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()

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


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    pg_port: int
    redis_port: int
    webs: list[str]
    processes: dict[str, Process] = field(default_factory=dict)

    def cli(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "satupintu.cli", *args], env={**self.env, **(env or {})},
                                capture_output=True, text=True, timeout=300, cwd=ROOT)
        if check and result.returncode != 0:
            pytest.fail(f"satupintu {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
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


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    for binary in (PGBOUNCER, REDIS, shutil.which("rabbitmqctl"), PG_BIN[-1] / "initdb" if PG_BIN else None):
        if not binary or not Path(binary).exists():
            if os.environ.get("CI"):
                pytest.fail(f"the cluster test needs {binary or 'a program'} (CI installs pgbouncer)")
            pytest.skip(f"the cluster test needs {binary}")
    root = Path(tempfile.mkdtemp(prefix="satupintu-cluster-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    vhost = f"satupintu-cluster-{os.getpid()}"
    pg_port, bouncer_port, redis_port = free_port(), free_port(), free_port()
    webs = [free_port(), free_port()]
    env = {**os.environ,
           "SATUPINTU_DATABASE_URL": f"postgresql+asyncpg://satupintu_app@127.0.0.1:{bouncer_port}/app?pooler=pgbouncer",
           "SATUPINTU_MIGRATION_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}/satupintu",
           "SATUPINTU_DB_APP_ROLE": "satupintu_app",
           "SATUPINTU_BROKER_URL": f"amqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}",
           "SATUPINTU_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "SATUPINTU_SECRET_KEY": "cluster-secret-key-that-is-long-enough-0123456789",
           "SATUPINTU_VAR_DIR": str(root / "var"), "SATUPINTU_LOG_FORMAT": "json",
           "SATUPINTU_NEW_PASSWORD": PASSWORD}
    env.pop("SATUPINTU_ENV", None)
    made = Cluster(root, env, pg_port, redis_port, [f"http://127.0.0.1:{port}" for port in webs])
    try:
        subprocess.run(as_postgres([str(PG_BIN[-1] / "initdb"), "-D", str(root / "pg"), "-A", "trust", "-U", "postgres",
                                    "--no-sync", "-E", "UTF8", "--locale=C"]), check=True, capture_output=True)
        made.start_postgres()
        subprocess.run([str(PG_BIN[-1] / "createdb"), "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres",
                        "satupintu"], check=True, capture_output=True)
        (root / "pgbouncer.ini").write_text(f"""[databases]
app = host=127.0.0.1 port={pg_port} dbname=satupintu user=satupintu_app

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {bouncer_port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 8
max_client_conn = 400
server_connect_timeout = 3
server_login_retry = 1
query_wait_timeout = 5
ignore_startup_parameters = extra_float_digits
""")
        made.processes["pgbouncer"] = Process("pgbouncer", as_postgres([PGBOUNCER, str(root / "pgbouncer.ini")]),
                                              dict(os.environ), root / "pgbouncer.log").start()
        wait_for("PgBouncer", lambda: port_open(bouncer_port))
        made.start_redis()
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        made.cli("db", "create-role")
        made.cli("db", "upgrade")
        made.cli("tenants", "load", str(ROOT / "tenants" / "banyuwangi"), str(ROOT / "tenants" / "bangkalan"))
        made.cli("users", "create", "--email", ADMIN, "--name", "Admin Banyuwangi", "--role", "tenant_admin",
                 "--tenant", "banyuwangi")
        for number, port in enumerate(webs, 1):
            made.spawn(f"web{number}", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker")
        for number in (1, 2):
            made.spawn(f"worker{number}", "worker", "--threads", "2")
        for url in made.webs:
            wait_for(f"{url}/healthz", lambda url=url: _healthy(url))
        yield made
    finally:
        for process in reversed(list(made.processes.values())):
            process.stop()
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60)
        if os.environ.get("SATUPINTU_KEEP_CLUSTER"):
            print(f"cluster files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
