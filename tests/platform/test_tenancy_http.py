"""Tenants over HTTP: resolution by path and host, unknown and suspended tenants, isolation, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from satupintu.agencies.models import Agency
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants.models import Tenant, TenantStatus
from tests.conftest import run


async def _agency_names(url: str) -> dict[str, set[str]]:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    out = {}
    async with tenant_session(maker, None) as session:
        tenants = (await session.scalars(select(Tenant))).all()
    for tenant in tenants:
        async with tenant_session(maker, tenant.id) as session:
            out[tenant.slug] = set((await session.scalars(select(Agency.name))).all())
    await engine.dispose()
    return out


async def _set_status(url: str, slug: str, status: TenantStatus) -> None:
    """As the platform does it: a regency's row changes only in a transaction bound to that regency."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    async with tenant_session(maker, tenant_id) as session:
        await session.execute(update(Tenant).values(status=status))
    await engine.dispose()


async def _counts(url: str) -> dict[str, int]:
    from sqlalchemy import text

    engine = make_engine(url)
    async with engine.connect() as connection:
        out = {"tenants": (await connection.execute(text("SELECT count(*) FROM tenants"))).scalar()}
    await engine.dispose()
    return out


def test_every_regency_is_served_at_its_slug(client):
    listing = client.get("/api/v1/tenants").json()
    assert {t["slug"] for t in listing} == {"banyuwangi", "purbalingga", "bangkalan", "labuhanbatu"}
    for tenant in listing:
        page = client.get(f"/{tenant['slug']}/")
        assert page.status_code == 200
        assert tenant["name"] in page.text


def test_pages_and_api_of_one_tenant_never_show_anothers_agencies(client):
    names = run(_agency_names(client.database.url))
    for slug, own in names.items():
        others = set().union(*(n for s, n in names.items() if s != slug)) - own
        page = client.get(f"/{slug}/").text + client.get(f"/{slug}/layanan").text
        api = client.get(f"/api/v1/tenants/{slug}/services", params={"per_halaman": 200}).json()["items"]
        served_by = {s["agency"] for s in api if s["agency"]}
        assert served_by <= own
        leaked = [name for name in others if name in page]
        assert not leaked, f"{slug} shows agencies of other tenants: {leaked[:3]}"


@pytest.mark.parametrize("path", ["/tidak-ada/", "/tidak-ada/layanan", "/api/v1/tenants/tidak-ada/services"])
def test_unknown_tenant_is_a_404_in_bahasa_indonesia(client, path):
    response = client.get(path)
    assert response.status_code == 404
    if not path.startswith("/api/"):
        assert "Daerah tidak ditemukan" in response.text
        assert '<html lang="id">' in response.text


@pytest.mark.parametrize("path", ["/BANYU$$/", "/a/", "/" + "x" * 300 + "/layanan", "/banyuwangi%00/", "/static/../etc/passwd"])
def test_malformed_slugs_are_a_clear_404(client, path):
    response = client.get(path)
    assert response.status_code == 404


def test_suspended_tenant_shows_a_clear_page_and_no_data(client):
    run(_set_status(client.database.url, "bangkalan", TenantStatus.SUSPENDED))
    page = client.get("/bangkalan/layanan")
    assert page.status_code == 403
    assert "dihentikan sementara" in page.text
    assert "layanan/" not in page.text
    assert client.get("/api/v1/tenants/bangkalan/services").status_code == 403
    assert "bangkalan" not in {t["slug"] for t in client.get("/api/v1/tenants").json()}


def test_onboarding_tenant_is_not_public(client):
    run(_set_status(client.database.url, "labuhanbatu", TenantStatus.ONBOARDING))
    assert client.get("/labuhanbatu/").status_code == 404


def test_tenant_resolved_from_a_configured_host(database):
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap

    app = create_app(database.settings(SATUPINTU_TENANT_HOSTS="mpp.banyuwangikab.go.id=banyuwangi"))
    with TestClient(app=wrap(app), base_url="http://mpp.banyuwangikab.go.id") as client:
        home = client.get("/")
        assert home.status_code == 200 and "Banyuwangi" in home.text
        assert client.get("/layanan").status_code == 200
        assert client.get("/healthz").status_code == 200


def test_oversized_body_is_refused(client):
    response = client.post("/banyuwangi/layanan", content=b"x" * (2 * 1024 * 1024),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (405, 413)
    big = client.post("/api/v1/tenants", content=b"x" * (2 * 1024 * 1024))
    assert big.status_code in (405, 413)


def test_non_utf8_and_junk_query_input_gets_a_4xx_or_a_clean_answer(client):
    before = run(_counts(client.database.owner_url))
    response = client.get("/banyuwangi/layanan", params={"q": "\udcff".encode("utf-8", "surrogatepass").decode("latin-1")})
    assert response.status_code < 500
    junk = client.get(b"/banyuwangi/layanan?q=%FF%FE%00ktp".decode())
    assert junk.status_code < 500
    posted = client.post("/banyuwangi/layanan", content=b"q=\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= posted.status_code < 500
    assert run(_counts(client.database.owner_url)) == before


def test_request_sessions_carry_the_tenant_guard(client):
    """Regression: the web session must be a TenantSession, or the ORM filter silently vanishes."""
    codes = [s["code"] for s in client.get("/api/v1/tenants/banyuwangi/services", params={"q": "akta lahir"}).json()["items"]]
    assert len(codes) == len(set(codes)), "the same service appears once per tenant: the filter is off"
    for slug in ("banyuwangi", "purbalingga"):
        page = client.get(f"/{slug}/layanan", params={"q": "skck"}).text
        other = "Purbalingga" if slug == "banyuwangi" else "Banyuwangi"
        assert f"Resor {other}" not in page and f"Kota {other}" not in page
