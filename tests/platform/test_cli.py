"""The `satupintu` command through its real interface: a subprocess, as an operator runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parents[2]


def _cli(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "satupintu.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture
def sqlite_env(tmp_path) -> dict[str, str]:
    return {"SATUPINTU_VAR_DIR": str(tmp_path), "SATUPINTU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db",
            "SATUPINTU_BROKER_URL": "memory://"}


def test_db_upgrade_tenants_load_and_list(sqlite_env):
    assert _cli("db", "upgrade", env=sqlite_env).returncode == 0
    loaded = _cli("tenants", "load", "banyuwangi", "labuhanbatu", env=sqlite_env)
    assert loaded.returncode == 0, loaded.stderr
    assert "created banyuwangi: 199 services, 23 agencies, 2 locations" in loaded.stdout
    listed = _cli("tenants", "list", env=sqlite_env)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert any(line.startswith("banyuwangi") and "35.10" in line and "live" in line and "WIB" in line for line in lines)
    assert any(line.startswith("labuhanbatu") and "12.10" in line for line in lines)


@pytest.mark.parametrize(("args", "env", "message"), [
    (["tenants", "list"], {"SATUPINTU_DATABASE_URL": "mysql://root@localhost/x"}, "SATUPINTU_DATABASE_URL must start"),
    (["serve"], {"SATUPINTU_BROKER_URL": "kafka://localhost"}, "SATUPINTU_BROKER_URL must be"),
    (["tenants", "load", "atlantis"], {}, "no such tenant pack"),
    (["catalogue", "diff", "atlantis"], {}, "unknown tenant 'atlantis'"),
    (["worker"], {"SATUPINTU_BROKER_URL": "memory://"}, "already runs its workers"),
    (["db", "create-role"], {}, "create-role is for PostgreSQL"),
])
def test_bad_input_is_a_clear_message_and_a_non_zero_exit(sqlite_env, args, env, message):
    _cli("db", "upgrade", env=sqlite_env)
    result = _cli(*args, env={**sqlite_env, **env})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_demo(env: dict[str, str]) -> tuple[str, str]:
    process = subprocess.Popen([sys.executable, "-m", "satupintu.cli", "demo"], env={**os.environ, **env},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    base = f"http://127.0.0.1:{env['SATUPINTU_PORT']}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                page = httpx.get(f"{base}/banyuwangi/", timeout=2)
                if page.status_code == 200:
                    return page.text, base
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError("the demo did not come up")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
        env["_output"] = output


def test_demo_serves_four_regencies_and_keeps_data_between_runs(sqlite_env):
    env = {**sqlite_env, "SATUPINTU_PORT": str(_free_port())}
    env.pop("SATUPINTU_DATABASE_URL")
    page, base = _run_demo(env)
    assert "Banyuwangi" in page
    first = env["_output"]
    for slug in ("banyuwangi", "purbalingga", "bangkalan", "labuhanbatu"):
        assert f"{base}/{slug}/" in first
    assert (Path(env["SATUPINTU_VAR_DIR"]) / "satupintu.db").exists()
    assert (Path(env["SATUPINTU_VAR_DIR"]) / "secret_key").exists()
    _run_demo(env)
    second = env["_output"]
    assert "created" not in second, "a second run must keep the data, not load it again"
    assert f"{base}/banyuwangi/" in second
