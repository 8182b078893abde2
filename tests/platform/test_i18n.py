"""Bahasa Indonesia is complete: every message in code and templates has an Indonesian translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from satupintu import i18n

ROOT = Path(__file__).parents[2]


def _extracted() -> set[str]:
    found: set[str] = set()
    for directory, method in ((ROOT / "src", "python"), (ROOT / "templates", "jinja2")):
        mapping = [("**.py", "python")] if method == "python" else [("**.html", "jinja2")]
        options = {"**.html": {"extensions": "jinja2.ext.i18n"}}
        for _file, _line, message, _comments, _context in extract_from_dir(str(directory), mapping, options):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_an_indonesian_translation():
    with (i18n.LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
    messages = _extracted()
    assert len(messages) > 50
    missing = sorted(m for m in messages if not translated.get(m) or translated[m] == ("",) or translated[m] == "")
    assert not missing, f"untranslated into Bahasa Indonesia: {missing}"


@pytest.mark.parametrize(("cookie", "header", "expected"), [
    (None, None, "id"),
    (None, "en-US,en;q=0.9", "en"),
    (None, "id-ID,id;q=0.9,en;q=0.8", "id"),
    (None, "fr-FR,fr;q=0.9", "id"),
    ("en", "id-ID", "en"),
    ("xx", "en", "en"),
])
def test_locale_choice(cookie, header, expected):
    assert i18n.pick_locale(cookie, header) == expected


def test_rupiah_formatting():
    token = i18n.current_locale.set("id")
    try:
        assert i18n.rupiah(0) == "Gratis"
        assert i18n.rupiah(30000) == "Rp30.000"
    finally:
        i18n.current_locale.reset(token)
    token = i18n.current_locale.set("en")
    try:
        assert i18n.rupiah(0) == "Free"
        assert i18n.rupiah(1250000) == "IDR1,250,000"
    finally:
        i18n.current_locale.reset(token)


def test_remembered_amounts_numbers_and_durations_stay_in_their_language():
    """Formatted once per value and language: the same value read in the other language is its own."""
    shown = {}
    for language in ("id", "en", "id", "en"):
        token = i18n.current_locale.set(language)
        try:
            now = (i18n.rupiah(0), i18n.rupiah(350000), i18n.number(1500), i18n.duration(120, "menit"),
                   i18n.duration(1, "hari"))
        finally:
            i18n.current_locale.reset(token)
        assert shown.setdefault(language, now) == now
    assert shown["id"] == ("Gratis", "Rp350.000", "1.500", "2 jam", "1 hari kerja")
    assert shown["en"] == ("Free", "IDR350,000", "1,500", "2 hours", "1 working day")
