"""Citizen pages: the catalogue grouped by category, one duration style, locations that say how to get there
and whether they are open now (in the regency's time), and opening hours on every service page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from satupintu.agencies import hours
from satupintu.agencies.models import Holiday, Location
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from tests.conftest import run


def test_catalogue_is_grouped_by_category_with_jump_links(client):
    services = client.get("/api/v1/tenants/banyuwangi/services", params={"per_halaman": 200}).json()["items"]
    categories = {s["category"] for s in services}
    page = client.get("/banyuwangi/layanan").text
    groups = re.findall(r'<details class="group" id="kat-([a-z0-9-]+)">', page)
    assert sorted(groups) == sorted(categories)
    assert sorted(re.findall(r'<a href="#kat-([a-z0-9-]+)">', page)) == sorted(categories)
    assert "<details open" not in page, "groups start closed, so a phone shows the categories first"
    links = re.findall(r'href="/banyuwangi/layanan/([a-z0-9-]+)"', page)
    assert sorted(links) == sorted(s["code"] for s in services)
    searched = client.get("/banyuwangi/layanan", params={"q": "paspor"}).text
    assert '<details class="group"' not in searched and "/banyuwangi/layanan/paspor-hilang" in searched
    filtered = client.get("/banyuwangi/layanan", params={"kategori": "kepolisian"}).text
    assert '<details class="group"' not in filtered


def test_durations_use_one_unit_style(client):
    listing = client.get("/banyuwangi/layanan").text
    assert "60 menit" not in listing and "1 jam" in listing
    page = client.get("/banyuwangi/layanan/kk-baru").text
    assert "1 jam" in page and "60 menit" not in page
    english = client.get("/banyuwangi/layanan/kk-baru", headers={"Accept-Language": "en"}).text
    assert "1 hour" in english and "60 minutes" not in english


async def _prepare(url: str) -> None:
    """The mall gets a telephone number and a map point; the market counter a holiday."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant = await tenants_service.get_by_slug(session, "banyuwangi")
    async with tenant_session(maker, tenant.id) as session:
        places = {l.code: l for l in (await session.scalars(select(Location))).all()}
        places["mpp"].phone = "(0333) 123 456"
        places["mpp"].latitude, places["mpp"].longitude = -8.2192, 114.3691
        session.add(Holiday(day=date(2026, 12, 7), name="Hari Jadi Pasar", location_id=places["pasar-pelayanan-publik"].id))
    await engine.dispose()


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(hours, "now", lambda: moment)
    return set_to


def _location(page: str, name: str) -> str:
    return page.split(f"<h3>{name}</h3>", 1)[1].split("</article>", 1)[0]


def test_locations_show_address_phone_map_and_whether_they_are_open_in_local_time(client, clock):
    run(_prepare(client.database.url))
    clock(datetime(2026, 12, 7, 2, 30, tzinfo=UTC))  # Monday 09:30 WIB
    page = client.get("/banyuwangi/").text
    mall = _location(page, "Mal Pelayanan Publik Kabupaten Banyuwangi")
    assert "Banyuwangi, Jawa Timur" in mall
    assert '<a href="tel:(0333)123456">(0333) 123 456</a>' in mall
    assert 'href="https://www.openstreetmap.org/?mlat=-8.2192&amp;mlon=114.3691#map=18/-8.2192/114.3691"' in mall
    assert "Buka sekarang, sampai 15:00" in mall
    market = _location(page, "Pasar Pelayanan Publik Banyuwangi")
    assert "Tutup hari ini: Hari Jadi Pasar" in market and "buka Selasa pukul 07:00" in market
    assert 'href="https://www.openstreetmap.org/search?query=' in market
    assert "<script" not in page.split("<main", 1)[1]

    clock(datetime(2026, 12, 7, 8, 30, tzinfo=UTC))  # Monday 15:30 WIB: the mall has just closed
    mall = _location(client.get("/banyuwangi/").text, "Mal Pelayanan Publik Kabupaten Banyuwangi")
    assert "Tutup sekarang" in mall and "buka Selasa pukul 08:00" in mall

    clock(datetime(2026, 12, 11, 5, 30, tzinfo=UTC))  # Friday 12:30 WIB: the Friday prayer break
    mall = _location(client.get("/banyuwangi/").text, "Mal Pelayanan Publik Kabupaten Banyuwangi")
    assert "Tutup sekarang" in mall and "buka hari ini pukul 13:00" in mall

    clock(datetime(2026, 12, 13, 0, 0, tzinfo=UTC))  # Sunday 07:00 WIB
    english = client.get("/banyuwangi/", headers={"Accept-Language": "en"}).text
    assert "Closed now" in _location(english, "Mal Pelayanan Publik Kabupaten Banyuwangi")
    assert "opens Monday at 08:00" in _location(english, "Mal Pelayanan Publik Kabupaten Banyuwangi")


def test_service_page_shows_where_and_when(client, clock):
    clock(datetime(2026, 12, 8, 1, 0, tzinfo=UTC))  # Tuesday 08:00 WIB
    page = client.get("/banyuwangi/layanan/sim-a-perpanjangan").text
    hours_section = page.split('<h2 id="jam">', 1)[1]
    assert "Jam layanan" in page and "Mal Pelayanan Publik Kabupaten Banyuwangi" in hours_section
    assert "Senin" in hours_section and "08:00-11:00, 13:00-15:00" in hours_section
    assert "Buka sekarang, sampai 15:00" in page


def test_console_sets_a_locations_phone_and_map_point(admin):
    form = {"_csrf_token": admin.token, "name": "Mal Pelayanan Publik Kabupaten Banyuwangi", "kind": "mpp",
            "address": "Banyuwangi, Jawa Timur", "notes": "", "phone": "(0333) 123 456", "latitude": "-8.2192",
            "longitude": "114.3691", **{f"hours_{day}": "08:00-15:00" for day in hours.DAYS}}
    bad = admin.post("/banyuwangi/admin/lokasi/mpp", data={**form, "longitude": ""}, follow_redirects=False)
    assert bad.status_code == 422 and "Isi lintang dan bujur sekaligus" in bad.text
    outside = admin.post("/banyuwangi/admin/lokasi/mpp", data={**form, "latitude": "48.85"}, follow_redirects=False)
    assert outside.status_code == 422 and "Indonesia terletak di antara" in outside.text
    assert admin.post("/banyuwangi/admin/lokasi/mpp", data=form, follow_redirects=False).status_code == 303
    mall = _location(admin.get("/banyuwangi/").text, "Mal Pelayanan Publik Kabupaten Banyuwangi")
    assert "(0333) 123 456" in mall and "mlat=-8.2192&amp;mlon=114.3691" in mall
