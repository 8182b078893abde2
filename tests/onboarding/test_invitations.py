"""The platform page: regions picked by name from the official list, invitations sent again with a
fresh link or revoked, statuses in the reader's language."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, csrf_of, sign_in
from tests.onboarding.conftest import invite

OFFICER = "kominfo@situbondokab.go.id"
LINK = re.compile(r"<code>https?://[^/]+(/onboarding/undangan/[^<]+)</code>")


@pytest.fixture
def platform(client, people):
    assert sign_in(client, people["platform"]).status_code == 303
    return client


def post(client, path, **data):
    return client.post(path, data={"_csrf_token": csrf_of(client), **data}, follow_redirects=False)


def _invitation_id(page: str) -> str:
    return re.search(r'action="/platform/undangan/(\d+)/kirim-ulang"', page).group(1)


def test_the_region_is_picked_by_name_from_the_official_list(platform):
    page = platform.get("/platform").text
    suggestions = page.split('<datalist id="wilayah">', 1)[1].split("</datalist>", 1)[0]
    assert suggestions.count("<option ") == 514
    assert '<option value="35.12">Kabupaten Situbondo, Jawa Timur</option>' in suggestions
    assert 'list="wilayah"' in page and 'aria-describedby="h-region_code"' in page
    assert "<td>Banyuwangi" in page or "Banyuwangi</td>" in page
    assert "<td>beroperasi</td>" in page and "<td>live</td>" not in page
    refused = post(platform, "/platform/undangan", region_code="Jember", email=OFFICER)
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text and "daftar resmi" in refused.text


def test_an_invitation_is_sent_again_with_a_new_link_and_the_old_one_stops_working(platform):
    first = invite(platform, "35.12", OFFICER)
    page = platform.get("/platform").text
    again = post(platform, f"/platform/undangan/{_invitation_id(page)}/kirim-ulang")
    assert again.status_code == 200
    second = LINK.search(again.text).group(1)
    assert second != first
    assert again.text.count("<li>Kabupaten Situbondo · kominfo@situbondokab.go.id") == 1  # replaced, not added
    platform.cookies.clear()
    assert platform.get(first).status_code == 404
    assert platform.get(second).status_code == 200


def test_an_invitation_is_revoked_after_a_question(platform):
    link = invite(platform, "35.12", OFFICER)
    page = platform.get("/platform").text
    number = _invitation_id(page)
    question = page.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert "<summary>Cabut undangan untuk Kabupaten Situbondo</summary>" in question
    assert f'action="/platform/undangan/{number}/cabut"' in question and "Ya, cabut" in question

    revoked = post(platform, f"/platform/undangan/{number}/cabut")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/platform"
    after = platform.get("/platform").text
    assert re.search(r'role="status">Undangan dicabut: Kabupaten Situbondo, kominfo@situbondokab.go.id', after)
    assert "kirim-ulang" not in after
    again = post(platform, f"/platform/undangan/{number}/cabut")
    assert again.status_code == 422 and "sudah dipakai atau tidak ada lagi" in again.text
    platform.cookies.clear()
    assert platform.get(link).status_code == 404


def test_a_used_invitation_can_be_neither_sent_again_nor_revoked(platform, people):
    link = invite(platform, "35.12", OFFICER)
    number = _invitation_id(platform.get("/platform").text)
    platform.post("/keluar", data={"_csrf_token": csrf_of(platform)})
    platform.cookies.clear()
    accepted = post(platform, link, name="Rina Kominfo", password=PASSWORD, password_again=PASSWORD)
    assert accepted.status_code == 303
    platform.cookies.clear()
    assert sign_in(platform, people["platform"]).status_code == 303
    for action in ("kirim-ulang", "cabut"):
        refused = post(platform, f"/platform/undangan/{number}/{action}")
        assert refused.status_code == 422 and "sudah dipakai" in refused.text, action
    assert "kirim-ulang" not in platform.get("/platform").text


def test_regions_are_found_by_name_without_a_script_and_invited_from_the_result(platform):
    assert 'action="/platform/wilayah"' in platform.get("/platform").text
    found = platform.get("/platform/wilayah", params={"cari": "  SITUBONDO "})
    assert found.status_code == 200 and 'role="status">1 wilayah cocok dengan “SITUBONDO”.' in found.text
    offered = found.text.split('name="region_code"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]+)"', offered) == ["35.12"]

    malang = platform.get("/platform/wilayah", params={"cari": "kota malang"}).text
    assert re.findall(r'<option value="([^"]+)"', malang.split('name="region_code"', 1)[1]) == ["35.73"]
    many = platform.get("/platform/wilayah", params={"cari": "kabupaten"}).text
    assert "50 yang pertama" in many and many.count("<option ") == 50
    nothing = platform.get("/platform/wilayah", params={"cari": "atlantis"}).text
    assert "0 wilayah cocok" in nothing and 'name="region_code"' not in nothing
    assert platform.get("/platform/wilayah", params={"cari": "x" * 101}).status_code == 400

    invited = post(platform, "/platform/undangan", region_code="35.12", email=OFFICER)
    assert invited.status_code == 200 and LINK.search(invited.text)


def test_only_the_platform_admin_finds_regions(client, people):
    assert client.get("/platform/wilayah", params={"cari": "situbondo"}, follow_redirects=False).status_code in (401, 403)
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    assert client.get("/platform/wilayah", params={"cari": "situbondo"}).status_code == 403
