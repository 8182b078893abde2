"""What the ministry reads: links that lead somewhere, units named once, tied regions ranked alike,
exports that carry the region code."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

from satupintu.benchmarks.indicators import INDICATORS


def test_a_regions_compare_link_starts_a_comparison(ministry):
    page = ministry.get("/kementerian/wilayah/banyuwangi").text
    link = unescape(re.search(r'href="(/kementerian/bandingkan\?[^"]+)"', page).group(1))
    response = ministry.get(link)
    assert response.status_code == 200, "the region page's own link must not land on an error"
    assert 'aria-invalid="true"' not in response.text
    assert re.search(r'id="f-w" name="w" type="text" list="daftar-wilayah" value="banyuwangi"', response.text)
    assert "Tambahkan satu sampai tiga daerah untuk dibandingkan dengan Kabupaten Banyuwangi" in response.text
    assert ministry.get("/kementerian/bandingkan?w=banyuwangi&w=banyuwangi").status_code == 422


def test_units_are_named_once(ministry):
    for language, unit in (("id", "per bulan"), ("en", "per month")):
        ministry.cookies.set("bahasa", language)
        for query in ("", "?kolom=semua"):
            heads = [unescape(re.sub(r"<[^>]+>", "", h)) for h in
                     re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", ministry.get(f"/kementerian/{query}").text, re.S)]
            monthly = [h for h in heads if unit in h.lower()]
            assert monthly, heads
            assert all(h.lower().count(unit) == 1 for h in monthly), monthly
    assert any(ind.unit == "per_month" for ind in INDICATORS)


def test_tied_regions_share_a_rank(ministry):
    # The fixture regencies report the same survey summary: four regions, one IKM value.
    page = ministry.get("/kementerian/indikator/ikm").text
    ranking = page.split('id="peringkat"', 1)[1]
    positions = re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>", ranking)
    assert positions == ["1", "1", "1", "1"], positions
    region = ministry.get("/kementerian/wilayah/bangkalan").text
    row = region.split('href="/kementerian/indikator/ikm"', 1)[1].split("</tr>", 1)[0]
    assert "1 dari 4" in row


def test_exports_carry_the_region_code(ministry):
    table = list(csv.reader(io.StringIO(ministry.get("/kementerian/ekspor.csv").content.decode("utf-8-sig"))))
    assert table[0][:2] == ["Kode wilayah", "Daerah"]
    assert {tuple(row[:2]) for row in table[1:-1]} == {
        ("35.10", "Kabupaten Banyuwangi"), ("35.26", "Kabupaten Bangkalan"),
        ("33.03", "Kabupaten Purbalingga"), ("12.10", "Kabupaten Labuhanbatu")}
