"""What a regency reports: survey results, evaluation, monthly figures. Validated, audited, isolated,
and a refused upload changes nothing."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select, text

from satupintu.audit.models import AuditEntry
from satupintu.benchmarks import formulas
from satupintu.benchmarks.models import MonthlyOperations, ServiceEvaluation, SurveyResult
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from tests.benchmarks.conftest import ADMIN_A, post, refresh, signed_in
from tests.conftest import run

BASE = "/banyuwangi/admin/kinerja"
HEADER = "Nama Responden;NIK;No HP;Umur;U1;U2;U3;U4;U5;U6;U7;U8;U9"
ANSWERS = [
    "Budi Santoso;3510011203850001;081234567890;41;4;3;3;4;4;3;4;3;3",
    "Siti Aminah;3510015507900002;081298765432;35;3;3;4;4;3;4;4;3;2",
    "Agus Salim;3510010101700003;085612345678;56;4;4;3;4;4;4;4;4;3",
    "Dewi Lestari;3510014404950004;087811112222;29;3;3;2;4;4;3;3;2;3",
]


def survey_file(*lines: str) -> dict:
    return {"file": ("skm-2026.csv", ("\n".join(lines) + "\n").encode(), "text/csv")}


async def _state(url: str, slug: str) -> dict:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant = await tenants_service.get_by_slug(session, slug)
    out = {}
    async with tenant_session(maker, tenant.id) as session:
        for model in (SurveyResult, ServiceEvaluation, MonthlyOperations, AuditEntry):
            out[model.__name__] = await session.scalar(select(func.count()).select_from(model))
        out["surveys"] = {r.period: r for r in (await session.scalars(select(SurveyResult))).all()}
        out["evaluations"] = {r.year: r for r in (await session.scalars(select(ServiceEvaluation))).all()}
        out["months"] = {r.month: r for r in (await session.scalars(select(MonthlyOperations))).all()}
        out["audit"] = list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())
    await engine.dispose()
    return out


def state(client, slug: str = "banyuwangi") -> dict:
    return run(_state(client.database.url, slug))


def counts(client, slug: str = "banyuwangi") -> tuple:
    found = state(client, slug)
    return tuple(found[m] for m in ("SurveyResult", "ServiceEvaluation", "MonthlyOperations", "AuditEntry"))


def test_every_page_opens_and_odd_requests_never_fail(admin):
    for path in ("/", "/survei", "/evaluasi", "/operasional"):
        response = admin.get(BASE + path)
        assert response.status_code == 200, path
        assert 'aria-current="true">Kinerja' in response.text
    _odd_requests_never_fail_with_a_server_error(admin)


def test_raw_answers_are_reduced_to_totals_and_give_the_same_ikm_as_the_summary(admin):
    response = post(admin, f"{BASE}/survei/jawaban", period="2025-s1", files=survey_file(HEADER, *ANSWERS))
    assert response.status_code == 303, response.text[-2000:]
    found = state(admin)
    raw = found["surveys"]["2025-S1"]
    assert (raw.source, raw.respondents) == ("responses", 4)
    averages = [Fraction(t, 10_000 * 4) for t in raw.totals]
    assert averages[0] == Fraction(14, 4)
    entry = found["audit"][-1]
    assert (entry.actor, entry.action, entry.entity, entry.entity_key) == (ADMIN_A, "create", "survey", "2025-S1")
    assert entry.after["ignored_columns"] == ["Nama Responden", "NIK", "No HP", "Umur"]

    summary = {f"u{i + 1}": str(float(a)).replace(".", ",") for i, a in enumerate(averages)}
    assert post(admin, f"{BASE}/survei/ringkasan", s_period="2025-S2", respondents="4", **summary).status_code == 303
    found = state(admin)
    ikm_raw = formulas.ikm([Fraction(t, 40_000) for t in found["surveys"]["2025-S1"].totals])
    ikm_summary = formulas.ikm([Fraction(t, 40_000) for t in found["surveys"]["2025-S2"].totals])
    assert ikm_raw == ikm_summary == Fraction(sum(raw.totals), 40_000 * 9) * 25
    page = admin.get(f"{BASE}/survei").text
    assert page.count(str(formulas.round2(ikm_raw)).replace(".", ",")) == 2
    assert "Budi" not in page and "3510011203850001" not in page
    _nothing_personal_is_stored(admin)


async def _raw_columns(url: str) -> list[tuple]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM skm_results"))).all()
    await engine.dispose()
    return [tuple(r) for r in rows]


def _nothing_personal_is_stored(admin) -> None:
    stored = repr(run(_raw_columns(admin.database.owner_url)))
    for secret in ("Budi", "3510011203850001", "081234567890", "Siti"):
        assert secret not in stored


BAD_UPLOADS = [
    ("wrong columns", "2026-S1", survey_file("Nama,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9", "Budi,4,4,4,4,4,4,4,4,4"),
     ["Baris 1", "Kolom tidak ada: U1, U2, U3, U4, U5, U6, U7, U8, U9."]),
    ("score outside 1 to 4", "2026-S1", survey_file(HEADER, ANSWERS[0], ANSWERS[1].replace(";4;4;3;2", ";5;4;3;2")),
     ["Baris 3", "U6 harus bilangan bulat dari 1 sampai 4."]),
    ("empty file", "2026-S1", {"file": ("kosong.csv", b"", "text/csv")}, ["Berkas kosong."]),
    ("not UTF-8", "2026-S1", {"file": ("skm.csv", (HEADER + "\n" + ANSWERS[0].replace("Budi", "Budé") + "\n")
                                       .encode("latin-1"), "text/csv")}, ["Baris 2", "bukan teks UTF-8"]),
    ("too large", "2026-S1", {"file": ("besar.csv", b"U1,U2,U3,U4,U5,U6,U7,U8,U9,catatan\n" +
                                       b"4,4,4,4,4,4,4,4,4," + b"x" * 1_100_000 + b"\n", "text/csv")},
     ["lebih besar dari 1 MB"]),
    ("no file", "2026-S1", None, ["Pilih berkas survei (CSV)."]),
    ("bad period", "semester satu", survey_file(HEADER, *ANSWERS), ["Tuliskan periode sebagai tahun"]),
    ("future period", "2099-S1", survey_file(HEADER, *ANSWERS), ["Periode ini belum dimulai."]),
]


def test_bad_uploads_are_refused_with_row_and_reason_and_change_nothing(admin):
    before = counts(admin)
    for case, period, files, messages in BAD_UPLOADS:
        response = post(admin, f"{BASE}/survei/jawaban", period=period, files=files)
        assert response.status_code == 422, case
        assert 'role="alert"' in response.text, case
        for message in messages:
            assert message in response.text, (case, message)
        assert "Budi" not in response.text and "3510011203850001" not in response.text, case
    assert counts(admin) == before


def test_bad_summaries_change_nothing_and_periods_can_be_replaced(admin):
    before = counts(admin)
    for field, value, message in [("u3", "4,5", "Rata-rata bernilai antara 1 dan 4."),
                                  ("respondents", "0", "Isi dengan angka dari 1"),
                                  ("s_period", "", "Isian ini wajib diisi.")]:
        data = {"s_period": "2026-S1", "respondents": "120", **{f"u{i}": "3,2" for i in range(1, 10)}, field: value}
        response = post(admin, f"{BASE}/survei/ringkasan", **data)
        assert response.status_code == 422 and message in response.text and 'aria-invalid="true"' in response.text
    assert counts(admin) == before
    _a_survey_period_can_be_replaced_and_deleted(admin)


def _a_survey_period_can_be_replaced_and_deleted(admin) -> None:
    assert post(admin, f"{BASE}/survei/ringkasan", s_period="2025", respondents="10",
                **{f"u{i}": "3" for i in range(1, 10)}).status_code == 303
    assert post(admin, f"{BASE}/survei/ringkasan", s_period="2025", respondents="20",
                **{f"u{i}": "4" for i in range(1, 10)}).status_code == 303
    assert state(admin)["surveys"]["2025"].respondents == 20
    assert post(admin, f"{BASE}/survei/2025/hapus").status_code == 303
    assert "2025" not in state(admin)["surveys"]
    assert [e.action for e in state(admin)["audit"] if e.entity == "survey"][-3:] == ["create", "update", "delete"]
    assert post(admin, f"{BASE}/survei/2025/hapus").status_code == 404


def test_evaluation_self_assessment(admin):
    scores = {"kebijakan": "4,5", "sdm": "4", "sarpras": "3,5", "sipp": "4", "pengaduan": "5", "inovasi": "3"}
    assert post(admin, f"{BASE}/evaluasi", year="2025", notes="Bukti: https://mpp.banyuwangikab.go.id/ipp\x00",
                **scores).status_code == 422  # forms refuse NUL and control characters
    assert post(admin, f"{BASE}/evaluasi", year="2025", notes="Bukti: https://mpp.banyuwangikab.go.id/ipp",
                **scores).status_code == 303
    page = admin.get(f"{BASE}/evaluasi").text
    assert "4,01" in page and "A- (Sangat Baik)" in page
    row = state(admin)["evaluations"][2025]
    assert row.notes == "Bukti: https://mpp.banyuwangikab.go.id/ipp"
    assert row.scores == {"kebijakan": 450, "sdm": 400, "sarpras": 350, "sipp": 400, "pengaduan": 500, "inovasi": 300}
    for field, value, message in [("sdm", "5,5", "Nilai berada antara 0 dan 5."), ("sipp", "4,125", "Paling banyak dua"),
                                  ("year", "2099", "Isi dengan angka dari 2015"), ("inovasi", "", "wajib diisi")]:
        before = counts(admin)
        response = post(admin, f"{BASE}/evaluasi", **{"year": "2024", **scores, field: value})
        assert response.status_code == 422 and message in response.text, field
        assert counts(admin) == before


def test_monthly_figures(admin):
    figures = {"visitors": "15.230", "transactions": "12100", "complaints_received": "42", "complaints_on_time": "40"}
    assert post(admin, f"{BASE}/operasional", month="2026-03", **figures).status_code == 303
    row = state(admin)["months"]["2026-03"]
    assert (row.visitors, row.transactions, row.complaints_received, row.complaints_on_time) == (15230, 12100, 42, 40)
    for field, value, message in [("complaints_on_time", "43", "Tidak boleh lebih banyak dari pengaduan"),
                                  ("month", "2099-01", "Bulan ini belum dimulai."), ("month", "Maret", "TTTT-BB"),
                                  ("visitors", "-1", "Isi dengan angka dari 0")]:
        before = counts(admin)
        response = post(admin, f"{BASE}/operasional", **{"month": "2026-02", **figures, field: value})
        assert response.status_code == 422 and message in response.text, field
        assert counts(admin) == before
    assert post(admin, f"{BASE}/operasional/2026-03/hapus").status_code == 303
    assert "2026-03" not in state(admin)["months"]


def test_a_region_cannot_see_or_change_another_regions_reports(client, people):
    other = signed_in(client, people["admin_b"], "bangkalan")
    assert post(other, "/bangkalan/admin/kinerja/survei/ringkasan", s_period="2024-Q4", respondents="77",
                **{f"u{i}": "2,5" for i in range(1, 10)}).status_code == 303
    assert post(other, "/bangkalan/admin/kinerja/operasional", month="2024-11", visitors="4321", transactions="1",
                complaints_received="0", complaints_on_time="0").status_code == 303
    client.post("/bangkalan/keluar", data={"_csrf_token": other.token})
    admin = signed_in(client, people["admin_a"], "banyuwangi")
    before = (counts(admin, "bangkalan"), counts(admin))
    for path in ("/", "/survei", "/evaluasi", "/operasional"):
        assert admin.get(f"/bangkalan/admin/kinerja{path}").status_code == 403
    for path, data in [("/survei/ringkasan", {"s_period": "2024-Q4", "respondents": "1", **{f"u{i}": "4" for i in range(1, 10)}}),
                       ("/survei/2024-Q4/hapus", {}), ("/evaluasi", {"year": "2025", "kebijakan": "5"}),
                       ("/evaluasi/2025/hapus", {}), ("/operasional/2024-11/hapus", {}),
                       ("/operasional", {"month": "2024-11", "visitors": "1"})]:
        assert post(admin, f"/bangkalan/admin/kinerja{path}", **data).status_code == 403, path
    assert post(admin, "/bangkalan/admin/kinerja/survei/jawaban", period="2024-Q4",
                files=survey_file(HEADER, *ANSWERS)).status_code == 403
    # its own pages show only its own reports
    assert "2024" not in admin.get(f"{BASE}/survei").text.split("<tbody>", 1)[1]
    assert "4.321" not in admin.get(f"{BASE}/operasional").text
    # and Bangkalan's admin cannot delete Banyuwangi's seeded period through its own address either
    assert post(admin, f"{BASE}/survei/2024-Q4/hapus").status_code == 404
    assert (counts(admin, "bangkalan"), counts(admin)) == before


def test_position_against_the_national_distribution(admin):
    refresh(admin.database)
    page = admin.get(f"{BASE}/").text
    assert "Posisi Kabupaten Banyuwangi" in page
    for other in ("Bangkalan", "Purbalingga", "Labuhanbatu"):
        assert other not in page
    assert "dari 4" not in page, "four live regions: no rank (see test_position.py for five)"


def _odd_requests_never_fail_with_a_server_error(admin) -> None:
    for path, data in [("/survei/jawaban", {"period": "2025"}), ("/survei/ringkasan", {"respondents": "x" * 50}),
                       ("/evaluasi", {"year": "dua ribu"}), ("/operasional", {"month": "2026-02-30"}),
                       ("/survei/%00/hapus", {}), ("/operasional/" + "9" * 40 + "/hapus", {}),
                       ("/operasional/2026-0%00/hapus", {}), ("/survei/2026-S1%00/hapus", {}),
                       ("/survei/ringkasan", {"s_period": "2025\x00", "respondents": "3"}),
                       ("/operasional", {"month": "2026-0\x00", "visitors": "1"}),
                       ("/evaluasi", {"year": "2025", "notes": "bukti\x00", "kebijakan": "9"})]:
        response = post(admin, BASE + path, **data)  # form-encoded, also where a file is expected
        assert response.status_code in (400, 404, 422), path
    two_files = {"file": [("a.csv", b"U1\n1\n", "text/csv"), ("b.csv", b"U1\n1\n", "text/csv")]}
    response = admin.post(f"{BASE}/survei/jawaban", data={"_csrf_token": admin.token, "period": "2025"},
                          files=[("file", f) for f in two_files["file"]], follow_redirects=False)
    assert response.status_code in (400, 422)
