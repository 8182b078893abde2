"""Reporting periods as regencies write them: a year, a semester, a quarter or a month.

Surveys are run at least once a year (PermenPANRB 14/2017), many regencies run them per semester
or quarter, some monthly. A period is kept as a short code (2026, 2026-S1, 2026-Q3, 2026-05);
"latest" means the period that ends last, and of two that end on the same day the longer one.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from babel.dates import format_date

from satupintu import i18n

PERIOD_RE = re.compile(r"^(?P<year>20\d{2})(?:-(?:S(?P<semester>[12])|Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")
MONTH_RE = re.compile(r"^(20\d{2})-(0[1-9]|1[0-2])$")


def normalise(text: str) -> str:
    """Upper-case the letter and accept a few spellings (2026-s1, 2026/Q3, 2026 S1); ValueError if none fits."""
    cleaned = re.sub(r"[\s/_.]+", "-", text.strip().upper())
    if not PERIOD_RE.match(cleaned):
        raise ValueError(text)
    return cleaned


def bounds(period: str) -> tuple[date, date]:
    """First and last day of a period code."""
    match = PERIOD_RE.match(period)
    if not match:
        raise ValueError(period)
    year = int(match["year"])
    if match["semester"]:
        first_month, months = (1, 6) if match["semester"] == "1" else (7, 6)
    elif match["quarter"]:
        first_month, months = 3 * int(match["quarter"]) - 2, 3
    elif match["month"]:
        first_month, months = int(match["month"]), 1
    else:
        first_month, months = 1, 12
    last_month = first_month + months - 1
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def sort_key(period: str) -> tuple[date, int]:
    start, end = bounds(period)
    return end, (end - start).days


def label(period: str) -> str:
    """The period in the reader's language: "Semester 1 2026", "Triwulan 3 2026", "Mei 2026"."""
    match = PERIOD_RE.match(period)
    if not match:
        return period
    year = int(match["year"])
    if match["semester"]:
        return i18n.gettext("Semester %(n)s %(year)s") % {"n": match["semester"], "year": year}
    if match["quarter"]:
        return i18n.gettext("Quarter %(n)s %(year)s") % {"n": match["quarter"], "year": year}
    if match["month"]:
        return month_label(period)
    return str(year)


def short_label(period: str) -> str:
    """For chart axes: "S1 2026", "TW3 2026", "Mei 2026"."""
    match = PERIOD_RE.match(period)
    if not match:
        return period
    if match["semester"]:
        return i18n.gettext("S%(n)s %(year)s") % {"n": match["semester"], "year": match["year"]}
    if match["quarter"]:
        return i18n.gettext("Q%(n)s %(year)s") % {"n": match["quarter"], "year": match["year"]}
    if match["month"]:
        return month_label(period, short=True)
    return match["year"]


def month_label(month: str, short: bool = False) -> str:
    year, number = map(int, month.split("-"))
    locale = "id_ID" if i18n.current_locale.get() == "id" else "en_GB"
    return format_date(date(year, number, 1), "MMM y" if short else "MMMM y", locale=locale)


def month_code(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
