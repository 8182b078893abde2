"""Fixtures of the benchmark tests: signed-in clients and rollups computed the way the jobs do."""

from __future__ import annotations

import pytest

from satupintu.benchmarks import rollups
from satupintu.db import make_engine, make_sessionmaker
from tests.conftest import create_account, csrf_of, run, sign_in

MINISTRY = "pengamat@kemenpan.test"
VERIFIER = "verifikator@kemenpan.test"
ADMIN_A = "admin@banyuwangi.test"
ADMIN_B = "admin@bangkalan.test"


async def _refresh(url: str, slug: str | None = None) -> list:
    engine = make_engine(url)
    try:
        return await rollups.refresh_all(make_sessionmaker(engine), slug)
    finally:
        await engine.dispose()


def refresh(database, slug: str | None = None) -> list:
    """Recompute the rollups as the application role (row-level security applies on PostgreSQL)."""
    return run(_refresh(database.url, slug))


def signed_in(client, email: str, slug: str | None = None):
    assert sign_in(client, email, slug).status_code == 303
    client.token = csrf_of(client)
    return client


def post(client, path: str, files=None, **data):
    return client.post(path, data={"_csrf_token": client.token, **data}, files=files, follow_redirects=False)


@pytest.fixture
def ministry(client):
    """A ministry viewer, signed in, with the rollups computed (one account: each costs an argon2 hash)."""
    create_account(client.database, MINISTRY, "ministry_viewer")
    refresh(client.database)
    return signed_in(client, MINISTRY)


@pytest.fixture
def verifier(client):
    """A ministry verifier, signed in, with the rollups computed."""
    create_account(client.database, VERIFIER, "ministry_verifier")
    refresh(client.database)
    return signed_in(client, VERIFIER)


@pytest.fixture
def admin(client):
    create_account(client.database, ADMIN_A, "tenant_admin", "banyuwangi")
    return signed_in(client, ADMIN_A, "banyuwangi")
