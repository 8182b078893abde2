"""Fees are true: a cost of 0 never sits beside a note that names an amount, a fee never beside "free"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from satupintu.catalogue.fees import fee_problem
from satupintu.catalogue.shared import DEFAULT_CATALOGUE_DIR, load_catalogue
from satupintu.tenants.packs import available_packs, load_pack
from tests.catalogue.conftest import save_service

ROOT = Path(__file__).parents[2]
CATALOGUE = load_catalogue()


@pytest.mark.parametrize(("cost", "note", "wrong"), [
    (0, "Tarif paspor Rp350.000 ditambah biaya beban", True),
    (0, "PNBP pendaftaran peralihan = (nilai tanah / 1.000) + Rp 50.000", True),
    (0, "Setoran awal 25 juta rupiah", True),
    (0, "Fee IDR 350,000", True),
    (0, "Gratis. Dokumen diantar ke rumah.", False),
    (0, "Dapat dikenai tarif Rp0 sesuai ketentuan", False),
    (30000, "Gratis untuk warga lanjut usia", True),
    (30000, "Tidak dipungut biaya", True),
    (5000, "Free of charge", True),
    (30000, "PNBP sesuai PP 76/2020; tes psikologi dibayar terpisah", False),
])
def test_the_rule(cost, note, wrong):
    assert (fee_problem(cost, note) is not None) == wrong


def _effective_fees():
    for code, spec in CATALOGUE.services.items():
        yield "catalogue", code, spec.cost, spec.cost_note
    for path in available_packs():
        pack = load_pack(path)
        for override in pack.overrides:
            shared = CATALOGUE.services[override.code]
            yield (pack.slug, override.code, shared.cost if override.cost is None else override.cost,
                   shared.cost_note if override.cost_note is None else override.cost_note)


def test_no_shipped_service_says_free_while_its_note_names_a_charge():
    wrong = [(where, code, cost, note) for where, code, cost, note in _effective_fees() if fee_problem(cost, note)]
    assert not wrong, wrong


def test_charged_services_found_by_the_rule_now_carry_their_fee():
    expected = {"paspor-hilang": 350000, "paspor-rusak": 350000, "sim-penggantian-hilang-rusak": 75000,
                "stnk-pengesahan-tahunan": 25000, "bpn-peralihan-jual-beli": 50000, "kendaraan-balik-nama": 325000}
    assert {code: CATALOGUE.services[code].cost for code in expected} == expected


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "satupintu.cli", "catalogue", "check", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=dict(os.environ))


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_catalogue_check_refuses_a_free_service_whose_note_names_an_amount(tmp_path):
    shipped = _check()
    assert shipped.returncode == 0, shipped.stderr
    copy = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE_DIR, copy)
    _replace(copy / "services" / "imigrasi.toml", "cost = 350000\ncost_note = \"Tarif paspor biasa non-elektronik 48 halaman; paspor elektronik Rp650.000. Ditambah biaya beban paspor hilang",
             "cost = 0\ncost_note = \"Tarif paspor biasa non-elektronik 48 halaman; paspor elektronik Rp650.000. Ditambah biaya beban paspor hilang")
    refused = _check("--catalogue", str(copy))
    assert refused.returncode != 0
    assert "imigrasi.toml:" in refused.stderr and "cost_note" in refused.stderr and "names an amount" in refused.stderr


def test_catalogue_check_refuses_a_pack_fee_beside_a_note_that_says_free(tmp_path):
    packs = tmp_path / "packs"
    shutil.copytree(ROOT / "tenants" / "banyuwangi", packs / "banyuwangi")
    _replace(packs / "banyuwangi" / "tenant.toml", 'code = "kia-baru"\n', 'code = "kia-baru"\ncost = 10000\n')
    refused = _check("--packs", str(packs))
    assert refused.returncode != 0
    assert "tenant.toml" in refused.stderr and "kia-baru" in refused.stderr and "says the service is free" in refused.stderr


def test_citizens_see_the_passport_fee_and_it_is_not_counted_as_free(client):
    page = client.get("/banyuwangi/layanan/paspor-hilang").text
    cost = page.split("<dd>", 1)[1].split("<br>", 1)[0]
    assert cost == "Rp350.000"
    services = client.get("/api/v1/tenants/banyuwangi/services", params={"per_halaman": 200}).json()["items"]
    free = {s["code"] for s in services if s["cost"] == 0}
    assert not {"paspor-hilang", "paspor-rusak", "stnk-pengesahan-tahunan", "swdkllj-pembayaran"} & free
    assert all(fee_problem(s["cost"], s["cost_note"]) is None for s in services)


@pytest.mark.parametrize(("cost", "note", "message"), [
    ("0", "PNBP Rp30.000 dibayar di bank", "keterangannya menyebut nominal"),
    ("30000", "Gratis bagi warga Banyuwangi", "Keterangan menyebut layanan ini gratis"),
])
def test_console_refuses_a_fee_that_contradicts_its_note(admin, cost, note, message):
    before = admin.get("/api/v1/tenants/banyuwangi/services/skck-baru").json()
    response = save_service(admin, "skck-baru", cost=cost, cost_note=note)
    assert response.status_code == 422
    assert message in response.text and 'aria-invalid="true"' in response.text
    assert admin.get("/api/v1/tenants/banyuwangi/services/skck-baru").json() == before
