"""The `satupintu` command through its real interface: a subprocess, as an operator runs it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).parents[2]


def _cli(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "satupintu.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture
def sqlite_env(tmp_path) -> dict[str, str]:
    return {"SATUPINTU_VAR_DIR": str(tmp_path), "SATUPINTU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db",
            "SATUPINTU_BROKER_URL": "memory://"}


@pytest.fixture
def loaded_env(sqlite_env, templates, tmp_path) -> dict[str, str]:
    """A database already migrated and loaded with the four regencies (a copy of the tests' template):
    what `db upgrade` and `tenants load` make, which test_db_upgrade_tenants_load_and_list runs itself."""
    shutil.copy(make_url(templates["sqlite"].url).database, tmp_path / "cli.db")
    return sqlite_env


def test_users_create(loaded_env):
    env = {**loaded_env, "SATUPINTU_NEW_PASSWORD": "kata-sandi-panjang-1"}
    made = _cli("users", "create", "--email", "Kepala@Banyuwangi.go.id", "--name", "Kepala MPP", "--role",
                "tenant_admin", "--tenant", "banyuwangi", env=env)
    assert made.returncode == 0 and "created tenant_admin kepala@banyuwangi.go.id in banyuwangi" in made.stdout
    again = _cli("users", "create", "--email", "kepala@banyuwangi.go.id", "--name", "X", "--role", "operator",
                 "--tenant", "banyuwangi", env=env)
    assert again.returncode != 0 and "sudah ada" in again.stderr
    short = _cli("users", "create", "--email", "a@b.go.id", "--name", "A", "--role", "ministry_viewer",
                 env={**loaded_env, "SATUPINTU_NEW_PASSWORD": "pendek"})
    assert short.returncode != 0 and "paling sedikit 10" in short.stderr
    wrong = _cli("users", "create", "--email", "a@b.go.id", "--name", "A", "--role", "operator", env=env)
    assert wrong.returncode != 0 and "--tenant is required" in wrong.stderr


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
def test_bad_input_is_a_clear_message_and_a_non_zero_exit(loaded_env, args, env, message):
    result = _cli(*args, env={**loaded_env, **env})
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
    assert "admin@banyuwangi.demo.satupintu.id" in first and "/kementerian" not in first.split("Demo")[0]
    logins = (Path(env["SATUPINTU_VAR_DIR"]) / "demo-logins.txt").read_text()
    assert "kementerian@demo.satupintu.id" in logins
    api_keys = (Path(env["SATUPINTU_VAR_DIR"]) / "demo-api-keys.txt").read_text()
    assert "/banyuwangi/open311/v2/" in api_keys and api_keys.splitlines()[0] in first  # listed beside the sign-ins
    _run_demo(env)
    second = env["_output"]
    assert "created" not in second, "a second run must keep the data, not load it again"
    assert f"{base}/banyuwangi/" in second
    assert api_keys.splitlines()[0] in second  # the same keys, not new ones
