"""The tenant admin's transfer pages: innovations, study visits and MoUs are validated field by
field, written with an audit entry, and bad input is explained in Indonesian with nothing written."""

from __future__ import annotations

import pytest

from tests.transfer.helpers import fingerprint, login, post, rows

INNOVATION = {"key": "antar-dokumen", "title": "Antar dokumen gratis", "summary": "Dokumen diantar ke rumah.",
              "category": "kependudukan", "year_started": "2018", "status": "running", "public": "on"}
VISIT = {"role": "visitor", "counterpart_code": "35.12", "counterpart_name": "", "visit_date": "2020-02-15",
         "days": "1", "participants": "12", "delegation": "Bupati, Kepala Dinas Kominfo",
         "topics": "Intelligence Room\nPemantauan pelayanan publik", "outcomes": "Kominfo belajar lebih dalam."}
MOU = {"title": "Transfer pengetahuan MPP", "counterpart_code": "35.26", "counterpart_name": "",
       "scope": "Pelatihan operator", "status": "signed", "signed_on": "2020-01-20", "ends_on": "", "notes": ""}


@pytest.fixture
def admin(client, people):
    return login(client, people["admin_a"], "banyuwangi")


def audit_of(client, entity: str) -> list[tuple]:
    return rows(client, "SELECT a.action, a.entity_key, a.actor FROM audit_log a JOIN tenants t ON t.id = a.tenant_id "
                        "WHERE t.slug = 'banyuwangi' AND a.entity = :e ORDER BY a.id", e=entity)


def test_every_transfer_page_opens_for_the_tenant_admin(admin):
    for path in ("inovasi", "inovasi/inovasi-rahasia", "replikasi", "kunjungan", "mou", "pelatihan"):
        response = admin.get(f"/banyuwangi/admin/{path}")
        assert response.status_code == 200, path
        assert "<main" in response.text and 'lang="id"' in response.text
        if path != "pelatihan":
            assert "<form" in response.text and ("<label" in response.text or path == "replikasi"), path
    assert "Inovasi rahasia banyuwangi" in admin.get("/banyuwangi/admin/inovasi").text


def test_innovation_create_edit_publish_and_withdraw_are_audited(admin, people):
    assert post(admin, "/banyuwangi/admin/inovasi", **INNOVATION).status_code == 303
    assert "Antar dokumen gratis" in admin.get("/banyuwangi/admin/inovasi").text
    assert "Antar dokumen gratis" in admin.get("/inovasi").text
    assert admin.get("/inovasi/banyuwangi/antar-dokumen").status_code == 200

    changed = {**INNOVATION, "title": "Antar dokumen gratis lewat ojek", "public": ""}
    del changed["key"]
    assert post(admin, "/banyuwangi/admin/inovasi/antar-dokumen", **changed).status_code == 303
    assert "Antar dokumen" not in admin.get("/inovasi").text
    assert admin.get("/inovasi/banyuwangi/antar-dokumen").status_code == 404
    assert rows(admin, "SELECT count(*) FROM public_innovations") == [(0,)]
    assert audit_of(admin, "innovation") == [("create", "antar-dokumen", people["admin_a"]),
                                             ("update", "antar-dokumen", people["admin_a"])]
    after = rows(admin, "SELECT a.before, a.after FROM audit_log a WHERE a.entity = 'innovation' AND a.action = 'update'")
    assert "lewat ojek" in str(after[0][1]) and "public" in str(after[0][0])


def test_visit_and_mou_create_edit_are_audited_and_names_come_from_the_code(admin, people):
    assert post(admin, "/banyuwangi/admin/kunjungan", **VISIT).status_code == 303
    listing = admin.get("/banyuwangi/admin/kunjungan").text
    assert "Kabupaten Situbondo" in listing and "15 Februari 2020" in listing and "Intelligence Room" in listing
    visit_id = rows(admin, "SELECT id FROM study_visits WHERE counterpart_code = '35.12'")[0][0]
    abroad = {**VISIT, "counterpart_code": "", "counterpart_name": "Georgia", "visit_date": ""}
    assert post(admin, f"/banyuwangi/admin/kunjungan/{visit_id}", **abroad).status_code == 303
    assert rows(admin, "SELECT counterpart_code, counterpart_name, visit_date FROM study_visits WHERE id = :i",
                i=visit_id) == [(None, "Georgia", None)]

    assert post(admin, "/banyuwangi/admin/mou", **MOU).status_code == 303
    assert "Kabupaten Bangkalan" in admin.get("/banyuwangi/admin/mou").text
    mou_id = rows(admin, "SELECT id FROM mous WHERE counterpart_code = '35.26'")[0][0]
    assert admin.get(f"/banyuwangi/admin/mou/{mou_id}").status_code == 200
    assert post(admin, f"/banyuwangi/admin/mou/{mou_id}", **{**MOU, "status": "ended", "ends_on": "2024-12-31"}) \
        .status_code == 303
    assert [a[0] for a in audit_of(admin, "visit")] == ["create", "update"]
    assert [a[0] for a in audit_of(admin, "mou")] == ["create", "update"]


