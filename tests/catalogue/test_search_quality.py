"""Search quality, through the HTTP API: how citizens ask, typos included, and what must rank first."""

from __future__ import annotations

import pytest

QUERIES = [
    ("ktp hilang", "ktp-el-hilang"),
    ("e-ktp rusak", "ktp-el-rusak"),
    ("buat ktp", "ktp-el-baru"),
    ("ktp", "ktp-el-baru"),
    ("akta lahir", "akta-kelahiran"),
    ("akte kelahiran", "akta-kelahiran"),
    ("akta lahr", "akta-kelahiran"),
    ("akta kematian", "akta-kematian"),
    ("kartu keluarga", "kk-baru"),
    ("kk hilang", "kk-hilang-rusak"),
    ("kartu identitas anak", "kia-baru"),
    ("surat pindah", "pindah-keluar"),
    ("bikin sim", "sim-a-baru"),
    ("perpanjang sim c", "sim-c-perpanjangan"),
    ("sim hilang", "sim-penggantian-hilang-rusak"),
    ("skck", "skck-baru"),
    ("skck perpanjang", "skck-perpanjangan"),
    ("paspor hilang", "paspor-hilang"),
    ("pasport baru", "paspor-baru"),
    ("paspr", "paspor-baru"),
    ("izin usaha", "nib-oss"),
    ("ijin usaha", "nib-oss"),
    ("nib", "nib-oss"),
    ("izin bangun rumah", "pbg-baru"),
    ("imb", "pbg-baru"),
    ("izin praktek dokter", "sip-dokter"),
    ("daftar nikah kua", "nikah-pencatatan-kua"),
    ("nikah", "nikah-pencatatan-kua"),
    ("bpjs kesehatan", "bpjs-kesehatan-pendaftaran"),
    ("klaim jht", "bpjs-ketenagakerjaan-klaim-jht"),
    ("pdam pasang baru", "pdam-sambungan-baru"),
    ("air pam mati", "pdam-pengaduan-gangguan"),
    ("balik nama tanah", "bpn-peralihan-jual-beli"),
    ("pajak kendaraan", "stnk-pengesahan-tahunan"),
    ("bayar pbb", "pbb-pembayaran"),
    ("kartu kuning", "kartu-ak1"),
    ("surat keterangan tidak mampu", "sktm"),
    ("pirt", "spp-irt"),
    ("haji", "haji-pendaftaran"),
]


@pytest.fixture(params=["sqlite"])
def search_client(request, templates, tmp_path):
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap
    from tests.conftest import fresh_database

    database = next(fresh_database("sqlite", tmp_path, templates["sqlite"]))
    with TestClient(app=wrap(create_app(database.settings()))) as client:
        yield client


def test_the_query_table_covers_enough_real_questions():
    assert len(QUERIES) >= 30
    assert len({q for q, _ in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_expected_service_ranks_first(search_client, query, expected):
    response = search_client.get("/api/v1/tenants/banyuwangi/services", params={"q": query})
    assert response.status_code == 200
    results = response.json()["items"]
    assert results, f"{query!r} found nothing"
    assert results[0]["code"] == expected, f"{query!r}: got {[r['code'] for r in results[:3]]}"
    assert results == sorted(results, key=lambda r: -r["score"])


def test_empty_query_lists_every_enabled_service_and_gibberish_finds_nothing(search_client):
    everything = search_client.get("/api/v1/tenants/banyuwangi/services").json()
    assert everything["total"] > 150
    nothing = search_client.get("/api/v1/tenants/banyuwangi/services", params={"q": "qqqzzzxxx"}).json()
    assert nothing["items"] == [] and nothing["total"] == 0 and nothing["next"] is None


def test_filters_by_category_agency_and_life_event(search_client):
    adminduk = search_client.get("/api/v1/tenants/banyuwangi/services", params={"kategori": "adminduk"}).json()["items"]
    assert adminduk and {s["category"] for s in adminduk} == {"adminduk"}
    birth = search_client.get("/api/v1/tenants/banyuwangi/services", params={"peristiwa": "kelahiran"}).json()["items"]
    assert "akta-kelahiran" in [s["code"] for s in birth]
    police = search_client.get("/api/v1/tenants/banyuwangi/services", params={"q": "sim", "kategori": "kepolisian"}).json()["items"]
    assert police and all(s["category"] == "kepolisian" for s in police)
