"""A ministry viewer only views: the route table is walked and every unsafe request of a viewer is
refused and changes nothing; verifying a self-assessment needs the ministry verifier's own role."""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute
from sqlalchemy import text

from satupintu.db import Base, make_engine
from tests.benchmarks.conftest import refresh
from tests.conftest import create_account, csrf_of, run, sign_in

PARAM = re.compile(r"\{(\w+):(\w+)\}")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
VERIFY = "/kementerian/wilayah/bangkalan/ipp/2025/verifikasi"


def unsafe_routes(app) -> list[tuple[str, str, bool]]:
    """(method, path, allowed to read-only roles) for every unsafe route, with sample parameters."""
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method not in UNSAFE:
                continue
            path = PARAM.sub(lambda m: {"slug": "bangkalan", "year": "2025"}.get(
                m.group(1), "1" if m.group(2) == "int" else "x"), route.path)
            found.add((method, path, bool(handler.opt.get("read_only_may"))))
    return sorted(found)


async def _fingerprint(url: str) -> dict[str, tuple]:
    engine = make_engine(url)
    out = {}
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == "web_sessions":
                continue
            out[table.name] = tuple((await connection.execute(text(f"SELECT * FROM {table.name}"))).all())
    await engine.dispose()
    return out


def test_a_ministry_viewer_cannot_write_anything(client, people):
    refresh(client.database)
    assert sign_in(client, people["ministry"]).status_code == 303
    token = csrf_of(client)
    routes = unsafe_routes(client.litestar_app)
    assert ("POST", VERIFY, False) in routes and len(routes) >= 40
    assert {path for _, path, allowed in routes if allowed} == {"/masuk", "/keluar", "/bangkalan/masuk",
                                                                "/bangkalan/keluar"}
    before = run(_fingerprint(client.database.owner_url))
    for method, path, allowed in routes:
        if allowed:
            continue
        data = {"_csrf_token": token, "verified": "1", "name": "diubah", "email": "x@bangkalan.go.id",
                "region_code": "33.26", "year": "2025", "role": "tenant_admin", "enabled": "on"}
        response = client.request(method, path, data=data, follow_redirects=False)
        assert response.status_code == 403, f"{method} {path} answered {response.status_code}"
    assert run(_fingerprint(client.database.owner_url)) == before, "a viewer changed something"
    page = client.get("/kementerian/wilayah/bangkalan")
    assert page.status_code == 200 and "/verifikasi" not in page.text, "no verify button for a viewer"


def test_verifying_needs_the_ministry_verifiers_role(client, people):
    refresh(client.database)
    create_account(client.database, "verifikator@kemenpan.test", "ministry_verifier")
    assert sign_in(client, people["platform"]).status_code == 303
    assert client.post(VERIFY, data={"_csrf_token": csrf_of(client), "verified": "1"},
                       follow_redirects=False).status_code == 403, "a platform admin is not the ministry"
    client.post("/keluar", data={"_csrf_token": csrf_of(client)})
    assert sign_in(client, "verifikator@kemenpan.test").status_code == 303
    assert "/verifikasi" in client.get("/kementerian/wilayah/bangkalan").text
    done = client.post(VERIFY, data={"_csrf_token": csrf_of(client), "verified": "1"}, follow_redirects=False)
    assert done.status_code == 303
    refresh(client.database, "bangkalan")
    assert "diverifikasi kementerian" in client.get("/kementerian/wilayah/bangkalan").text
