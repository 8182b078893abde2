"""Local accounts: argon2 hashes, sign-in, lockout, sessions that really end, CSRF on every form."""

from __future__ import annotations

from sqlalchemy import select

from satupintu.accounts.models import StaffAccount
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from tests.conftest import PASSWORD, csrf_of, run, sign_in


async def _account(url: str, slug: str, email: str) -> StaffAccount:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant = await tenants_service.get_by_slug(session, slug)
    async with tenant_session(maker, tenant.id) as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.email == email))
    await engine.dispose()
    return account


def test_password_is_stored_as_argon2id(client, people):
    account = run(_account(client.database.url, "banyuwangi", people["admin_a"]))
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_sign_in_opens_the_console_and_sign_out_really_ends_the_session(client, people):
    anonymous = client.get("/banyuwangi/admin/", follow_redirects=False)
    assert anonymous.status_code == 403 and "/banyuwangi/masuk?next=" in anonymous.text
    response = sign_in(client, people["admin_a"], "banyuwangi")
    assert response.status_code == 303 and response.headers["location"] == "/banyuwangi/admin/"
    cookie = response.cookies.get("satupintu_sesi")
    assert cookie and cookie != "null"
    set_cookie = response.headers.get("set-cookie", "").lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    console = client.get("/banyuwangi/admin/")
    assert console.status_code == 200 and "Ringkasan" in console.text
    token = csrf_of(client)
    out = client.post("/banyuwangi/keluar", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403
    client.cookies.clear()
    replayed = client.get("/banyuwangi/admin/", headers={"cookie": f"satupintu_sesi={cookie}"}, follow_redirects=False)
    assert replayed.status_code == 403, "a copied session cookie must not work after sign-out"


def test_session_id_changes_at_sign_in(client, people):
    client.cookies.set("satupintu_sesi", "a" * 64, domain="testserver.local")
    response = sign_in(client, people["admin_a"], "banyuwangi")
    assert response.status_code == 303
    issued = response.cookies.get("satupintu_sesi")
    assert issued and issued != "a" * 64


def test_wrong_password_and_unknown_email_get_the_same_answer(client, people):
    wrong = sign_in(client, people["admin_a"], "banyuwangi", password="salah-total-123")
    unknown = sign_in(client, "siapa@banyuwangi.test", "banyuwangi")
    assert wrong.status_code == unknown.status_code == 400
    assert "E-mail atau kata sandi salah" in wrong.text and "E-mail atau kata sandi salah" in unknown.text
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403


def test_lockout_after_repeated_wrong_passwords(client, people):
    for _ in range(5):
        assert sign_in(client, people["admin_a"], "banyuwangi", password="bukan-ini-123").status_code == 400
    locked = sign_in(client, people["admin_a"], "banyuwangi")
    assert locked.status_code == 400 and "dikunci sementara" in locked.text
    account = run(_account(client.database.url, "banyuwangi", people["admin_a"]))
    assert account.locked_until is not None


def test_staff_of_one_tenant_cannot_sign_in_at_another(client, people):
    response = sign_in(client, people["admin_a"], "bangkalan")
    assert response.status_code == 400
    assert client.get("/bangkalan/admin/", follow_redirects=False).status_code == 403


def test_forms_without_or_with_a_wrong_csrf_token_are_refused(client, people):
    sign_in(client, people["admin_a"], "banyuwangi")
    before = client.get("/banyuwangi/admin/kebijakan").text
    for data in ({"complaint_response_hours": "2"}, {"complaint_response_hours": "2", "_csrf_token": "palsu"}):
        response = client.post("/banyuwangi/admin/kebijakan", data=data, follow_redirects=False)
        assert response.status_code == 403
    assert client.get("/banyuwangi/admin/kebijakan").text == before
    no_token = client.post("/banyuwangi/masuk", data={"email": people["admin_a"], "password": PASSWORD},
                           follow_redirects=False)
    assert no_token.status_code == 403


def test_platform_accounts_sign_in_at_the_platform_door(client, people):
    response = sign_in(client, people["ministry"])
    assert response.status_code == 303 and response.headers["location"] == "/kementerian/"
    assert sign_in(client, people["admin_a"]).status_code == 400, "staff are not platform accounts"


def test_citizens_get_no_session_cookie(client):
    for path in ("/banyuwangi/", "/banyuwangi/layanan?q=ktp", "/api/v1/tenants"):
        assert "satupintu_sesi" not in client.get(path).headers.get("set-cookie", "")


def test_sessions_live_in_redis_when_configured(database, people):
    import os

    import pytest
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap

    url = os.environ.get("SATUPINTU_TEST_REDIS_URL")
    if not url:
        pytest.skip("SATUPINTU_TEST_REDIS_URL not set (CI sets it)")
    import redis

    app = create_app(database.settings(SATUPINTU_REDIS_URL=url))
    with TestClient(app=wrap(app)) as client:
        response = sign_in(client, people["admin_a"], "banyuwangi")
        session_id = response.cookies.get("satupintu_sesi")
        assert client.get("/banyuwangi/admin/").status_code == 200
        keys = redis.Redis.from_url(url).keys("*")
        assert any(session_id.encode() in key for key in keys)
        client.post("/banyuwangi/keluar", data={"_csrf_token": csrf_of(client)})
        assert not any(session_id.encode() in key for key in redis.Redis.from_url(url).keys("*"))


def test_cookies_are_secure_in_production(database, people):
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap

    app = create_app(database.settings(SATUPINTU_ENV="production", SATUPINTU_PUBLIC_URL="https://testserver.local"))
    with TestClient(app=wrap(app), base_url="https://testserver.local") as client:
        response = sign_in(client, people["admin_a"], "banyuwangi")
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("satupintu_sesi="))
        assert "Secure" in session and "HttpOnly" in session
