"""The console is pleasant to use: grouped menus, a confirmation after saving, deleting that asks
first and says what stands in the way, editable counters, and an audit log in the reader's words."""

from __future__ import annotations

import re

import pytest

from tests.admin.test_console import _agency_value, post
from tests.conftest import csrf_of, sign_in


@pytest.fixture
def admin(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    client.token = csrf_of(client)
    return client


def _status(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'<p class="flash" role="status">(.*?)</p>', html, re.S)]


def _option(html: str, name: str, text: str) -> str:
    select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.search(rf'<option value="([^"]+)"[^>]*>[^<]*{re.escape(text)}', select).group(1)


def test_saving_shows_a_confirmation_once(admin):
    response = post(admin, "/banyuwangi/admin/instansi", key="dinas-arsip", name="Dinas Perpustakaan dan Kearsipan",
                    short="Dispusip", kind="opd")
    assert response.status_code == 303
    page = admin.get(response.headers["location"]).text
    assert _status(page) == ["Instansi ditambahkan: dinas-arsip"]
    assert _status(admin.get("/banyuwangi/admin/instansi").text) == []  # shown once

    unchanged = post(admin, "/banyuwangi/admin/instansi/dinas-arsip", name="Dinas Perpustakaan dan Kearsipan",
                     short="Dispusip", kind="opd")
    assert _status(admin.get(unchanged.headers["location"]).text) == ["Tersimpan. Tidak ada yang berubah."]

    refused = post(admin, "/banyuwangi/admin/instansi/dinas-arsip", name="", kind="opd")
    assert refused.status_code == 422 and _status(refused.text) == []
    assert _status(admin.get("/banyuwangi/admin/instansi").text) == []

    admin.get("/bahasa/en", params={"next": "/banyuwangi/admin/"})
    english = post(admin, "/banyuwangi/admin/kebijakan", permit_first="on", document_deadline_days="30",
                   complaint_response_hours="3")
    assert _status(admin.get(english.headers["location"]).text) == ["Policies changed: banyuwangi"]


