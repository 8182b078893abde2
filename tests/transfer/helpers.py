"""Shared helpers for the transfer tests: reading the database as its owner, posting forms."""

from __future__ import annotations

from sqlalchemy import text

from satupintu.db import make_engine
from tests.conftest import csrf_of, run, sign_in

WATCHED = ("study_visits", "mous", "innovations", "module_progress", "quiz_attempts", "audit_log",
           "public_innovations", "replications")


async def _rows(url: str, sql: str, **params) -> list[tuple]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(r) for r in (await connection.execute(text(sql), params)).all()]
    finally:
        await engine.dispose()


def rows(client, sql: str, **params) -> list[tuple]:
    """Query as the schema owner, who sees every tenant (RLS does not stop the owner's checks)."""
    return run(_rows(client.database.owner_url, sql, **params))


def fingerprint(client) -> dict[str, tuple]:
    out = {}
    for table in WATCHED:
        stamp = "updated_at" if table not in ("replications",) else "created_at"
        out[table] = rows(client, f"SELECT count(*), max({stamp}) FROM {table}")[0]
    return out


def tenant_id(client, slug: str) -> int:
    return rows(client, "SELECT id FROM tenants WHERE slug = :s", s=slug)[0][0]


def login(client, email: str, slug: str | None):
    client.cookies.clear()
    assert sign_in(client, email, slug).status_code == 303
    client.token = csrf_of(client)
    return client


def post(client, path: str, **data):
    return client.post(path, data={"_csrf_token": client.token, **data}, follow_redirects=False)
