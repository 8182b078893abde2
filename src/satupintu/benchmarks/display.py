"""How indicator values are shown, and the columns of the overview, shared by the page and its exports.

The overview table and the CSV/XLSX files are built from the same ``Column`` list, with values
rounded the same way, so an export always holds exactly the numbers on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from satupintu import i18n
from satupintu.benchmarks import formulas
from satupintu.benchmarks.indicators import GROUPS, INDICATORS, UNITS, Indicator
from satupintu.benchmarks.models import BenchmarkRollup
from satupintu.i18n import gettext as _

DASH = "—"


def status_label(status: str) -> str:
    names = {"live": _("Live"), "onboarding": _("Onboarding"), "suspended": _("Suspended")}
    return names.get(status, status)


_TO_INDONESIAN = str.maketrans({",": ".", ".": ","})


def fixed(value: float | int | Decimal, precision: int) -> str:
    """A number in the reader's locale with exactly ``precision`` decimals (1.234,5 or 1,234.5).

    Written out by hand rather than with Babel: the overview formats some ten thousand cells at the
    size of Indonesia, and Babel takes about 15 µs a number. The two locales' separators are swapped.
    """
    text = f"{value:,.{precision}f}"
    return text.translate(_TO_INDONESIAN) if i18n.current_locale.get() == "id" else text


def unit_suffix(ind: Indicator) -> str:
    return {"percent": "%"}.get(ind.unit, "")


def show(ind: Indicator, value: Any) -> str:
    """The value as a cell shows it: "—" when missing, Yes/No for flags, the unit's decimals otherwise."""
    rounded = ind.rounded(value)
    if rounded is None:
        return DASH
    if ind.unit == "flag":
        return _("Yes") if rounded else _("No")
    return fixed(rounded, ind.precision) + unit_suffix(ind)


def show_national(ind: Indicator, value: float | None) -> str:
    """The national figure: a median, or for yes/no indicators the share of regions saying yes."""
    if value is None:
        return DASH
    if ind.unit == "flag":
        return _("%(share)s%% yes") % {"share": fixed(value, 1)}
    return show(ind, value)


def header(ind: Indicator) -> str:
    """The indicator's name with its unit, unless the name already says it ("Visitors per month")."""
    label = _(ind.label)
    unit = {"percent": "%", "days": _("working days"), "per_month": _("per month"),
            "minutes": _("minutes")}.get(ind.unit)
    return f"{label} ({unit})" if unit and unit.lower() not in label.lower() else label


def unit_name(ind: Indicator) -> str:
    return _(UNITS[ind.unit])


def ikm_grade_text(value: float | None) -> str:
    grade = formulas.ikm_grade(value)
    return DASH if grade is None else f"{grade.letter} ({_(grade.label)})"


def ipp_category_text(value: float | None) -> str:
    category = formulas.ipp_category(value)
    if category is None:
        return DASH
    return f"{category.code} ({category.name_id if i18n.current_locale.get() == 'id' else category.name_en})"


# -- the overview's columns -----------------------------------------------------------------------

COLUMN_SETS = {"ringkas": None, **{key: key for key in GROUPS}, "semua": "*"}


def column_set_names() -> dict[str, str]:
    return {"ringkas": _("Summary"), **{key: _(label) for key, label in GROUPS.items()}, "semua": _("All")}


def indicators_for(column_set: str) -> list[Indicator]:
    chosen = COLUMN_SETS.get(column_set)
    if column_set not in COLUMN_SETS or chosen is None:
        return [ind for ind in INDICATORS if ind.summary]
    if chosen == "*":
        return list(INDICATORS)
    return [ind for ind in INDICATORS if ind.group == chosen]


@dataclass(frozen=True)
class Column:
    key: str  # the sort key (an indicator's name, or name/province/status); "" when not sortable
    header: str
    value: Callable[[BenchmarkRollup], Any]  # what an export holds
    text: Callable[[BenchmarkRollup], str]  # what the page shows
    numeric: bool = False
    indicator: Indicator | None = None


def _indicator_value(ind: Indicator) -> Callable[[BenchmarkRollup], Any]:
    def value(row: BenchmarkRollup) -> Any:
        rounded = ind.rounded(row.figures.get(ind.name))
        if rounded is None:
            return None
        if ind.unit == "flag":
            return _("Yes") if rounded else _("No")
        return rounded

    return value


def columns(indicators: list[Indicator], detail: bool = True) -> list[Column]:
    """The overview's columns; ``detail`` adds the IKM grade and the IPP category and verification
    and where visitors and transactions come from (queue tickets, reported by hand, or both), all
    left out of the summary, which has to fit a laptop screen."""
    out = [
        Column("name", _("Region"), lambda r: r.name, lambda r: r.name),
        Column("province", _("Province"), lambda r: r.province, lambda r: r.province),
        Column("status", _("Status"), lambda r: status_label(r.status), lambda r: status_label(r.status)),
    ]
    last_traffic = next((i.name for i in reversed(indicators) if i.name in TRAFFIC), None)
    for ind in indicators:
        out.append(Column(ind.name, header(ind), _indicator_value(ind),
                          lambda r, ind=ind: show(ind, r.figures.get(ind.name)), ind.unit != "flag", ind))
        if not detail:
            continue
        if ind.name in TRAFFIC and ind.name == last_traffic:
            out.append(Column("", _("Visitors and transactions from"), lambda r: source_text(r) or None,
                              lambda r: source_text(r) or DASH))
        if ind.name == "ikm":
            out.append(Column("", _("IKM grade"), lambda r: _none(ikm_grade_text(r.figures.get("ikm"))),
                              lambda r: ikm_grade_text(r.figures.get("ikm"))))
        if ind.name == "ipp":
            out.append(Column("", _("IPP category"), lambda r: _none(ipp_category_text(r.figures.get("ipp"))),
                              lambda r: ipp_category_text(r.figures.get("ipp"))))
            out.append(Column("", _("IPP verified"), lambda r: _verified(r), lambda r: _verified(r) or DASH))
    return out


TRAFFIC = ("visitors_month", "transactions_month")


def source_name(source: str | None) -> str:
    """Where monthly visitors and transactions come from, as pages and exports say it."""
    names = {"tickets": _("Queue tickets"), "reported": _("Reported by the regency"),
             "mixed": _("Queue tickets; reported for months without tickets")}
    return names.get(source or "", "")


def source_text(row: BenchmarkRollup) -> str:
    if all(row.figures.get(name) is None for name in TRAFFIC):
        return ""
    return source_name(row.details.get("operations_source"))


def _none(text: str) -> str | None:
    return None if text == DASH else text


def _verified(row: BenchmarkRollup) -> str | None:
    if row.figures.get("ipp") is None:
        return None
    return _("Yes") if row.details.get("ipp_verified") else _("No")


def national_cells(cols: list[Column], national: dict[str, float | None]) -> list[tuple[str, Any]]:
    """The national row: (text, export value) per column."""
    cells: list[tuple[str, Any]] = []
    for index, col in enumerate(cols):
        if index == 0:
            cells.append((_("National median"), _("National median")))
        elif col.indicator is None:
            cells.append(("", None))
        else:
            text = show_national(col.indicator, national.get(col.indicator.name))
            value = national.get(col.indicator.name)
            cells.append((text, (text if col.indicator.unit == "flag" else value) if value is not None else None))
    return cells
