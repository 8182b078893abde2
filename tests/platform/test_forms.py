"""Reading form input: numbers as people write them, and nothing else."""

from __future__ import annotations

import pytest

from satupintu.forms import Form


@pytest.mark.parametrize(("text", "number"), [
    ("15", 15), ("30.000", 30000), ("1.250.000", 1250000), ("30 000", 30000), (" 7 ", 7), ("-5", -5),
])
def test_whole_numbers_and_thousands_separators_are_read(text, number):
    form = Form({"n": text})
    assert form.integer("n", minimum=-10) == number
    assert form.errors == {}


@pytest.mark.parametrize("text", ["1.5", "1,5", "15.00", "1.2.3", "3.0000", "12 5", "lima", "1e3"])
def test_a_decimal_or_a_malformed_number_is_refused_not_misread(text):
    form = Form({"n": text})
    assert form.integer("n") is None
    assert form.errors == {"n": "Isi dengan bilangan bulat."}