BAD_INPUT = {
    "inovasi": (INNOVATION, [
        ("key", "Antar Dokumen!", "huruf kecil, angka, dan tanda hubung"),
        ("key", "inovasi-rahasia", "Inovasi dengan kunci ini sudah ada."),
        ("title", "", "Isian ini wajib diisi."),
        ("summary", "x" * 2001, "Paling banyak 2000 karakter."),
        ("category", "rahasia", "Pilih salah satu pilihan."),
        ("year_started", "dua ribu", "Isi dengan bilangan bulat."),
        ("year_started", "1800", "Isi dengan angka dari 1945"),
        ("status", "selesai", "Pilih salah satu pilihan."),
    ]),
    "kunjungan": (VISIT, [
        ("role", "tamu", "Pilih salah satu pilihan."),
        ("counterpart_code", "35-12", "dua angka, titik, dan dua angka"),
        ("counterpart_code", "99.99", "Tidak ada kabupaten atau kota dengan kode Kemendagri ini"),
        ("counterpart_code", "35.10", "Mitra harus daerah lain"),
        ("counterpart_code", "", "Isi kode Kemendagri atau nama daerah mitra."),
        ("visit_date", "15/02/2020", "Isi tanggal dengan format TTTT-BB-HH."),
        ("days", "0", "Isi dengan angka dari 1"),
        ("participants", "banyak", "Isi dengan bilangan bulat."),
        ("topics", "  \n ", "Tuliskan paling sedikit satu topik"),
    ]),
    "mou": (MOU, [
        ("title", "", "Isian ini wajib diisi."),
        ("scope", "", "Isian ini wajib diisi."),
        ("status", "batal", "Pilih salah satu pilihan."),
        ("signed_on", "", "harus memiliki tanggal penandatanganan"),
        ("signed_on", "2099-01-01", "tidak boleh di masa depan"),  # 2999 is past the last day forms accept
        ("ends_on", "2019-01-01", "tidak boleh sebelum tanggal penandatanganan"),
        ("counterpart_code", "12.345", "Paling banyak 5 karakter."),
    ]),
}


@pytest.mark.parametrize("path", list(BAD_INPUT))
def test_bad_input_is_explained_in_indonesian_and_changes_nothing(admin, path):
    """One sign-in per form, every bad field tried on it (the fixtures are the slow part)."""
    base, cases = BAD_INPUT[path]
    before = fingerprint(admin)
    for field, value, message in cases:
        response = post(admin, f"/banyuwangi/admin/{path}", **{**base, field: value})
        where = f"{path}.{field}={value!r}"
        assert response.status_code == 422, where
        assert message in response.text, where
        assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text, where
        assert f'href="#f-{field}"' in response.text, where
    assert fingerprint(admin) == before


def test_bad_edits_are_refused_too(admin):
    ids = {"visit": rows(admin, "SELECT v.id FROM study_visits v JOIN tenants t ON t.id = v.tenant_id "
                                "WHERE t.slug = 'banyuwangi'")[0][0],
           "mou": rows(admin, "SELECT m.id FROM mous m JOIN tenants t ON t.id = m.tenant_id "
                              "WHERE t.slug = 'banyuwangi'")[0][0]}
    before = fingerprint(admin)
    for path, data, message in [
        ("inovasi/inovasi-rahasia", {**INNOVATION, "status": "bubar"}, "Pilih salah satu pilihan."),
        ("kunjungan/{visit}", {**VISIT, "counterpart_code": "00.00"}, "Tidak ada kabupaten atau kota"),
        ("mou/{mou}", {**MOU, "status": "ended"}, "harus memiliki tanggal berakhir"),
    ]:
        response = post(admin, "/banyuwangi/admin/" + path.format(**ids), **data)
        assert response.status_code == 422 and message in response.text, path
    assert fingerprint(admin) == before


def test_nonsense_ids_and_keys_answer_404_not_500(admin):
    for path in ("kunjungan/999999", "mou/999999", "inovasi/tidak-ada", "pelatihan/999999"):
        assert admin.get(f"/banyuwangi/admin/{path}").status_code == 404, path
    assert admin.get("/banyuwangi/admin/kunjungan/abc").status_code in (400, 404)
    assert post(admin, "/banyuwangi/admin/replikasi", public_id="abc").status_code == 422
    assert post(admin, "/banyuwangi/admin/replikasi", public_id="424242").status_code == 422