def test_the_menu_is_grouped_with_the_current_groups_pages_beneath(admin):
    page = admin.get("/banyuwangi/admin/lokasi").text
    menu = page.split('class="wrap tabs"', 1)[1].split("</nav>", 1)[0]
    groups = re.findall(r"<a [^>]*>([^<]+)</a>", menu)
    assert groups == ["Ringkasan", "Layanan", "Organisasi", "Belajar", "Kinerja", "Lihat halaman publik"]
    assert '<a href="/banyuwangi/admin/instansi" aria-current="true">Organisasi</a>' in menu
    assert '<a class="public" href="/banyuwangi/">' in menu
    pages = page.split('class="wrap subnav"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r">([^<]+)</a>", pages) == ["Instansi", "Lokasi dan loket", "Staf", "SSO", "Kunci API"]
    assert '<a href="/banyuwangi/admin/lokasi" aria-current="page">' in pages
    for path in ("", "audit", "layanan", "kebijakan", "instansi", "staf", "sso", "kunci-api", "pelatihan", "inovasi",
                 "kunjungan", "mou", "kinerja/"):
        shown = admin.get(f"/banyuwangi/admin/{path}").text
        assert shown.count('aria-current="page"') == 1, path


def test_agency_kinds_are_named_in_the_readers_language(admin):
    listing = admin.get("/banyuwangi/admin/instansi").text
    assert re.search(r"Kepolisian Resor Kota Banyuwangi</a></td><td>Instansi vertikal</td>", listing)
    admin.get("/bahasa/en", params={"next": "/banyuwangi/admin/instansi"})
    assert "Kepolisian Resor Kota Banyuwangi</a></td><td>National agency</td>" in admin.get("/banyuwangi/admin/instansi").text


def test_deleting_asks_first_and_names_what_blocks_it(admin):
    busy = admin.get("/banyuwangi/admin/instansi/polresta").text
    question = busy.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert re.search(r"Instansi ini masih memiliki \d+ layanan, 2 loket dan \d+ staf|"
                     r"Instansi ini masih memiliki \d+ layanan dan 2 loket", question), question
    assert "/hapus" not in question  # nothing to press until it is free

    assert post(admin, "/banyuwangi/admin/instansi", key="dinas-arsip", name="Dinas Arsip", kind="opd").status_code == 303
    free = admin.get("/banyuwangi/admin/instansi/dinas-arsip").text
    question = free.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert "<summary>Hapus instansi ini</summary>" in question
    assert 'action="/banyuwangi/admin/instansi/dinas-arsip/hapus"' in question and "Ya, hapus" in question

    locations = admin.get("/banyuwangi/admin/lokasi").text
    d1 = locations.split("<summary>Hapus loket D1</summary>", 1)[1].split("</details>", 1)[0]
    assert "3 layanan masih ditugaskan ke loket ini" in d1 and "/hapus" not in d1
    holiday = locations.split("<summary>Hapus hari libur 2026-08-17</summary>", 1)[1].split("</details>", 1)[0]
    assert "Hapus hari libur Hari Kemerdekaan RI pada 2026-08-17?" in holiday and "/hapus" in holiday

    refused = post(admin, "/banyuwangi/admin/loket/D1/hapus")
    assert refused.status_code == 422 and "3 layanan masih ditugaskan ke loket ini" in refused.text


def test_counters_are_editable(admin):
    form = admin.get("/banyuwangi/admin/loket/D2").text
    assert 'value="Loket SIM (SIM A dan C baru, perpanjangan, dan penggantian)"' in form
    assert re.search(r'<option value="polresta" selected>', form)

    taken = post(admin, "/banyuwangi/admin/loket/D2", counter_code="D1", counter_name="Loket SIM",
                 counter_location="mpp", counter_agency="polresta")
    assert taken.status_code == 422 and "sudah ada" in taken.text
    other_agency = post(admin, "/banyuwangi/admin/loket/D2", counter_code="D2", counter_name="Loket SIM",
                        counter_location="mpp", counter_agency="dispendukcapil")
    assert other_agency.status_code == 422 and "layanan masih ditugaskan ke loket ini" in other_agency.text
    assert admin.get("/banyuwangi/admin/loket/D9").status_code == 404

    saved = post(admin, "/banyuwangi/admin/loket/D2", counter_code="D2A", counter_name="Loket SIM Satpas",
                 counter_location="mpp", counter_agency="polresta")
    assert saved.status_code == 303 and saved.headers["location"] == "/banyuwangi/admin/lokasi"
    assert "Loket diubah: D2A" in _status(admin.get("/banyuwangi/admin/lokasi").text)[0]
    assert admin.get("/banyuwangi/admin/loket/D2").status_code == 404
    assert "Loket SIM Satpas" in admin.get("/banyuwangi/layanan/sim-a-baru").text
    log = admin.get("/banyuwangi/admin/audit", params={"objek": "counter"}).text
    assert "Loket diubah: D2A" in log and "Loket SIM Satpas" in log


def test_the_audit_log_reads_in_the_readers_language(admin):
    form = admin.get("/banyuwangi/admin/layanan/skck-baru").text
    d2 = _option(form, "counter_id", "Loket SIM")
    response = post(admin, "/banyuwangi/admin/layanan/skck-baru", enabled="on", cost="0",
                    cost_note="", completion_value="1", completion_unit="hari", extra_requirements="",
                    agency_id=_agency_value(admin, "skck-baru"), counter_id=d2)
    assert response.status_code == 303

    assert _status(admin.get("/banyuwangi/admin/layanan").text) == ["Layanan diubah: skck-baru"]
    log = admin.get("/banyuwangi/admin/audit").text
    row = log.split("<tbody>", 1)[1].split("Layanan diubah: skck-baru", 1)[1].split("</tr>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", row)
    text = re.sub(r"\s+", " ", text)
    assert "Loket: D1 → menjadi D2" in text
    assert "Biaya: Rp30.000 → menjadi Gratis" in text
    assert "{" not in log.split("<tbody>", 1)[1] and "overrides" not in log and "counter_id" not in log
    assert re.search(r'<option value="service">Layanan</option>', log)
    assert re.search(r'<option value="tenant">Daerah</option>', log)
    assert ">service<" not in log and ">agency<" not in log

    filtered = admin.get("/banyuwangi/admin/audit", params={"objek": "service"}).text
    assert '<option value="service" selected>Layanan</option>' in filtered

    admin.get("/bahasa/en", params={"next": "/banyuwangi/admin/audit"})
    english = admin.get("/banyuwangi/admin/audit").text
    assert "Service changed: skck-baru" in english and "Fee:" in english
    assert '<option value="service">Service</option>' in english


def test_statuses_and_choices_are_translated():
    from satupintu.audit import present
    from satupintu.i18n import current_locale

    token = current_locale.set("id")
    try:
        assert present.value_text("status", "live") == "beroperasi"
        assert present.value_text("role", "tenant_admin") == "Administrator"
        assert present.value_text("enabled", True) == "ya"
        assert present.value_text("hours", {"senin": "08:00-15:00", "minggu": "tutup"}) == "Senin 08:00-15:00, Minggu tutup"
        assert present.value_text("counter_id", 7, {"counter_id": {7: "D2"}}) == "D2"
        assert present.value_text("counter_id", 8, {"counter_id": {7: "D2"}}) == "#8"
        assert present.value_text("scores", {"sdm": 400}) == "sdm: 400"
        assert present.headline("update", "tenant", "banyuwangi") == "Daerah diubah: banyuwangi"
    finally:
        current_locale.reset(token)


def test_every_recorded_field_is_named():
    from satupintu.accounts import service as accounts
    from satupintu.agencies import service as agencies
    from satupintu.audit import present
    from satupintu.benchmarks import service as benchmarks
    from satupintu.catalogue import service as catalogue
    from satupintu.open311 import keys
    from satupintu.tenants import service as tenants
    from satupintu.transfer import service as transfer

    recorded = set()
    for module in (accounts, agencies, benchmarks, catalogue, keys, tenants, transfer):
        for name in dir(module):
            if name.endswith("_FIELDS") and name != "SHARED_FIELDS":
                recorded |= set(getattr(module, name))
    assert len(recorded) > 60
    assert not recorded - set(present.FIELDS) - present.HIDDEN
