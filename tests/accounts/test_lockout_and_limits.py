"""Guessing passwords: the lockout counts atomically (60 parallel guesses get at most 5 checks), a
locked account answers exactly like an unknown one, the sign-in rate limit keys on the real client
(forged X-Forwarded-For does not help) and holds across web pods through Redis."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from satupintu.accounts import service
from satupintu.accounts.models import StaffAccount
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from tests.conftest import PASSWORD, app_client, create_account, run, sign_in

PARALLEL = 60


async def _guess_in_parallel(url: str, email: str, count: int) -> tuple[int, int | None]:
    """``count`` wrong passwords at once, each in its own session and transaction as requests are."""
    engine = make_engine(url, pool_timeout=300)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant = await tenants_service.get_by_slug(session, "banyuwangi")

    async def guess(n: int) -> bool:
        async with tenant_session(maker, tenant.id) as session:
            return (await service.sign_in(session, StaffAccount, email, f"salah-sekali-{n}")).account is not None

    results = await asyncio.gather(*(guess(n) for n in range(count)))
    async with tenant_session(maker, tenant.id) as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.email == email))
        locked = account.locked_until is not None
    await engine.dispose()
    return sum(results), locked


def test_parallel_wrong_passwords_get_at_most_five_checks(pg_database, monkeypatch):
    """On PostgreSQL, where requests really run at once (SQLite lets one writer in at a time)."""
    database = pg_database
    create_account(database, "admin@banyuwangi.test", "tenant_admin", "banyuwangi")
    checked: list[str] = []
    real = service.verify_password

    def counting(stored, password):
        if stored is not None:  # a check against the account's own hash (not the dummy)
            checked.append(password)
        return real(stored, password)

    monkeypatch.setattr(service, "verify_password", counting)
    succeeded, locked = run(_guess_in_parallel(database.url, "admin@banyuwangi.test", PARALLEL))
    assert succeeded == 0 and locked
    assert 1 <= len(checked) <= service.MAX_FAILURES, f"{len(checked)} passwords were checked"


def test_a_locked_account_answers_like_an_unknown_one(client, people):
    for _ in range(service.MAX_FAILURES):
        sign_in(client, people["admin_a"], "banyuwangi", password="bukan-ini-123")
    locked = sign_in(client, people["admin_a"], "banyuwangi")  # the right password, while locked
    unknown = sign_in(client, "tidak-ada@banyuwangi.test", "banyuwangi")
    assert locked.status_code == unknown.status_code == 400

    def message(page: str) -> str:
        return page.split('role="alert"', 1)[1].split("</", 1)[0]

    assert message(locked.text) == message(unknown.text)
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403


@pytest.fixture
def two_pods(database) -> Iterator[tuple]:
    url = os.environ.get("SATUPINTU_TEST_REDIS_URL")
    if not url:
        pytest.skip("SATUPINTU_TEST_REDIS_URL not set (CI sets it)")
    env = {"SATUPINTU_REDIS_URL": url, "SATUPINTU_REDIS_NAMESPACE": f"satupintu-test-{secrets.token_hex(6)}"}
    first, second = app_client(database, **env), app_client(database, **env)
    yield next(first), next(second)
    for pod in (first, second):
        pod.close()


def test_the_sign_in_rate_limit_holds_across_pods(two_pods, people):
    a, b = two_pods
    for n in range(20):
        assert sign_in(a if n % 2 else b, "siapa@banyuwangi.test", "banyuwangi").status_code == 400, n
    assert sign_in(a, "siapa@banyuwangi.test", "banyuwangi").status_code == 429
    assert sign_in(b, "siapa@banyuwangi.test", "banyuwangi").status_code == 429


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(database) -> Iterator[str]:
    """The app served by uvicorn with the options `satupintu serve` uses, trusting 127.0.0.1 as its proxy."""
    from satupintu.app import create_app, wrap
    from satupintu.cli import server_options

    settings = database.settings(SATUPINTU_FORWARDED_ALLOW_IPS="127.0.0.1")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(wrap(create_app(settings)), host="127.0.0.1", port=port,
                                           **server_options(settings)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_forged_forwarded_addresses_do_not_escape_the_rate_limit(served, people):
    """The trusted proxy appends the real client (203.0.113.9); whatever the client put before it is
    ignored, so rotating it changes nothing."""
    import re

    with httpx.Client(base_url=served) as http:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', http.get("/masuk").text).group(1)
        codes = []
        for n in range(21):
            forged = f"198.51.100.{n}, 203.0.113.9"
            codes.append(http.post("/banyuwangi/masuk", headers={"x-forwarded-for": forged},
                                   data={"email": "siapa@banyuwangi.test", "password": PASSWORD,
                                         "_csrf_token": token}).status_code)
    assert codes[:20] == [400] * 20 and codes[20] == 429, codes
