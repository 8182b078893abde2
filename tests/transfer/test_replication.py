"""Replication across regencies goes only through what a regency published: Bangkalan replicates
Banyuwangi's public innovation, the public pages show the link, and nothing private ever leaks."""

from __future__ import annotations

import re

from click.testing import CliRunner

from satupintu.cli import main
from tests.transfer.helpers import fingerprint, login, post, rows

PUBLIC = {"key": "antar-dokumen", "title": "Antar dokumen gratis", "summary": "Dokumen jadi diantar ke rumah warga.",
          "category": "kependudukan", "year_started": "2018", "status": "running", "public": "on"}
PRIVATE = {"key": "uji-internal", "title": "Uji coba internal Banyuwangi", "summary": "Belum siap dibagikan.",
           "category": "lainnya", "status": "pilot"}


def public_text(client) -> str:
    pages = [client.get(path) for path in ("/inovasi", "/replikasi", "/inovasi?daerah=banyuwangi")]
    assert all(p.status_code == 200 for p in pages)
    return " ".join(p.text for p in pages)


def test_bangkalan_replicates_banyuwangis_public_innovation(client, people):
    admin_a = login(client, people["admin_a"], "banyuwangi")
    assert post(admin_a, "/banyuwangi/admin/inovasi", **PUBLIC).status_code == 303
    assert post(admin_a, "/banyuwangi/admin/inovasi", **PRIVATE).status_code == 303
    assert "Belum ada daerah yang mereplikasi" in client.get("/replikasi").text
    own = client.get("/inovasi/banyuwangi/antar-dokumen")
    assert own.status_code == 200 and "/admin/replikasi" not in own.text  # no replicating one's own

    admin_b = login(client, people["admin_b"], "bangkalan")
    browse = admin_b.get("/bangkalan/admin/replikasi").text
    assert "Antar dokumen gratis" in browse and "Uji coba internal" not in browse and "Inovasi rahasia" not in browse
    detail = admin_b.get("/inovasi/banyuwangi/antar-dokumen")
    assert 'action="/bangkalan/admin/replikasi"' in detail.text
    public_id = re.search(r'name="public_id" value="(\d+)"', detail.text).group(1)

    done = post(admin_b, "/bangkalan/admin/replikasi", public_id=public_id)
    assert done.status_code == 303 and done.headers["location"] == "/bangkalan/admin/inovasi/antar-dokumen-gratis"
    registry = admin_b.get("/bangkalan/admin/inovasi").text
    assert "Direplikasi dari Kabupaten Banyuwangi: Antar dokumen gratis" in registry
    assert rows(admin_b, "SELECT i.status, i.public, i.replicated_from_code, i.replicated_from_key FROM innovations i "
                         "JOIN tenants t ON t.id = i.tenant_id WHERE t.slug = 'bangkalan' AND i.key = "
                         "'antar-dokumen-gratis'") == [("planned", False, "35.10", "antar-dokumen")]
    assert rows(admin_b, "SELECT a.action, a.actor FROM audit_log a JOIN tenants t ON t.id = a.tenant_id "
                         "WHERE t.slug = 'bangkalan' AND a.entity = 'innovation'") == [("replicate", people["admin_b"])]
    assert "Sudah ada di daftar Anda" in admin_b.get("/bangkalan/admin/replikasi").text

    again = post(admin_b, "/bangkalan/admin/replikasi", public_id=public_id)
    assert again.status_code == 422 and "Daerah Anda sudah mereplikasi inovasi ini" in again.text

    client.cookies.clear()
    page = client.get("/replikasi").text
    group = page.split('id="sumber-1"', 1)[1]
    assert "Kabupaten Banyuwangi" in group.split("</h2>")[0]
    assert "<strong>Kabupaten Bangkalan</strong>" in group and "direplikasi lewat SatuPintu" in group
    assert "<svg" in page and 'role="img"' in page and "style=" not in page.split("<main", 1)[1]
    text = public_text(client)
    assert "Antar dokumen gratis" in text
    for secret in ("Uji coba internal", "Inovasi rahasia", "Belum siap dibagikan"):
        assert secret not in text
    assert client.get("/inovasi/banyuwangi/uji-internal").status_code == 404
    assert client.get("/inovasi/banyuwangi/inovasi-rahasia").status_code == 404
    assert client.get("/inovasi/bangkalan/antar-dokumen-gratis").status_code == 404  # the replica is private


