"""NIK validation: 16 digits, a region prefix from the official list, a birth date (+40 for women)."""

from __future__ import annotations

from datetime import date

import pytest

from satupintu.applications import nik
from satupintu.i18n import current_locale


def test_a_man_and_a_woman_of_banyuwangi():
    man = nik.validate("3510011708850001")
    assert (man.region.name, man.birth_date, man.female) == ("Kabupaten Banyuwangi", date(1985, 8, 17), False)
    woman = nik.validate("35.1001-5708850001 ")  # separators as people write them
    assert (woman.number, woman.birth_date, woman.female) == ("3510015708850001", date(1985, 8, 17), True)
    assert "3510015708850001" not in repr(woman)


@pytest.mark.parametrize(("number", "indonesian", "english"), [
    ("9910011708850001", "bukan kode kabupaten atau kota", "not a kabupaten or kota"),  # no such region
    ("3599011708850001", "bukan kode kabupaten atau kota", "not a kabupaten or kota"),  # province yes, regency no
    ("3510013208850001", "bukan tanggal lahir", "not a birth date"),  # day 32
    ("3510017213850001", "bukan tanggal lahir", "not a birth date"),  # a woman's day 32, month 13
    ("3510013002850001", "bukan tanggal lahir", "not a birth date"),  # 30 February
    ("351001170885001", "16 digit", "16 digits"),  # 15 digits
    ("35100117088500012", "16 digit", "16 digits"),  # 17 digits
    ("35100117O8850001", "hanya berisi angka", "only digits"),
])
def test_what_is_refused_is_named_in_the_readers_language(number, indonesian, english):
    for language, expected in (("id", indonesian), ("en", english)):
        token = current_locale.set(language)
        try:
            with pytest.raises(nik.BadNik) as refused:
                nik.validate(number)
        finally:
            current_locale.reset(token)
        assert expected in str(refused.value)
        assert number not in str(refused.value)


def test_the_mask_keeps_the_region_and_two_digits():
    assert nik.mask("3510015708850001") == "3510••••••••••01"
