"""Bahasa Indonesia first, English second.

Message ids in code and templates are English; ``locale/id`` translates every one of them (a
test keeps it complete) and English needs no catalogue. The ``.po`` files are compiled in
memory at start-up, so no binary ``.mo`` file lives in the tree and no build step can be missed.
"""

from __future__ import annotations

import contextvars
import functools
import io
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "bahasa"

current_locale: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default=DEFAULT_LOCALE)


@functools.cache
def translations(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(message: str) -> str:
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated where it is shown."""
    return message


def pick_locale(cookie: str | None, accept_language: str | None) -> str:
    """The visitor's explicit choice wins; then the browser's languages; then Indonesian."""
    if cookie in LOCALES:
        return cookie
    if accept_language:
        wanted = [part.split(";")[0].strip().replace("-", "_") for part in accept_language.split(",")]
        chosen = negotiate_locale([w for w in wanted if w], LOCALES, sep="_")
        if chosen:
            return chosen
        for item in wanted:
            base = item.split("_")[0].lower()
            if base in LOCALES:
                return base
    return DEFAULT_LOCALE


FORMATTED = 4096
"""Amounts, numbers and durations remembered per language, formatted: a catalogue page shows two per
service, and Babel takes 10-20 microseconds for each, so a regency's first catalogue page spent most
of its rendering there. Fees and times take few distinct values."""


def rupiah(amount: int) -> str:
    """Rp50.000 in Indonesian, IDR 50,000 in English; zero is 'Gratis' / 'Free'."""
    return _rupiah(amount, current_locale.get())


@functools.lru_cache(maxsize=FORMATTED)
def _rupiah(amount: int, locale: str) -> str:
    if not amount:
        return gettext("Free")
    return format_currency(amount, "IDR", format="¤#,##0", locale="id_ID" if locale == "id" else "en_US",
                           currency_digits=False).replace("\xa0", "")


def number(value: float | int) -> str:
    return _number(value, current_locale.get())


@functools.lru_cache(maxsize=FORMATTED)
def _number(value: float | int, locale: str) -> str:
    return format_decimal(value, locale="id_ID" if locale == "id" else "en_US")


def language_name(code: str) -> str:
    return Locale.parse(code).get_display_name(code).capitalize()


def day_name(code: str) -> str:
    """Pack files name days in Indonesian (senin..minggu); show them in the visitor's language."""
    names = {
        "senin": gettext("Monday"), "selasa": gettext("Tuesday"), "rabu": gettext("Wednesday"),
        "kamis": gettext("Thursday"), "jumat": gettext("Friday"), "sabtu": gettext("Saturday"),
        "minggu": gettext("Sunday"),
    }
    return names.get(code, code)


def duration(value: int, unit: str) -> str:
    """A completion time in one style: whole hours rather than 60, 120... minutes; working days as days."""
    return _duration(value, unit, current_locale.get())


@functools.lru_cache(maxsize=FORMATTED)
def _duration(value: int, unit: str, _locale: str) -> str:
    if unit == "menit" and value >= 60 and value % 60 == 0:
        value, unit = value // 60, "jam"
    return f"{number(value)} {unit_name(unit, value)}"


def unit_name(code: str, value: int = 2) -> str:
    names = {
        "menit": ngettext("minute", "minutes", value),
        "jam": ngettext("hour", "hours", value),
        "hari": ngettext("working day", "working days", value),
    }
    return names.get(code, code)


def long_date(moment: object) -> str:
    """A date written out in the reader's language ("6 Desember 2026"); empty for none."""
    from babel.dates import format_date

    if moment is None:
        return ""
    return format_date(moment, format="long", locale="id_ID" if current_locale.get() == "id" else "en_GB")
