"""Sessions end when they should and only then; responses say how to be cached and kept on https.

A new password or role ends the account's other sessions (the one that made the change stays); no
GET request signs anyone out (the route table is walked); HSTS in production; no signed-in page is
stored by a cache.
"""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute
from sqlalchemy import select

from satupintu.accounts.models import StaffAccount
from tests.conftest import PASSWORD, app_client, csrf_of, in_tenant, run, sign_in

PARAM = re.compile(r"\{(\w+):(\w+)\}")
NEW_PASSWORD = "sandi-baru-yang-panjang-77"


async def _staff_id(url: str, email: str) -> int:
    async with in_tenant(url, "banyuwangi") as session:
        return await session.scalar(select(StaffAccount.id).where(StaffAccount.email == email))


def session_of(client, email: str, password: str = PASSWORD) -> str:
    client.cookies.clear()
    response = sign_in(client, email, "banyuwangi", password)
    assert response.status_code == 303, response.text
    return response.cookies["satupintu_sesi"]


def use(client, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set("satupintu_sesi", cookie, domain="testserver.local")


def save_staff(client, staff_id: int, **values: str):
    data = {"_csrf_token": csrf_of(client), "name": "Petugas Loket", "role": "operator", "active": "on", **values}
    return client.post(f"/banyuwangi/admin/staf/{staff_id}", data=data, follow_redirects=False)


def test_a_new_password_ends_the_accounts_other_sessions(client, people):
    operator = run(_staff_id(client.database.url, people["operator_a"]))
    old = session_of(client, people["operator_a"])
    assert client.get("/banyuwangi/belajar/", follow_redirects=False).status_code == 200
    session_of(client, people["admin_a"])
    assert save_staff(client, operator, password=NEW_PASSWORD).status_code == 303
    use(client, old)
    assert client.get("/banyuwangi/belajar/", follow_redirects=False).status_code == 403, "the old session ended"
    assert session_of(client, people["operator_a"], NEW_PASSWORD)


def test_a_new_role_ends_the_accounts_other_sessions(client, people):
    operator = run(_staff_id(client.database.url, people["operator_a"]))
    old = session_of(client, people["operator_a"])
    session_of(client, people["admin_a"])
    assert save_staff(client, operator, role="tenant_admin").status_code == 303
    use(client, old)
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(client, people):
    admin = run(_staff_id(client.database.url, people["admin_a"]))
    other = session_of(client, people["admin_a"])
    current = session_of(client, people["admin_a"])
    assert save_staff(client, admin, role="tenant_admin", name="Admin", password=NEW_PASSWORD).status_code == 303
    stays = client.get("/banyuwangi/admin/", follow_redirects=False)
    assert stays.status_code == 200, "this session stays"
    assert f'<p class="flash" role="status">Staf diubah: {people["admin_a"]}</p>' in stays.text, "and confirms the change"
    use(client, other)
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403
    assert current != other


def get_routes(app) -> list[str]:
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "GET" in route.route_handler_map and ":path}" not in route.path:
            path = PARAM.sub(lambda m: {"slug": "banyuwangi"}.get(m.group(1), "1" if m.group(2) == "int" else "x"),
                             route.path)
            if not path.startswith("/static"):
                found.add(path)
    return sorted(found)


def test_no_get_request_signs_anyone_out(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    routes = get_routes(client.litestar_app)
    assert "/banyuwangi/masuk/oidc/callback" in routes and "/masuk/oidc" in routes
    for path in routes:
        response = client.get(path, params={"state": "x", "code": "y"}, follow_redirects=False)
        cleared = [c for c in response.headers.get_list("set-cookie")
                   if c.startswith("satupintu_sesi=") and ("null" in c or "Max-Age=0" in c or "=;" in c)]
        assert not cleared, f"GET {path} cleared the session"
        assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 200, f"GET {path} signed out"


def test_signed_in_pages_are_never_stored_and_public_ones_may_be(client, people):
    assert "no-store" not in client.get("/banyuwangi/").headers.get("cache-control", "")
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    for path in ("/banyuwangi/admin/", "/banyuwangi/", "/banyuwangi/layanan"):
        assert client.get(path).headers.get("cache-control") == "no-store", path


def test_hsts_in_production_only(client, database):
    assert "strict-transport-security" not in client.get("/banyuwangi/").headers
    production = app_client(database, SATUPINTU_ENV="production", SATUPINTU_PUBLIC_URL="https://testserver.local")
    secure = next(production)
    try:
        assert secure.get("/banyuwangi/").headers["strict-transport-security"].startswith("max-age=31536000")
    finally:
        production.close()
