"""Packs round-trip exactly; the list of regions matches its source."""

from __future__ import annotations

import asyncio
import collections

from satupintu import migrate
from satupintu.cli import _export, _load
from satupintu.tenants.regions import regions, source
from tests.conftest import csrf_of, sign_in


def test_region_list_matches_its_source():
    data, meta = regions(), source()
    kinds = collections.Counter(r.kind for r in data.values())
    assert (kinds["kabupaten"], kinds["kota"], len(data)) == (meta["kabupaten"], meta["kota"], meta["total"])
    assert len({r.province for r in data.values()}) == meta["provinces"]
    assert {r.timezone for r in data.values()} == {"WIB", "WITA", "WIT"}
    for code, name, tz in (("35.10", "Kabupaten Banyuwangi", "WIB"), ("35.12", "Kabupaten Situbondo", "WIB"),
                           ("33.03", "Kabupaten Purbalingga", "WIB"), ("12.10", "Kabupaten Labuhanbatu", "WIB"),
                           ("51.71", "Kota Denpasar", "WITA"), ("91.71", "Kota Jayapura", "WIT")):
        assert (data[code].name, data[code].timezone) == (name, tz)
    assert data["35.12"].slug == "situbondo"


def test_export_then_import_round_trips_exactly(client, people, tmp_path, empty_database):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    token = csrf_of(client)
    client.post("/banyuwangi/admin/libur", data={"_csrf_token": token, "holiday_day": "2026-12-25",
                                                 "holiday_name": "Hari Raya Natal"})
    client.post("/banyuwangi/admin/layanan/sktm", data={"_csrf_token": token, "enabled": "on", "cost": "0",
                                                        "completion_value": "2", "completion_unit": "jam",
                                                        "extra_requirements": "Surat pengantar RT",
                                                        "agency_id": _first_agency(client), "permit_first": "on"})
    download = client.get("/banyuwangi/admin/ekspor")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    first = download.text
    assert 'slug = "banyuwangi"' in first and "Hari Raya Natal" in first and "Surat pengantar RT" in first
    assert "@" not in first, "no staff e-mail addresses in a pack"
    sktm = first.split('code = "sktm"', 1)[1].split("[[", 1)[0]  # switches unlike the policies' defaults
    assert "permit_first = true" in sktm and "delivery = false" in sktm

    pack = tmp_path / "banyuwangi" / "tenant.toml"
    pack.parent.mkdir()
    pack.write_text(first, encoding="utf-8")
    target = empty_database
    migrate.upgrade(target.owner_url, app_role="satupintu_test_app" if target.backend == "postgresql" else None)
    asyncio.run(_load(target.settings(), [str(pack)]))
    second = asyncio.run(_export(target.settings(), "banyuwangi"))
    assert second == first


def _first_agency(client) -> str:
    import re

    form = client.get("/banyuwangi/admin/layanan/sktm").text
    select = form.split('name="agency_id"', 1)[1]
    return re.search(r'<option value="(\d+)"', select).group(1)
