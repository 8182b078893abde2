"""Walks the application's route table: every admin route of tenant B refuses tenant A's admin, any
operator, and anonymous visitors (403 or 404), and nothing changes. New routes are covered as they
are added, without editing this test."""

from __future__ import annotations

import re

import pytest
from litestar.routes import HTTPRoute
from sqlalchemy import select, text

from satupintu.db import make_engine, tenant_owned_tables
from tests.conftest import csrf_of, run, sign_in

PARAM = re.compile(r"\{(\w+):(\w+)\}")
PROTECTED_PREFIXES = ("/{slug:str}/admin", "/onboarding/{slug:str}", "/platform")
OPERATOR_PREFIXES = ("/{slug:str}/loket", "/{slug:str}/permohonan")  # a regency's own operators may use these; nobody else


def protected_routes(app, prefixes: tuple[str, ...] = PROTECTED_PREFIXES + OPERATOR_PREFIXES) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(prefixes):
            continue
        for method in route.route_handler_map:
            if method in ("HEAD", "OPTIONS"):
                continue
            path = PARAM.sub(lambda m: {"slug": "bangkalan"}.get(m.group(1), "1" if m.group(2) == "int" else "x"),
                             route.path)
            found.append((method, path))
    return sorted(set(found))


async def _fingerprint(url: str) -> dict[str, tuple]:
    engine = make_engine(url)
    out = {}
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        for table in [*tenant_owned_tables(), "tenants"]:
            out[table] = tuple((await connection.execute(text(
                f"SELECT count(*), max(updated_at) FROM {table}"))).one())
    await engine.dispose()
    return out


def test_the_walk_finds_the_admin_routes(client):
    routes = protected_routes(client.litestar_app)
    assert len(routes) >= 20
    assert ("POST", "/bangkalan/admin/layanan/x") in routes
    assert {("GET", "/bangkalan/loket"), ("POST", "/bangkalan/loket/x")} <= set(routes)
    assert {("GET", "/bangkalan/permohonan/x"), ("POST", "/bangkalan/permohonan/x/x")} <= set(routes)


@pytest.mark.parametrize("who", ["anonymous", "admin_a", "operator_a", "operator_b"])
def test_every_admin_route_of_another_tenant_is_refused(client, people, who):
    owner_url = client.database.owner_url
    if who != "anonymous":
        slug = "bangkalan" if who.endswith("_b") else "banyuwangi"
        assert sign_in(client, people[who], slug).status_code == 303
    token = csrf_of(client)
    before = run(_fingerprint(owner_url))
    prefixes = PROTECTED_PREFIXES if who == "operator_b" else PROTECTED_PREFIXES + OPERATOR_PREFIXES
    for method, path in protected_routes(client.litestar_app, prefixes):
        data = {"_csrf_token": token, "name": "diubah", "enabled": "on", "cost": "1", "key": "baru",
                "kind": "opd", "email": "x@x.test", "role": "tenant_admin", "complaint_response_hours": "1"}
        response = client.request(method, path, data=data if method == "POST" else None, follow_redirects=False)
        assert response.status_code in (403, 404), f"{who}: {method} {path} answered {response.status_code}"
    assert run(_fingerprint(owner_url)) == before, f"{who} changed something"


def test_public_ids_of_one_regency_are_unknown_in_another(client):
    """Citizens' pages and API answers addressed by a random public id (tickets, bookings) or a
    tracking number (applications, complaints) know only their own regency's: every such route of
    Bangkalan answers 404 for Banyuwangi's seeded ones, whatever the method, and nothing changes."""
    from satupintu.applications.models import Application
    from satupintu.complaints.models import Complaint
    from satupintu.queue.models import Booking, Ticket
    from tests.conftest import in_tenant

    async def ids() -> dict[str, list[str]]:
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return {"{public_id:str}": [await session.scalar(select(model.public_id).limit(1))
                                        for model in (Ticket, Booking)],
                    "{tracking_number:str}": [await session.scalar(select(Application.tracking_number).limit(1))],
                    "{tracking:str}": [await session.scalar(select(Complaint.tracking).limit(1))]}

    theirs = run(ids())
    routes = []
    for route in client.litestar_app.routes:
        if (isinstance(route, HTTPRoute) and route.path.count("{slug:str}")
                and any(name in route.path for name in theirs)
                and not route.path.startswith(OPERATOR_PREFIXES + PROTECTED_PREFIXES)):
            routes += [(method, route.path) for method in route.route_handler_map if method not in ("HEAD", "OPTIONS")]
    assert {("GET", "/{slug:str}/antrian/reservasi/{public_id:str}"),
            ("DELETE", "/api/v1/tenants/{slug:str}/queue/bookings/{public_id:str}"),
            ("GET", "/{slug:str}/lacak/{tracking_number:str}"), ("GET", "/{slug:str}/pengaduan/{tracking:str}"),
            ("GET", "/api/v1/tenants/{slug:str}/applications/{tracking_number:str}")} <= set(routes)
    token = csrf_of(client)
    before = run(_fingerprint(client.database.owner_url))
    unknown = {"{public_id:str}": "x" * 22, "{tracking_number:str}": "ABCDEFGHJK", "{tracking:str}": "ABCDEFGHJKMN"}

    def ask(method: str, path: str) -> int:
        return client.request(method, path, data={"_csrf_token": token} if method == "POST" else None,
                              follow_redirects=False).status_code

    for method, template in routes:
        name = next(name for name in theirs if name in template)
        for public_id in theirs[name]:
            path = template.replace("{slug:str}", "bangkalan").replace(name, public_id)
            answered = ask(method, path)
            # 404; or, for an API route that refuses this body before it looks at the id, the same
            # 400 that an id nobody has gets: another regency's id looks like no id at all
            expected = 404 if answered == 404 else ask(method, template.replace("{slug:str}", "bangkalan")
                                                       .replace(name, unknown[name]))
            assert answered == expected and answered in (400, 404), f"{method} {path} answered {answered}"
    assert run(_fingerprint(client.database.owner_url)) == before


def test_staff_of_one_regency_cannot_work_anothers_applications(client, people):
    """Bangkalan's admin, signed in, asks for Banyuwangi's seeded application under Bangkalan's own
    work queue (where the guard lets them in): it is not there, and no step changes anything."""
    from satupintu.applications.models import Application
    from tests.conftest import in_tenant

    async def number() -> str:
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return await session.scalar(select(Application.tracking_number).limit(1))

    theirs = run(number())
    assert sign_in(client, people["admin_b"], "bangkalan").status_code == 303
    token = csrf_of(client)
    before = run(_fingerprint(client.database.owner_url))
    assert client.get(f"/bangkalan/permohonan/{theirs}").status_code == 404
    assert theirs not in client.get("/bangkalan/permohonan/?status=verified").text
    for step in ("verifikasi", "proses", "selesai", "siap", "serahkan", "tolak"):
        answer = client.post(f"/bangkalan/permohonan/{theirs}/{step}", data={"_csrf_token": token, "reason": "x"})
        assert answer.status_code == 404
    assert run(_fingerprint(client.database.owner_url)) == before
