"""IKM (PermenPANRB 14/2017) and IPP (PermenPANRB 29/2022) against hand-computed examples and boundaries."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from satupintu.benchmarks import formulas
from satupintu.datafiles import DataFileError


def D(text: str) -> Decimal:  # noqa: N802 - reads like the regulation's numbers
    return Decimal(text)


def test_every_element_weighs_exactly_one_ninth():
    assert formulas.ELEMENT_WEIGHT == Fraction(1, 9)
    # All answers "very good": exactly 100. The regulation's printed 0,11 would give 99.00.
    assert formulas.ikm([4] * 9) == 100
    assert sum(D("4") * D("0.11") for _ in range(9)) * 25 == D("99.00")
    assert formulas.ikm([1] * 9) == 25


def test_hand_computed_ikm():
    # NRR 3,2 3,1 3,0 3,4 3,3 3,5 3,6 3,2 3,1: sum 29,4; 29,4 x 1/9 = 3,2667; x 25 = 81,67 (B, Baik).
    averages = [D(v) for v in ("3.2", "3.1", "3.0", "3.4", "3.3", "3.5", "3.6", "3.2", "3.1")]
    value = formulas.ikm(averages)
    assert value == Fraction(735, 9)
    assert formulas.round2(value) == D("81.67")
    assert formulas.ikm_grade(value).letter == "B"
    # the rounded weight would have given 80.85 instead
    assert sum(a * D("0.11") for a in averages) * 25 == D("80.850")


def test_ikm_from_totals_matches_the_averages():
    # four respondents: element totals 14, 13, 12, 16, 15, 13, 14, 12, 11
    totals = [14, 13, 12, 16, 15, 13, 14, 12, 11]
    averages = formulas.element_averages(totals, 4)
    assert averages[0] == Fraction(7, 2)
    assert formulas.ikm(averages) == Fraction(sum(totals), 4) / 9 * 25


@pytest.mark.parametrize(("nrr", "ikm", "grade"), [
    # the regulation's interval boundaries on both scales: NI 3,5324 / NIK 88,31 and so on
    ("3.5324", "88.31", "A"), ("3.5320", "88.30", "B"),
    ("3.0644", "76.61", "B"), ("3.0640", "76.60", "C"),
    ("2.6000", "65.00", "C"), ("2.5996", "64.99", "D"),
    ("4", "100.00", "A"), ("1", "25.00", "D"),
])
def test_interval_boundaries(nrr, ikm, grade):
    value = formulas.ikm([D(nrr)] * 9)
    assert formulas.round2(value) == D(ikm)
    assert formulas.ikm_grade(value).letter == grade
    assert formulas.ikm_grade(D(ikm)).letter == grade


@pytest.mark.parametrize(("value", "grade"), [
    ("88.31", "A"), ("88.30", "B"), ("88.305", "A"), ("88.3049", "B"),
    ("76.61", "B"), ("76.6099", "B"), ("76.6049", "C"), ("76.60", "C"),
    ("65.00", "C"), ("64.995", "C"), ("64.99", "D"), ("25", "D"),
])
def test_grade_is_taken_on_the_value_rounded_to_two_decimals(value, grade):
    assert formulas.ikm_grade(D(value)).letter == grade


def test_grade_labels_follow_the_regulation():
    assert [(g.letter, g.label, g.lower) for g in formulas.IKM_GRADES] == [
        ("A", "Very good", D("88.31")), ("B", "Good", D("76.61")), ("C", "Poor", D("65.00")), ("D", "Bad", D("25.00"))]


def test_rounding_is_exact_half_up():
    assert formulas.round2(Fraction(88305, 1000)) == D("88.31")
    assert formulas.round2(Fraction(883049, 10000)) == D("88.30")
    assert formulas.round2(Fraction(2, 3)) == D("0.67")
    assert formulas.round2(0) == D("0.00")


@pytest.mark.parametrize("bad", [[4] * 8, [0] + [4] * 8, [5] + [4] * 8])
def test_ikm_refuses_impossible_averages(bad):
    with pytest.raises(ValueError):
        formulas.ikm(bad)


def test_ipp_weights_come_from_the_data_file_and_sum_to_one():
    rules = formulas.ipp_rules()
    assert [(a.key, a.percent) for a in rules.aspects] == [
        ("kebijakan", 24), ("sdm", 25), ("sarpras", 18), ("sipp", 11), ("pengaduan", 10), ("inovasi", 12)]
    assert sum(a.weight for a in rules.aspects) == 1
    assert "29/2022" in rules.regulation


def test_hand_computed_ipp():
    # 0,24 x 4,5 + 0,25 x 4 + 0,18 x 3,5 + 0,11 x 4 + 0,10 x 5 + 0,12 x 3
    # = 1,08 + 1,00 + 0,63 + 0,44 + 0,50 + 0,36 = 4,01: just "A-, Sangat Baik"
    scores = {"kebijakan": D("4.5"), "sdm": 4, "sarpras": D("3.5"), "sipp": 4, "pengaduan": 5, "inovasi": 3}
    value = formulas.ipp_index(scores)
    assert value == D("4.01")
    assert formulas.ipp_category(value).code == "A-"
    only_policy = formulas.ipp_index({"kebijakan": 5, "sdm": 0, "sarpras": 0, "sipp": 0, "pengaduan": 0, "inovasi": 0})
    assert only_policy == D("1.20") and formulas.ipp_category(only_policy).code == "E"
    assert formulas.ipp_index({k: 5 for k in formulas.ipp_rules().keys}) == 5


@pytest.mark.parametrize(("value", "code"), [
    ("5", "A"), ("4.51", "A"), ("4.50", "A-"), ("4.505", "A"), ("4.01", "A-"), ("4.00", "B"), ("3.51", "B"),
    ("3.50", "B-"), ("3.01", "B-"), ("3.00", "C"), ("2.51", "C"), ("2.50", "C-"), ("2.01", "C-"), ("2.00", "D"),
    ("1.51", "D"), ("1.50", "E"), ("1.01", "E"), ("1.00", "F"), ("0", "F"),
])
def test_ipp_category_boundaries(value, code):
    assert formulas.ipp_category(D(value)).code == code


def test_ipp_category_names():
    names = {c.code: c.name_id for c in formulas.ipp_rules().categories}
    assert names["A"] == "Pelayanan Prima" and names["A-"] == "Sangat Baik" and names["F"] == "Gagal"


@pytest.mark.parametrize("scores", [
    {"kebijakan": 6, "sdm": 4, "sarpras": 4, "sipp": 4, "pengaduan": 4, "inovasi": 4},
    {"kebijakan": -1, "sdm": 4, "sarpras": 4, "sipp": 4, "pengaduan": 4, "inovasi": 4},
    {"kebijakan": 4, "sdm": 4},
])
def test_ipp_refuses_bad_scores(scores):
    with pytest.raises(ValueError):
        formulas.ipp_index(scores)


def test_a_broken_rules_file_is_named(tmp_path):
    text = formulas.IPP_FILE.read_text(encoding="utf-8").replace('weight = "0.12"', 'weight = "0.13"')
    path = tmp_path / "ipp.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="add up to exactly 1"):
        formulas.ipp_rules(path)
    path.write_text(formulas.IPP_FILE.read_text(encoding="utf-8").replace('weight = "0.12"', "weight = 0.12"))
    with pytest.raises(DataFileError, match="quoted strings"):
        formulas.ipp_rules(path)