def test_replicating_ones_own_or_an_unpublished_innovation_is_refused(client, people):
    admin_a = login(client, people["admin_a"], "banyuwangi")
    assert post(admin_a, "/banyuwangi/admin/inovasi", **PUBLIC).status_code == 303
    public_id = rows(admin_a, "SELECT id FROM public_innovations")[0][0]
    before = fingerprint(admin_a)
    mine = post(admin_a, "/banyuwangi/admin/replikasi", public_id=str(public_id))
    assert mine.status_code == 422 and "Ini inovasi daerah Anda sendiri." in mine.text
    withdrawn = {**PUBLIC, "public": ""}
    del withdrawn["key"]
    assert post(admin_a, "/banyuwangi/admin/inovasi/antar-dokumen", **withdrawn).status_code == 303
    admin_b = login(client, people["admin_b"], "bangkalan")
    before = fingerprint(admin_b)
    gone = post(admin_b, "/bangkalan/admin/replikasi", public_id=str(public_id))
    assert gone.status_code == 422 and "tidak (lagi) dipublikasikan" in gone.text
    assert fingerprint(admin_b) == before


def test_the_documented_facts_load_once_and_fill_the_public_pages(client, people, tmp_path):
    env = {"SATUPINTU_DATABASE_URL": client.database.url, "SATUPINTU_SECRET_KEY": "x" * 40,
           "SATUPINTU_VAR_DIR": str(tmp_path)}
    runner = CliRunner()
    first = runner.invoke(main, ["transfer", "load"], env=env)
    assert first.exit_code == 0, first.output
    assert "banyuwangi: 4 new visits, 1 new MoUs, 8 new innovations" in first.output
    assert "purbalingga: 1 new visits" in first.output and "bangkalan: 1 new visits, 1 new MoUs" in first.output
    assert "skipped visit Kabupaten Pekalongan -> Kabupaten Situbondo" in first.output
    before = fingerprint(client)
    second = runner.invoke(main, ["transfer", "load"], env=env)
    assert second.exit_code == 0 and "banyuwangi: 0 new visits, 0 new MoUs, 0 new innovations" in second.output
    assert {k: v[0] for k, v in fingerprint(client).items()} == {k: v[0] for k, v in before.items()}

    registry = client.get("/inovasi").text
    assert registry.count('class="card"') == 8 and "Pasar Pelayanan Publik" in registry
    page = client.get("/replikasi").text
    assert "Kabupaten Situbondo" in page and "Intelligence Room" in page and "Kabupaten Pekalongan" in page
    assert page.index("Kabupaten Banyuwangi") < page.index("Kabupaten Situbondo")  # most followed first
    assert "Seluruhnya 6 hubungan" in page

    admin_b = login(client, people["admin_b"], "bangkalan")
    visits = admin_b.get("/bangkalan/admin/kunjungan").text
    assert "11 Desember 2019" in visits and "Kami berkunjung" in visits and "Kabupaten Banyuwangi" in visits
    assert "Draf" in admin_b.get("/bangkalan/admin/mou").text
    labuhanbatu = rows(client, "SELECT v.role, v.counterpart_code, v.days, v.visit_date FROM study_visits v JOIN tenants t "
                               "ON t.id = v.tenant_id WHERE t.slug = 'labuhanbatu' AND v.counterpart_code IS NOT NULL")
    assert labuhanbatu == [("visitor", "35.10", 2, None)]


def test_a_broken_data_file_names_file_and_line_and_loads_nothing(client, tmp_path):
    broken = tmp_path / "transfer.toml"
    broken.write_text('[[visits]]\nhost = "35.10"\nvisitor = "99.99"\ntopics = ["x"]\n', encoding="utf-8")
    before = fingerprint(client)
    result = CliRunner().invoke(main, ["transfer", "load", "--file", str(broken)],
                                env={"SATUPINTU_DATABASE_URL": client.database.url, "SATUPINTU_SECRET_KEY": "x" * 40,
                                     "SATUPINTU_VAR_DIR": str(tmp_path)})
    assert result.exit_code != 0
    assert f"{broken}:3: visits[0].visitor: '99.99' is not a Kemendagri code" in result.output
    assert fingerprint(client) == before
