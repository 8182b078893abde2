"""A regency's official name and region code come from the official list and never become another's:
the wizard shows them and refuses another name, it is closed once the regency is live, and every
other writer (packs and the CLI: tests/catalogue/test_bad_data.py) meets the same rule on the model."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from satupintu.db import bind_tenant, make_engine, make_sessionmaker, tenant_session
from satupintu.tenants.identity import IdentityError
from satupintu.tenants.models import Tenant, TenantStatus, TimeZone
from tests.conftest import csrf_of, run, sign_in
from tests.onboarding.test_journey import accept, post


async def _tenant(url: str, slug: str) -> Tenant:
    engine = make_engine(url)
    try:
        async with tenant_session(make_sessionmaker(engine), None) as session:
            return await session.scalar(select(Tenant).where(Tenant.slug == slug))
    finally:
        await engine.dispose()


def tenant(client, slug: str) -> Tenant:
    return run(_tenant(client.database.url, slug))


def test_the_wizard_shows_the_official_name_and_refuses_another(worker_client, people):
    client = worker_client
    accept(client, people)
    refused = post(client, "/onboarding/situbondo/profil", name="Kabupaten Banyuwangi", timezone="WIT")
    assert refused.status_code == 422
    assert "Nama resmi wilayah 35.12 adalah \u201cKabupaten Situbondo\u201d" in refused.text
    english = client.post("/onboarding/situbondo/profil", data={"_csrf_token": csrf_of(client),
                                                                 "name": "Kabupaten Banyuwangi", "timezone": "WIT"},
                          headers={"Accept-Language": "en"}, follow_redirects=False)
    assert english.status_code == 422 and "The official name of region 35.12 is \u201cKabupaten Situbondo\u201d" in english.text
    found = tenant(client, "situbondo")
    assert (found.name, found.region_code, found.timezone) == ("Kabupaten Situbondo", "35.12", TimeZone.WIB)
    assert post(client, "/onboarding/situbondo/profil", timezone="WITA").status_code == 303
    assert tenant(client, "situbondo").timezone == TimeZone.WITA


def test_the_wizard_is_closed_once_the_regency_is_live(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    token = csrf_of(client)
    before = tenant(client, "banyuwangi")
    for path in ("/", "/profil", "/lokasi", "/layanan", "/siap"):
        page = client.get(f"/onboarding/banyuwangi{path}", follow_redirects=False)
        assert page.status_code == 409, path
        assert "Kabupaten Banyuwangi sudah aktif" in page.text and 'href="/banyuwangi/admin/"' in page.text
    for path, data in (("/profil", {"name": "Kabupaten Bangkalan", "timezone": "WIT"}),
                       ("/instansi", {"mentor": "bangkalan"}), ("/siap", {})):
        answer = client.post(f"/onboarding/banyuwangi{path}", data={"_csrf_token": token, **data},
                             follow_redirects=False)
        assert answer.status_code == 409, path
    english = client.get("/onboarding/banyuwangi/profil", headers={"Accept-Language": "en"})
    assert "Kabupaten Banyuwangi is live, so its setup wizard is closed" in english.text
    after = tenant(client, "banyuwangi")
    assert (after.name, after.region_code, after.timezone, after.revision) == \
        (before.name, before.region_code, before.timezone, before.revision)


async def _try(url: str, slug: str, change) -> None:
    engine = make_engine(url)
    try:
        async with tenant_session(make_sessionmaker(engine), None) as session:
            found = await session.scalar(select(Tenant).where(Tenant.slug == slug))
            await change(session, found)
    finally:
        await engine.dispose()


def refused(url: str, slug: str, change) -> str:
    """The (English) reason the model refused a change."""
    with pytest.raises(IdentityError) as caught:
        run(_try(url, slug, change))
    return caught.value.problem.english()


def _set(**values):
    async def change(session, found):
        await bind_tenant(session, found.id)  # a regency's row changes only in a session bound to it
        for name, value in values.items():
            setattr(found, name, value)
        await session.flush()

    return change


@pytest.mark.parametrize(("values", "message"), [
    ({"name": "Kabupaten Bangkalan"}, "official name and region code are fixed"),
    ({"name": "Kabupaten Bangkalan", "region_code": "35.26"}, "official name and region code are fixed"),
    ({"region_code": "99.99"}, "official name and region code are fixed"),
    ({"status": TenantStatus.ONBOARDING}, "cannot return to onboarding"),
])
def test_no_writer_changes_a_live_regencys_identity(database, values, message):
    """Below every page: the model refuses, on SQLite and on PostgreSQL as the app role."""
    assert message in refused(database.url, "banyuwangi", _set(**values))
    found = run(_tenant(database.url, "banyuwangi"))
    assert (found.name, found.region_code, found.status) == ("Kabupaten Banyuwangi", "35.10", TenantStatus.LIVE)


def test_a_new_or_onboarding_regency_takes_its_identity_from_the_list(database):
    def add(name: str, region_code: str, province: str):
        async def change(session, _found):
            session.add(Tenant(slug="situbondo", name=name, region_code=region_code, province=province))
            await session.flush()

        return change

    assert "99.98 is not on the official list" in refused(database.url, "banyuwangi",
                                                          add("Kabupaten Tiruan", "99.98", "X"))
    assert "official name of region 35.10 is" in refused(database.url, "banyuwangi",
                                                         add("Kabupaten Situbondo", "35.10", "Jawa Timur"))
    run(_try(database.url, "banyuwangi", add("Kabupaten Situbondo", "35.12", "Jawa Timur")))
    assert "official name of region 35.12 is" in refused(database.url, "situbondo", _set(name="Kabupaten Banyuwangi"))
    assert run(_tenant(database.url, "situbondo")).status == TenantStatus.ONBOARDING

