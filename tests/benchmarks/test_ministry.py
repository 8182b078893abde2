"""The ministry's area: every regency's aggregates for ministry viewers only, no personal data, exports
that hold exactly the page's numbers, and pages that read the rollups and nothing else."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

from litestar.routes import HTTPRoute
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from satupintu.benchmarks.indicators import INDICATORS
from satupintu.catalogue.models import TenantService
from satupintu.db import make_engine, make_sessionmaker, tenant_owned_tables, tenant_session
from satupintu.tenants.models import Tenant
from tests.benchmarks.conftest import ADMIN_B, MINISTRY, VERIFIER, post, refresh, signed_in
from tests.conftest import create_account, run

SLUGS = ("banyuwangi", "purbalingga", "bangkalan", "labuhanbatu")


def ministry_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/kementerian"):
            found += [(m, route.path) for m in route.route_handler_map if m not in ("HEAD", "OPTIONS")]
    return sorted(set(found))


def concrete(path: str, indicator: str = "ikm", slug: str = "bangkalan", year: str = "2025") -> str:
    return (path.replace("{name:str}", indicator).replace("{slug:str}", slug).replace("{year:int}", year))


def test_every_page_of_the_ministry_area_opens(ministry):
    pages = ["/kementerian/", "/kementerian/definisi", "/kementerian/bandingkan",
             "/kementerian/bandingkan?w=banyuwangi&w=bangkalan&w=purbalingga&w=labuhanbatu",
             "/kementerian/?kolom=semua&urut=ikm&arah=turun", "/kementerian/?provinsi=Jawa+Timur&status=live",
             "/kementerian/?halaman=99&urut=tidak-ada&kolom=x&status=y", "/kementerian/?semua=1"]
    pages += [f"/kementerian/indikator/{ind.name}" for ind in INDICATORS]
    pages += [f"/kementerian/wilayah/{slug}" for slug in SLUGS]
    pages += [f"/kementerian/?kolom={group}" for group in ("services", "agencies", "policies", "quality",
                                                          "operations", "onboarding")]
    for page in pages:
        response = ministry.get(page)
        assert response.status_code == 200, page
        assert "<main" in response.text and "<h1>" in response.text, page
    assert ministry.get("/kementerian/indikator/tidak-ada").status_code == 404
    assert ministry.get("/kementerian/wilayah/atlantis").status_code == 404
    _charts_are_svg_with_a_name_and_a_table(ministry)
    _definitions_show_the_formulas_and_the_data_file(ministry)


def _charts_are_svg_with_a_name_and_a_table(ministry) -> None:
    page = ministry.get("/kementerian/indikator/services_live").text
    assert page.count('<svg class="chart"') == 2 and 'role="img"' in page and "<title id=" in page
    assert "<script" not in page.split("</head>", 1)[1] and ' style="' not in page
    region = ministry.get("/kementerian/wilayah/banyuwangi").text
    assert region.count('role="img"') == 4  # visitors/transactions, complaints, IKM, IPP
    assert " per bulan</caption>" in region and "<td>dilaporkan</td>" in region  # the monthly table, marked


def _services(url: str) -> dict[str, int]:
    async def work() -> dict[str, int]:
        engine = make_engine(url)
        maker = make_sessionmaker(engine)
        out = {}
        async with tenant_session(maker, None) as session:
            tenants = (await session.scalars(select(Tenant))).all()
        for tenant in tenants:
            async with tenant_session(maker, tenant.id) as session:
                out[tenant.name] = await session.scalar(select(func.count()).select_from(TenantService).where(
                    TenantService.enabled.is_(True)))
        await engine.dispose()
        return out

    return run(work())


def _table(html: str) -> list[list[str]]:
    body = html.split('id="tabel"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows.append(cells)
    return rows


def test_every_tenant_appears_with_its_own_figures(ministry):
    ministry.cookies.set("bahasa", "en")
    rows = _table(ministry.get("/kementerian/?urut=services_live&arah=turun").text)
    header, national, regions = rows[0], rows[1], rows[2:]
    assert header[:4] == ["Region", "Province", "Status", "Services live ▼"]
    assert national[0] == "National median"
    expected = _services(ministry.database.url)
    assert {r[0]: int(r[3].replace(",", "")) for r in regions} == expected
    assert [int(r[3].replace(",", "")) for r in regions] == sorted(expected.values(), reverse=True)
    live = sorted(v for k, v in expected.items())
    assert national[3] in {str((live[1] + live[2]) / 2).rstrip("0").rstrip("."), str(live[1]), f"{(live[1] + live[2]) // 2:,}"}


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _plain(text: str) -> str:
    return text.replace(",", "").rstrip("%")


def test_exports_hold_exactly_the_numbers_of_the_page(ministry):
    ministry.cookies.set("bahasa", "en")
    for query in ("?kolom=semua&urut=ikm&arah=turun", "?provinsi=Jawa+Timur&kolom=quality", "?status=live&urut=province"):
        _compare_exports(ministry, query)
    _an_export_follows_the_filters_and_the_order(ministry)


def _compare_exports(ministry, query: str) -> None:
    page = _table(ministry.get(f"/kementerian/{query}").text)
    header, rows = page[0], page[2:] + [page[1]]  # exports put the national row last
    table = _csv(ministry.get(f"/kementerian/ekspor.csv{query}").content)
    assert table[0][0] == "Region code"  # the page shows the name; a file also carries the code
    codes, table = [row[0] for row in table], [row[1:] for row in table]
    assert all(re.fullmatch(r"\d\d\.\d\d", code) for code in codes[1:-1]) and codes[-1] == ""
    assert [h.rstrip(" ▲▼") for h in header] == table[0]
    assert len(table) - 1 == len(rows)
    for shown, exported in zip(rows, table[1:], strict=True):
        for text, value in zip(shown, exported, strict=True):
            if text in ("—", ""):
                assert value == ""
            elif re.fullmatch(r"-?[\d,]+(\.\d+)?%?", text):
                assert float(_plain(text)) == float(value), (text, value)
            else:
                assert text == value
    workbook = load_workbook(io.BytesIO(ministry.get(f"/kementerian/ekspor.xlsx{query}").content))
    cells = [[c for c in row] for row in workbook.active.iter_rows(values_only=True)]
    assert [str(c) for c in cells[0]] == ["Region code"] + table[0]
    assert [row[0] for row in cells[1:-1]] == codes[1:-1]
    cells = [row[1:] for row in cells]
    for from_csv, from_xlsx in zip(table[1:], cells[1:], strict=True):
        assert [("" if c is None else (f"{c:g}" if isinstance(c, float) else str(c))) for c in from_xlsx] == \
               [f"{float(v):g}" if re.fullmatch(r"-?\d+(\.\d+)?", v) else v for v in from_csv]


def _an_export_follows_the_filters_and_the_order(ministry) -> None:
    ministry.cookies.set("bahasa", "id")
    table = _csv(ministry.get("/kementerian/ekspor.csv?provinsi=Jawa+Timur&urut=name&arah=turun").content)
    assert [row[:2] for row in table[1:-1]] == [["35.10", "Kabupaten Banyuwangi"], ["35.26", "Kabupaten Bangkalan"]]
    assert table[0][0] == "Kode wilayah" and table[-1][1] == "Median nasional"
    response = ministry.get("/kementerian/ekspor.xlsx?provinsi=Jawa+Timur")
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "kinerja-mpp-jawa-timur.xlsx" in response.headers["content-disposition"]


PERSONAL = {
    "name": "Rahmawati Kusumaningrum", "nik": "3510016105880007", "phone": "081377779999",
    "respondent": "Bambang Sutrisno", "staff": "Lestari Handayani", "staff_email": "lestari.h@banyuwangi.test",
}


def test_no_page_or_export_shows_personal_data(client, people):
    create_account(client.database, PERSONAL["staff_email"], "operator", "banyuwangi")  # name: the e-mail's first part
    admin = signed_in(client, people["admin_a"], "banyuwangi")
    assert post(admin, "/banyuwangi/admin/staf", name=PERSONAL["staff"], email="lestari2@banyuwangi.test",
                role="operator", password="pelayanan-prima-2026").status_code == 303
    survey = ("nama,nik,no_hp,U1,U2,U3,U4,U5,U6,U7,U8,U9\n"
              f"{PERSONAL['name']},{PERSONAL['nik']},{PERSONAL['phone']},4,4,3,4,3,4,4,3,4\n"
              f"{PERSONAL['respondent']},3510010101010001,085611112222,3,3,3,4,4,4,3,3,3\n")
    response = post(admin, "/banyuwangi/admin/kinerja/survei/jawaban", period="2026-Q1",
                    files={"file": ("skm.csv", survey.encode(), "text/csv")})
    assert response.status_code == 303
    client.post("/banyuwangi/keluar", data={"_csrf_token": admin.token})
    refresh(client.database)
    ministry = signed_in(client, people["ministry"])

    contents = []
    for method, path in ministry_routes(client.litestar_app):
        if method != "GET":
            continue
        if "{name:str}" in path:
            contents += [ministry.get(concrete(path, ind.name)).content for ind in INDICATORS]
        elif "{slug:str}" in path:
            contents += [ministry.get(concrete(path, slug=slug)).content for slug in SLUGS]
        else:
            contents.append(ministry.get(path + "?kolom=semua").content)
    contents.append(ministry.get("/kementerian/bandingkan?w=banyuwangi&w=bangkalan").content)
    workbook = load_workbook(io.BytesIO(ministry.get("/kementerian/ekspor.xlsx?kolom=semua").content))
    contents.append(" ".join(str(c) for row in workbook.active.iter_rows(values_only=True) for c in row).encode())
    assert len(contents) > 30
    forbidden = [*PERSONAL.values(), people["admin_a"], people["operator_a"], "Kepala MPP", "kepala@"]
    for content in contents:
        text = content.decode("utf-8", errors="replace")
        for secret in forbidden:
            assert secret not in text, secret
    assert "2026-Q1" in ministry.get("/kementerian/wilayah/banyuwangi").text or "Triwulan 1 2026" in \
        ministry.get("/kementerian/wilayah/banyuwangi").text


def test_only_the_ministry_may_enter(client, people):
    refresh(client.database)
    for who in ("anonymous", "admin_a", "operator_a", "admin_b"):
        _refused_everywhere(client, people, who)


def _refused_everywhere(client, people, who: str) -> None:
    client.cookies.clear()
    if who != "anonymous":
        signed_in(client, people[who], "banyuwangi" if who.endswith("_a") else "bangkalan")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/masuk").text).group(1)
    routes = ministry_routes(client.litestar_app)
    assert len(routes) >= 8
    for method, path in routes:
        response = client.request(method, concrete(path), follow_redirects=False,
                                  data={"_csrf_token": token, "verified": "1"} if method == "POST" else None)
        assert response.status_code in (403, 404), f"{who}: {method} {path} answered {response.status_code}"
        assert "Labuhanbatu" not in response.text, f"{who}: {method} {path} shows a region's data"


def test_platform_admin_may_enter(client):
    refresh(client.database)
    create_account(client.database, "platform@satupintu.test", "platform_admin")
    signed_in(client, "platform@satupintu.test")
    assert client.get("/kementerian/").status_code == 200


def test_pages_read_the_rollups_and_never_a_tenant_table(ministry):
    engine = ministry.litestar_app.state.auth_sessionmaker.kw["bind"].sync_engine
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.lower())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for page in ("/kementerian/?kolom=semua", "/kementerian/indikator/ikm", "/kementerian/wilayah/bangkalan",
                     "/kementerian/bandingkan?w=banyuwangi&w=bangkalan", "/kementerian/ekspor.csv?kolom=semua"):
            assert ministry.get(page).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert any("benchmark_rollups" in s for s in statements)
    owned = [t for t in tenant_owned_tables()]
    touched = {t for s in statements for t in owned if re.search(rf"\b{t}\b", s)}
    assert not touched, f"the ministry pages read tenant tables: {touched}"


def test_a_tenant_change_reaches_the_pages_through_the_rollup(ministry):
    ministry.cookies.set("bahasa", "en")
    before = ministry.get("/kementerian/wilayah/purbalingga").text
    assert "Not found" not in before
    admin = ministry  # same client: sign in as Purbalingga's admin in another client would need a second app
    create_account(ministry.database, "admin@purbalingga.test", "tenant_admin", "purbalingga")
    signed_in(admin, "admin@purbalingga.test", "purbalingga")
    assert post(admin, "/purbalingga/admin/kinerja/operasional", month="2026-04", visitors="12345",
                transactions="9876", complaints_received="40", complaints_on_time="30").status_code == 303
    signed_in(ministry, MINISTRY)
    assert "12,345" not in ministry.get("/kementerian/wilayah/purbalingga").text  # not yet recomputed
    refresh(ministry.database, "purbalingga")
    page = ministry.get("/kementerian/wilayah/purbalingga").text
    assert "12,345" in page and "9,876" in page


def test_comparison_of_two_to_four_known_regions(ministry):
    for query, message in [
        ("?w=banyuwangi&w=banyuwangi", "Pilih dua sampai empat daerah"),
        ("?w=banyuwangi&w=bangkalan&w=purbalingga&w=labuhanbatu&w=labuhanbatu&w=x", "Tidak ditemukan: x"),
        ("?w=banyuwangi&w=bangkalan&w=purbalingga&w=labuhanbatu&w=Kabupaten+Purbalingga&w=banyuwangi", None),
        ("?w=banyuwangi&w=atlantis", "Tidak ditemukan: atlantis"),
    ]:
        response = ministry.get(f"/kementerian/bandingkan{query}")
        if message is None:
            assert response.status_code == 200, query
            continue
        assert response.status_code == 422, query
        assert message in response.text and 'aria-invalid="true"' in response.text and 'role="alert"' in response.text
    page = ministry.get("/kementerian/bandingkan?w=Kabupaten+Banyuwangi&w=bangkalan&w=labuhanbatu").text
    assert page.count('role="img"') == 2
    head = page.split("Indikator berdampingan", 1)[1].split("</thead>", 1)[0]
    assert head.index("Banyuwangi") < head.index("Bangkalan") < head.index("Labuhanbatu")


def test_the_ministry_verifies_a_self_assessment(verifier):
    ministry = verifier
    response = post(ministry, "/kementerian/wilayah/bangkalan/ipp/2025/verifikasi", verified="1")
    assert response.status_code == 303
    refresh(ministry.database, "bangkalan")
    page = ministry.get("/kementerian/wilayah/bangkalan").text
    assert "Batalkan verifikasi 2025" in page and "diverifikasi kementerian" in page
    assert post(ministry, "/kementerian/wilayah/bangkalan/ipp/1999/verifikasi", verified="1").status_code == 404
    # the region sees who verified it in its audit log, and any change withdraws the verification
    create_account(ministry.database, ADMIN_B, "tenant_admin", "bangkalan")
    admin = signed_in(ministry, ADMIN_B, "bangkalan")
    log = admin.get("/bangkalan/admin/audit").text
    assert VERIFIER in log and "Evaluasi mandiri diverifikasi" in log
    assert post(admin, "/bangkalan/admin/kinerja/evaluasi", year="2025", kebijakan="4", sdm="4", sarpras="4",
                sipp="4", pengaduan="4", inovasi="4,5").status_code == 303
    assert "<td>Ya</td>" not in admin.get("/bangkalan/admin/kinerja/evaluasi").text.split("<tbody>", 1)[1].split("</tbody>")[0]


def _definitions_show_the_formulas_and_the_data_file(ministry) -> None:
    page = ministry.get("/kementerian/definisi").text
    for text in ("× 1/9 × 25", "88,31", "76,61", "65,00", "Pelayanan Prima", "4,51", "24%", "25%", "18%", "11%",
                 "10%", "12%", "29/2022"):
        assert text in page, text
    for ind in INDICATORS:
        assert f'id="{ind.name}"' in page


def test_odd_addresses_never_fail_with_a_server_error(verifier):
    ministry = verifier
    odd = ["/kementerian/?halaman=-1", "/kementerian/?halaman=99999999999", "/kementerian/?arah=%00&urut=%3Cscript%3E",
           "/kementerian/?provinsi=" + "x" * 500, "/kementerian/indikator/" + "x" * 300,
           "/kementerian/wilayah/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/kementerian/bandingkan?" + "&".join(["w=a"] * 50),
           "/kementerian/bandingkan?w=&w=", "/kementerian/ekspor.csv?kolom=%FF", "/kementerian/wilayah/bangkalan/ipp/x/verifikasi",
           "/kementerian/wilayah/%00", "/kementerian/wilayah/bangkalan%00", "/kementerian/?provinsi=%00",
           "/kementerian/bandingkan?w=%00&w=bangkalan"]
    for path in odd:
        response = ministry.get(path)
        assert response.status_code < 500, path
        assert "<script>alert" not in response.text
    assert post(ministry, "/kementerian/wilayah/atlantis/ipp/2025/verifikasi", verified="1").status_code == 404
    assert post(ministry, "/kementerian/wilayah/bang%00kalan/ipp/2025/verifikasi", verified="1").status_code == 404
    assert post(ministry, "/kementerian/wilayah/bangkalan/ipp/abc/verifikasi").status_code in (400, 404)
