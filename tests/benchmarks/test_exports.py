"""Exports never hand a spreadsheet a formula, whichever delimiter the spreadsheet splits cells on."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from satupintu.benchmarks.exports import to_csv, to_xlsx

HOSTILE = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "Kota Contoh;=HYPERLINK(\"x\")",
           "Kabupaten, =1", "a\t+b", "a;  \"=1"]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_csv_cell_starts_a_formula_whatever_the_delimiter(delimiter):
    text = to_csv(["Daerah"], [[value] for value in HOSTILE]).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text.replace(",", delimiter) if delimiter != "," else text),
                          delimiter=delimiter):
        for cell in row:
            for part in cell.replace(";", "\n").replace(",", "\n").replace("\t", "\n").split("\n"):
                assert not part.lstrip(" \"'").startswith(FORMULA) or part.lstrip(" \"").startswith("'"), repr(cell)


def test_no_xlsx_cell_is_a_formula():
    sheet = load_workbook(io.BytesIO(to_xlsx("Uji", ["Daerah"], [[value] for value in HOSTILE]))).active
    for (cell,) in sheet.iter_rows(min_row=2):
        assert cell.data_type == "s", repr(cell.value)  # text, never a formula
    assert to_csv(["n"], [[-5]]).decode("utf-8-sig").splitlines()[1] == "-5", "numbers stay numbers"
