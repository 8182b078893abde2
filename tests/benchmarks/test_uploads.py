"""Reading survey files and summaries: every bad file is refused with the row and the reason, in Indonesian."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from satupintu import i18n
from satupintu.benchmarks import formulas, service

HEADER = "nama,nik,telepon,U1,U2,U3,U4,U5,U6,U7,U8,U9"
ROWS = [
    "Budi Santoso,3510011203850001,081234567890,4,3,3,4,4,3,4,3,3",
    "Siti Aminah,3510015507900002,081298765432,3,3,4,4,3,4,4,3,2",
    "Agus Salim,3510010101700003,085612345678,4,4,3,4,4,4,4,4,3",
    "Dewi Lestari,3510014404950004,087811112222,3,3,2,4,4,3,3,2,3",
]


@pytest.fixture(autouse=True)
def indonesian():
    token = i18n.current_locale.set("id")
    yield
    i18n.current_locale.reset(token)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def test_a_good_file_keeps_totals_only():
    parsed = service.parse_responses(csv_bytes(HEADER, *ROWS))
    assert parsed.respondents == 4
    assert parsed.totals[0] == (4 + 3 + 4 + 3) * 10_000
    assert parsed.ignored_columns == ["nama", "nik", "telepon"]
    assert not any("Budi" in str(v) or "3510" in str(v) for v in vars(parsed).values() if v != parsed.ignored_columns)


def test_raw_answers_and_the_published_summary_give_the_same_ikm():
    parsed = service.parse_responses(csv_bytes(HEADER, *ROWS))
    averages = {f"u{i + 1}": str(Fraction(total, 10_000 * 4)) for i, total in enumerate(parsed.totals)}
    averages = {k: f"{Fraction(v).numerator / Fraction(v).denominator:.4f}".replace(".", ",") for k, v in averages.items()}
    summary, errors = service.parse_summary(4, averages)
    assert errors == {}
    assert summary.ikm == parsed.ikm
    assert formulas.round2(parsed.ikm) == formulas.round2(Fraction(sum(parsed.totals), 10_000 * 4 * 9) * 25)


def test_semicolons_a_bom_blank_lines_and_spaced_headers_are_fine():
    text = "\ufeffU1;U2;U3;U4;U5;U6;U7;U8;U 9;Layanan\n\n4;4;4;4;4;4;4;4;4;KTP\n1;1;1;1;1;1;1;1;1;KK\n"
    parsed = service.parse_responses(text.encode("utf-8"))
    assert parsed.respondents == 2 and formulas.round2(parsed.ikm) == 62.5


def refused(raw: bytes) -> service.UploadRefused:
    with pytest.raises(service.UploadRefused) as info:
        service.parse_responses(raw)
    return info.value


def test_empty_file():
    problem = refused(b"").problems[0]
    assert problem.row is None and problem.message == "Berkas kosong."
    assert refused(b"  \n\n").problems[0].message == "Berkas kosong."
    assert "tidak ada responden" in refused(csv_bytes("U1,U2,U3,U4,U5,U6,U7,U8,U9")).problems[0].message


def test_wrong_columns():
    problem = refused(csv_bytes("nama,P1,P2,P3,U4,U5,U6,U7,U8,U9", "Budi,4,4,4,4,4,4,4,4,4")).problems[0]
    assert problem.row == 1
    assert problem.message.startswith("Kolom tidak ada: U1, U2, U3.")
    twice = refused(csv_bytes("U1,U2,U3,U4,U5,U6,U7,U8,U9,u1", "4,4,4,4,4,4,4,4,4,4")).problems[0]
    assert twice.row == 1 and "U1 muncul dua kali" in twice.message


def test_scores_outside_one_to_four_name_row_and_element_but_not_the_cell():
    error = refused(csv_bytes(HEADER, ROWS[0], ROWS[1].replace(",4,4,3,2", ",5,4,3,2"),
                              ROWS[2].replace(",4,4,4,3", ",0,4,4,3"), ROWS[3].replace(",3,3,2,3", ",3,x,2,3")))
    assert [(p.row, p.message) for p in error.problems] == [
        (3, "U6 harus bilangan bulat dari 1 sampai 4."),
        (4, "U6 harus bilangan bulat dari 1 sampai 4."),
        (5, "U7 harus bilangan bulat dari 1 sampai 4."),
    ]
    decimal = refused(csv_bytes("U1,U2,U3,U4,U5,U6,U7,U8,U9", "3.5,4,4,4,4,4,4,4,4")).problems[0]
    assert decimal.row == 2 and "U1" in decimal.message
    empty = refused(csv_bytes("U1,U2,U3,U4,U5,U6,U7,U8,U9", "4,4,4,4,4,4,4,4")).problems[0]
    assert empty.row == 2 and "U9 kosong" in empty.message
    assert "3510" not in str(error) and "Budi" not in str(error)


def test_many_problems_are_capped_and_counted():
    error = refused(csv_bytes("U1,U2,U3,U4,U5,U6,U7,U8,U9", *["9,9,9,4,4,4,4,4,4"] * 10))
    assert len(error.problems) == service.MAX_PROBLEMS and error.more == 10


def test_not_utf8():
    problem = refused(csv_bytes("U1,U2,U3,U4,U5,U6,U7,U8,U9,nama", "4,4,4,4,4,4,4,4,4,Ibu Sri Wahyuni",
                                "4,4,4,4,4,4,4,4,4,Pak Dédé", encoding="latin-1")).problems[0]
    assert problem.row == 3 and "bukan teks UTF-8" in problem.message and "CSV UTF-8" in problem.message


def test_not_a_text_file():
    assert "bukan berkas teks CSV" in refused(b"PK\x03\x04\x00\x00binary").problems[0].message


def test_too_large():
    line = "4,4,4,4,4,4,4,4,4," + "x" * 200
    raw = csv_bytes("U1,U2,U3,U4,U5,U6,U7,U8,U9,catatan", *[line] * 5_000)
    assert len(raw) > service.MAX_UPLOAD_BYTES
    assert "lebih besar dari 1 MB" in refused(raw).problems[0].message


def test_too_many_respondents(monkeypatch):
    monkeypatch.setattr(service, "MAX_RESPONDENTS", 3)
    assert "Paling banyak 3 responden" in refused(csv_bytes(HEADER, *ROWS)).problems[0].message


@pytest.mark.parametrize(("field", "value", "message"), [
    ("u1", "", "Isian ini wajib diisi."),
    ("u2", "4,5", "Rata-rata bernilai antara 1 dan 4."),
    ("u3", "0,99", "Rata-rata bernilai antara 1 dan 4."),
    ("u4", "tiga", "Isi rata-ratanya, misalnya 3,45."),
    ("u5", "3,12345", "Paling banyak empat angka desimal."),
])
def test_bad_summaries(field, value, message):
    averages = {f"u{i}": "3,5" for i in range(1, 10)}
    averages[field] = value
    _parsed, errors = service.parse_summary(100, averages)
    assert errors == {field: message}


@pytest.mark.parametrize(("text", "expected"), [
    ("2026", "2026"), ("2026-s1", "2026-S1"), ("2026 Q3", "2025-Q3".replace("2025", "2026")), ("2026/05", "2026-05"),
])
def test_periods(text, expected):
    assert service.check_period(text, today=date(2026, 11, 1)) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("semester 1", "Tuliskan periode"), ("2026-S3", "Tuliskan periode"), ("2026-13", "Tuliskan periode"),
    ("2027", "belum dimulai"), ("2026-12", "belum dimulai"), ("2014", "sebelum 2015"),
])
def test_bad_periods(text, message):
    with pytest.raises(ValueError, match=message):
        service.check_period(text, today=date(2026, 11, 1))


def test_latest_period_is_the_one_that_ends_last():
    from satupintu.benchmarks import periods

    codes = ["2025", "2026-S1", "2026-Q3", "2026-05", "2025-S2"]
    assert max(codes, key=periods.sort_key) == "2026-Q3"
    assert max(["2026", "2026-S2", "2026-12"], key=periods.sort_key) == "2026"
