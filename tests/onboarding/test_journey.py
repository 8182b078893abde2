"""A new regency from invitation to a live mall, through HTTP only (Situbondo, 35.12)."""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import PASSWORD, csrf_of, sign_in
from tests.onboarding.conftest import invite

OFFICER = "kominfo@situbondokab.go.id"
HOURS = {f"hours_{d}": "08:00-15:00" for d in ("senin", "selasa", "rabu", "kamis")} | {
    "hours_jumat": "08:00-11:00", "hours_sabtu": "tutup", "hours_minggu": "tutup"}


def post(client, path, **data):
    return client.post(path, data={"_csrf_token": csrf_of(client), **data}, follow_redirects=False)


def accept(client, people) -> str:
    assert sign_in(client, people["platform"]).status_code == 303
    link = invite(client, "35.12", OFFICER)
    client.post("/keluar", data={"_csrf_token": csrf_of(client)})
    client.cookies.clear()
    assert client.get(link).status_code == 200
    weak = post(client, link, name="Rina", password="pendek", password_again="pendek")
    assert weak.status_code == 422 and "paling sedikit 10" in weak.text
    done = post(client, link, name="Rina Kominfo", password=PASSWORD, password_again=PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/onboarding/situbondo/"
    start = client.get("/onboarding/situbondo/", follow_redirects=False)
    assert start.headers["location"] == "/onboarding/situbondo/lokasi", "the profile comes from the official list"
    assert client.get(link).status_code == 404, "an invitation works once"
    return link


def wait_for_import(client) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        fragment = client.get("/onboarding/situbondo/layanan/progres").text
        if re.search(r"\d+ layanan(, \d+ loket)? diimpor\.", fragment):
            return
        assert "gagal" not in fragment
        time.sleep(0.2)
    raise AssertionError("the import job did not finish")


def test_invite_run_every_step_and_go_live(worker_client, people):
    client = worker_client
    accept(client, people)
    assert client.get("/situbondo/").status_code == 404, "not public while onboarding"

    profile = client.get("/onboarding/situbondo/profil").text
    assert "Kabupaten Situbondo" in profile and "Jawa Timur" in profile and 'value="WIB" selected' in profile
    assert 'name="name"' not in profile, "the official name is shown, not typed"
    assert post(client, "/onboarding/situbondo/profil", timezone="WIB").status_code == 303

    closed = {f"hours_{d}": "tutup" for d in ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")}
    assert post(client, "/onboarding/situbondo/lokasi", name="MPP Situbondo", kind="mpp", **closed).status_code == 422
    assert post(client, "/onboarding/situbondo/lokasi", name="MPP Situbondo", kind="mpp",
                **{**HOURS, "hours_senin": "jam delapan"}).status_code == 422
    assert post(client, "/onboarding/situbondo/lokasi", name="Mal Pelayanan Publik Situbondo", kind="mpp",
                address="Situbondo", **HOURS).status_code == 303

    early = post(client, "/onboarding/situbondo/siap")
    assert early.status_code == 422 and 'class="missing"' in early.text
    assert client.get("/situbondo/").status_code == 404

    assert post(client, "/onboarding/situbondo/instansi").status_code == 422
    assert post(client, "/onboarding/situbondo/instansi", template="instansi-hantu").status_code == 422
    assert post(client, "/onboarding/situbondo/instansi", mentor="banyuwangi").status_code == 303
    agencies = client.get("/situbondo/admin/instansi").text
    assert "Kabupaten Situbondo" in agencies and "Kabupaten Banyuwangi" not in agencies

    assert post(client, "/onboarding/situbondo/layanan", action="impor", preset="per-kategori").status_code == 422
    assert post(client, "/onboarding/situbondo/layanan", action="lanjut").status_code == 422
    started = post(client, "/onboarding/situbondo/layanan", action="impor", preset="mpp-minimal")
    assert started.status_code == 303
    wait_for_import(client)
    page = client.get("/onboarding/situbondo/layanan").text
    assert "Who serves" not in page
    assert post(client, "/onboarding/situbondo/layanan", action="lanjut").status_code == 303

    assert post(client, "/onboarding/situbondo/loket", action="lanjut").status_code == 422
    assert post(client, "/onboarding/situbondo/loket", counter_code="A 1!", counter_name="Loket",
                counter_location="mpp", counter_agency="dispendukcapil").status_code == 422
    assert post(client, "/onboarding/situbondo/loket", counter_code="A1", counter_name="Loket Kependudukan",
                counter_location="mpp", counter_agency="dispendukcapil").status_code == 303
    assert post(client, "/onboarding/situbondo/loket", action="lanjut").status_code == 303

    assert post(client, "/onboarding/situbondo/kebijakan", complaint_response_hours="0").status_code == 422
    assert post(client, "/onboarding/situbondo/kebijakan", permit_first="on", document_deadline_days="30",
                courier_delivery="on", complaint_response_hours="4").status_code == 303

    assert post(client, "/onboarding/situbondo/akses", name="Operator", email="bukan-email", role="operator").status_code == 422
    assert post(client, "/onboarding/situbondo/akses", name="Budi Loket", email="loket@situbondokab.go.id",
                role="operator", password="pelayanan-prima-2026").status_code == 303
    assert post(client, "/onboarding/situbondo/akses", action="lanjut").status_code == 303

    ready = client.get("/onboarding/situbondo/siap").text
    assert 'class="missing"' not in ready and 'href="/onboarding/situbondo/siap/konfirmasi"' in ready
    unconfirmed = post(client, "/onboarding/situbondo/siap")
    assert unconfirmed.status_code == 422 and "Pastikan" in unconfirmed.text and 'name="confirm" value="ya"' in unconfirmed.text
    assert client.get("/situbondo/").status_code == 404, "nothing is public before the confirmation"
    asked = client.get("/onboarding/situbondo/siap/konfirmasi").text
    assert "http://testserver.local/situbondo/" in asked and "20 layanan" in asked and "1 loket" in asked
    assert "Mal Pelayanan Publik Situbondo" in asked and "Budi Loket" not in asked
    live = post(client, "/onboarding/situbondo/siap", confirm="ya")
    assert live.status_code == 303 and live.headers["location"] == "/situbondo/"
    catalogue = client.get("/situbondo/layanan")
    assert catalogue.status_code == 200 and "/situbondo/layanan/akta-kelahiran" in catalogue.text
    assert "Situbondo" in {t["name"].split()[-1] for t in client.get("/api/v1/tenants").json()}


def test_resume_halfway_from_a_new_session(worker_client, people):
    client = worker_client
    accept(client, people)
    assert post(client, "/onboarding/situbondo/profil", name="Kabupaten Situbondo", timezone="WIB").status_code == 303
    assert post(client, "/onboarding/situbondo/lokasi", name="MPP Situbondo", kind="mpp", **HOURS).status_code == 303
    client.post("/situbondo/keluar", data={"_csrf_token": csrf_of(client)})
    client.cookies.clear()
    assert sign_in(client, OFFICER, "situbondo").status_code == 303
    resumed = client.get("/onboarding/situbondo/", follow_redirects=False)
    assert resumed.status_code == 303 and resumed.headers["location"] == "/onboarding/situbondo/instansi"
    back = client.get("/onboarding/situbondo/profil").text
    assert 'aria-current="step"' in back and "(selesai)" in back


def test_go_live_is_refused_while_the_checklist_fails(worker_client, people):
    client = worker_client
    accept(client, people)
    refused = post(client, "/onboarding/situbondo/siap")
    assert refused.status_code == 422
    for missing in ("Paling sedikit satu lokasi", "Paling sedikit satu instansi", "Paling sedikit satu loket"):
        assert missing in refused.text
    assert client.get("/situbondo/").status_code == 404


@pytest.mark.parametrize("who", ["admin_a", "operator_b"])
def test_other_tenants_cannot_open_or_change_the_wizard(worker_client, people, who):
    client = worker_client
    accept(client, people)
    client.post("/situbondo/keluar", data={"_csrf_token": csrf_of(client)})
    client.cookies.clear()
    slug = "banyuwangi" if who == "admin_a" else "bangkalan"
    assert sign_in(client, people[who], slug).status_code == 303
    for path in ("/onboarding/situbondo/", "/onboarding/situbondo/profil", "/onboarding/situbondo/siap"):
        assert client.get(path, follow_redirects=False).status_code in (403, 404)
    assert post(client, "/onboarding/situbondo/profil", name="Diambil alih", timezone="WIT").status_code in (403, 404)
    assert post(client, "/onboarding/situbondo/siap").status_code in (403, 404)
    assert client.get("/platform", follow_redirects=False).status_code == 403


def test_a_regency_can_ask_to_join_and_be_approved(client, people):
    bad = client.post("/onboarding/daftar", data={"_csrf_token": csrf_of(client), "region_code": "99.99",
                                                  "name": "X", "email": "x@y.go.id"})
    assert bad.status_code == 422 and "daftar resmi" in bad.text
    sent = client.post("/onboarding/daftar", data={"_csrf_token": csrf_of(client), "region_code": "33.26",
                                                   "name": "Asip", "email": "bupati@pekalongankab.go.id",
                                                   "position": "Bupati", "message": "Ingin belajar dari Banyuwangi"})
    assert sent.status_code == 200 and "Terima kasih" in sent.text
    assert sign_in(client, people["platform"]).status_code == 303
    page = client.get("/platform").text
    assert "Kabupaten Pekalongan" in page and "Ingin belajar" in page
    import re

    request_id = re.search(r'/platform/permintaan/(\d+)', page).group(1)
    approved = client.post(f"/platform/permintaan/{request_id}", data={"_csrf_token": csrf_of(client),
                                                                      "decision": "setujui"})
    assert approved.status_code == 200 and "/onboarding/undangan/" in approved.text
    again = client.post(f"/platform/permintaan/{request_id}", data={"_csrf_token": csrf_of(client),
                                                                   "decision": "setujui"})
    assert again.status_code == 422
