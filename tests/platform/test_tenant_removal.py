"""`satupintu tenants remove`, as an operator runs it (a subprocess), on SQLite and PostgreSQL: the
owner's command refuses while a regency has data, and with --export-then-erase writes every row (the
audit log too) to files before erasing them; the app role cannot run it."""

from __future__ import annotations

import json
import stat

import pytest
from sqlalchemy import text

from satupintu.db import make_engine, tenant_owned_tables
from tests.conftest import APP_ROLE, run
from tests.platform.test_cli import _cli


def _env(database, tmp_path, **extra: str) -> dict[str, str]:
    return {"SATUPINTU_DATABASE_URL": database.url, "SATUPINTU_MIGRATION_DATABASE_URL": database.owner_url,
            "SATUPINTU_DB_APP_ROLE": APP_ROLE, "SATUPINTU_VAR_DIR": str(tmp_path), "SATUPINTU_BROKER_URL": "memory://",
            **extra}


async def _query(url: str, sql: str, params: dict | None = None) -> list:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(sql), params or {})
            return result.all() if result.returns_rows else []
    finally:
        await engine.dispose()


def _counts(database) -> dict[tuple[str, str], int]:
    """Rows per (table, regency slug) in every tenant-owned table, read by the owner."""
    counts = {}
    for table in tenant_owned_tables():
        for slug, n in run(_query(database.owner_url, f"SELECT t.slug, count(*) FROM {table} x JOIN tenants t "
                                                      "ON t.id = x.tenant_id GROUP BY t.slug")):
            counts[(table, slug)] = n
    return counts


def _slugs(database) -> set[str]:
    return {r[0] for r in run(_query(database.owner_url, "SELECT slug FROM tenants"))}


def test_remove_refuses_while_the_regency_has_data(database, tmp_path):
    before = _counts(database)
    refused = _cli("tenants", "remove", "bangkalan", env=_env(database, tmp_path))
    assert refused.returncode == 1, refused.stdout
    assert "bangkalan has data" in refused.stderr and "audit_log 1" in refused.stderr
    assert "nothing was removed" in refused.stderr and "--export-then-erase" in refused.stderr
    assert "bangkalan" in _slugs(database) and _counts(database) == before
    unknown = _cli("tenants", "remove", "atlantis", env=_env(database, tmp_path))
    assert unknown.returncode == 1 and "unknown tenant 'atlantis'" in unknown.stderr


def _contacts(database) -> list[tuple[str, str]]:
    """The officers' contacts kept by region code, before a regency exists: (table, region code)."""
    return sorted(run(_query(database.owner_url, "SELECT 'invitations', region_code FROM invitations UNION ALL "
                                                 "SELECT 'join_requests', region_code FROM join_requests")))


def test_export_then_erase_writes_every_row_then_removes_the_regency(database, tmp_path):
    for code in ("35.26", "35.10"):  # Bangkalan's, and Banyuwangi's which stay
        run(_query(database.owner_url, "INSERT INTO invitations (region_code, email, token_hash, expires_at, created_by, "
                                       "created_at) VALUES (:code, :email, :hash, CURRENT_TIMESTAMP, 'platform@x.test', "
                                       "CURRENT_TIMESTAMP)", {"code": code, "email": f"kominfo@{code}.test", "hash": code}))
        run(_query(database.owner_url, "INSERT INTO join_requests (region_code, contact_name, contact_email, position, "
                                       "message, status, created_at) VALUES (:code, 'Rina', :email, '', '', 'approved', "
                                       "CURRENT_TIMESTAMP)", {"code": code, "email": f"rina@{code}.test"}))
    before = _counts(database)
    out = tmp_path / "bangkalan-export"
    done = _cli("tenants", "remove", "bangkalan", "--export-then-erase", "--out", str(out), env=_env(database, tmp_path))
    assert done.returncode == 0, done.stderr
    assert f"to {out}" in done.stdout and "removed bangkalan and its" in done.stdout

    assert "bangkalan" not in _slugs(database) and len(_slugs(database)) == 3
    after = _counts(database)
    assert not [key for key in after if key[1] == "bangkalan"]
    assert {k: v for k, v in before.items() if k[1] != "bangkalan"} == after, "other regencies keep every row"

    def exported(name: str) -> list[dict]:
        path = out / f"{name}.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{name}.json is readable by the operator only"
        return json.loads(path.read_text(encoding="utf-8"))

    assert [t["slug"] for t in exported("tenants")] == ["bangkalan"]
    assert [(e["entity"], e["entity_key"]) for e in exported("audit_log")] == [("seed", "bangkalan")]
    assert "kepala@bangkalan.test" in {s["email"] for s in exported("staff_accounts")}
    assert [i["email"] for i in exported("invitations")] == ["kominfo@35.26.test"]
    assert [r["contact_email"] for r in exported("join_requests")] == ["rina@35.26.test"]
    assert _contacts(database) == [("invitations", "35.10"), ("join_requests", "35.10")], "the officers' contacts go too"
    manifest = exported("manifest")[0]
    expected = {table: n for (table, slug), n in before.items() if slug == "bangkalan"}
    assert {k: v for k, v in manifest["rows"].items() if k in expected} == expected
    for table, n in expected.items():
        assert len(exported(table)) == n, table
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_a_regency_without_rows_is_removed_without_an_export(database, tmp_path):
    run(_query(database.owner_url, "INSERT INTO tenants (slug, name, region_code, province, status, timezone, revision, "
                                   "created_at, updated_at) VALUES ('situbondo', 'Kabupaten Situbondo', '35.12', "
                                   "'Jawa Timur', 'onboarding', 'WIB', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    done = _cli("tenants", "remove", "situbondo", env=_env(database, tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "removed situbondo"
    assert "situbondo" not in _slugs(database)


def test_the_app_role_cannot_remove_a_regency(pg_database, tmp_path):
    before = _counts(pg_database)
    env = _env(pg_database, tmp_path, SATUPINTU_MIGRATION_DATABASE_URL=pg_database.url)
    refused = _cli("tenants", "remove", "bangkalan", "--export-then-erase", "--out", str(tmp_path / "x"), env=env)
    assert refused.returncode == 1
    assert f"the database role {APP_ROLE} may not remove regencies" in refused.stderr
    assert "bangkalan" in _slugs(pg_database) and _counts(pg_database) == before


@pytest.mark.parametrize("args, message", [
    (["--out", "somewhere"], "give both or neither"),
])
def test_remove_options_are_checked(database, tmp_path, args, message):
    refused = _cli("tenants", "remove", "bangkalan", *args, env=_env(database, tmp_path))
    assert refused.returncode != 0 and message in refused.stderr
    assert "bangkalan" in _slugs(database)
