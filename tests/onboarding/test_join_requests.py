"""Requests to join: one pending request per region (also under a race), and a rate limit per client."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from satupintu.db import make_engine
from tests.conftest import csrf_of, run

PEKALONGAN = {"region_code": "33.26", "name": "Asip", "email": "bupati@pekalongankab.go.id"}


def ask(client, **values):
    return client.post("/onboarding/daftar", data={"_csrf_token": csrf_of(client), **PEKALONGAN, **values})


async def _pending(url: str, region: str) -> int:
    engine = make_engine(url)
    async with engine.connect() as connection:
        count = await connection.scalar(text(
            "SELECT count(*) FROM join_requests WHERE region_code = :r AND status = 'pending'"), {"r": region})
    await engine.dispose()
    return count


async def _insert_pending(url: str, region: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO join_requests (region_code, contact_name, contact_email, position, message, status, "
                "created_at) VALUES (:r, 'Lain', 'lain@example.go.id', '', '', 'pending', CURRENT_TIMESTAMP)"),
                {"r": region})
    finally:
        await engine.dispose()


def test_one_pending_request_per_region(client):
    assert ask(client).status_code == 200
    again = ask(client, name="Orang Lain", email="lain@pekalongankab.go.id")
    assert again.status_code == 422 and "sudah menunggu keputusan" in again.text
    assert run(_pending(client.database.url, "33.26")) == 1
    assert ask(client, region_code="33.27").status_code == 200, "another region may still ask"


def test_the_database_refuses_a_second_pending_request_sent_at_the_same_moment(client):
    """Two requests that both passed the service's check: the unique index keeps only one."""
    run(_insert_pending(client.database.url, "33.26"))
    with pytest.raises(IntegrityError):
        run(_insert_pending(client.database.url, "33.26"))
    assert run(_pending(client.database.url, "33.26")) == 1


def test_requests_to_join_are_rate_limited_per_client(client):
    regions = ["33.26", "33.27", "33.28", "33.29", "33.01"]
    for code in regions:
        assert ask(client, region_code=code).status_code == 200, code
    refused = ask(client, region_code="33.02")
    assert refused.status_code == 429 and "Terlalu banyak" in refused.text
    assert run(_pending(client.database.url, "33.02")) == 0
