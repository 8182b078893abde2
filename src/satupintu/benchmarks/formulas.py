"""The regulations' formulas, computed exactly.

IKM, the Indeks Kepuasan Masyarakat of the Survei Kepuasan Masyarakat (PermenPANRB 14/2017):
nine elements U1..U9, each scored 1 to 4 by every respondent. The element average (nilai rata-rata,
NRR) is the element's total divided by the respondents; each element weighs exactly 1/9 (the
regulation writes "0,11", which is that fraction rounded: using 0.11 would put a unit whose every
answer is 4 at 99.00 instead of 100). The index is ``sum(NRR) * 1/9``, on the 1..4 scale, times 25
for the 25..100 scale. The quality grade comes from the regulation's conversion table applied to the
25..100 value, rounded to two decimals as the table is written (A from 88.31, B from 76.61, C from
65.00, D below).

IPP, the Indeks Pelayanan Publik of the ministry's evaluation (PermenPANRB 29/2022): six aspects
scored 0 to 5, weighted; weights and categories live in ``ipp.toml``, which cites its source.

Arithmetic is done with ``Fraction`` so that no rounding happens before the one the regulation
prescribes; results are rounded half up to two decimals for display and grading.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from satupintu.datafiles import DataFileError

ELEMENTS = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
ELEMENT_WEIGHT = Fraction(1, 9)
IKM_FACTOR = 25
SCORE_MIN, SCORE_MAX = 1, 4


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated where it is shown."""
    return message


ELEMENT_NAMES = {
    "U1": N_("Requirements"),
    "U2": N_("Systems, mechanisms and procedures"),
    "U3": N_("Completion time"),
    "U4": N_("Cost or tariff"),
    "U5": N_("Service products"),
    "U6": N_("Staff competence"),
    "U7": N_("Staff conduct"),
    "U8": N_("Handling of complaints, suggestions and feedback"),
    "U9": N_("Facilities and infrastructure"),
}


def round_half_up(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Round half up to ``places`` decimals, exactly (no binary floating point on the way)."""
    value = Fraction(value)
    scaled = math.floor(abs(value) * 10 ** places + Fraction(1, 2))
    return (Decimal(scaled if value >= 0 else -scaled).scaleb(-places)).quantize(Decimal(1).scaleb(-places))


def round2(value: Fraction | Decimal | int) -> Decimal:
    """Round half up to two decimals, exactly."""
    return round_half_up(value, 2)


def to_fraction(text: str | Decimal | int) -> Fraction:
    """A decimal number as typed ("3,45" or "3.45") into an exact fraction; ValueError otherwise."""
    if isinstance(text, (Decimal, int)):
        return Fraction(text)
    cleaned = text.strip().replace(",", ".")
    if not cleaned or not all(c.isdigit() or c in ".-" for c in cleaned) or cleaned.count(".") > 1:
        raise ValueError(text)
    return Fraction(Decimal(cleaned))


# -- IKM ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grade:
    letter: str
    label: str  # an English msgid, translated where shown
    lower: Decimal  # lowest value (25..100 scale, two decimals) that earns this grade


IKM_GRADES = (
    Grade("A", N_("Very good"), Decimal("88.31")),
    Grade("B", N_("Good"), Decimal("76.61")),
    Grade("C", N_("Poor"), Decimal("65.00")),
    Grade("D", N_("Bad"), Decimal("25.00")),
)


@dataclass(frozen=True)
class GradeRow:
    """One row of the regulation's table: the interval value (1..4) and its conversion (25..100)."""

    letter: str
    interval_low: Decimal
    interval_high: Decimal
    ikm_low: Decimal
    ikm_high: Decimal


GRADE_TABLE = (
    GradeRow("A", Decimal("3.5324"), Decimal("4.00"), Decimal("88.31"), Decimal("100.00")),
    GradeRow("B", Decimal("3.0644"), Decimal("3.532"), Decimal("76.61"), Decimal("88.30")),
    GradeRow("C", Decimal("2.60"), Decimal("3.064"), Decimal("65.00"), Decimal("76.60")),
    GradeRow("D", Decimal("1.00"), Decimal("2.5996"), Decimal("25.00"), Decimal("64.99")),
)
"""PermenPANRB 14/2017's table of values, as printed. Its interval bounds are the converted bounds
divided by 25 and cut to four decimals, which leaves gaps (3.0642 is in no row); the grade is therefore
decided on the converted value rounded to two decimals (``ikm_grade``, whose bounds are the
``ikm_low`` column), and the 1..4 column is what pages print beside it. A test checks that the two
agree on every value of the 1..4 scale the table covers."""


def interval_grade(value: Fraction | Decimal) -> str | None:
    """The letter of the table's 1..4 column for a value it covers; None for a value in one of its gaps."""
    value = Fraction(value)
    for row in GRADE_TABLE:
        if Fraction(row.interval_low) <= value <= Fraction(row.interval_high):
            return row.letter
    return None


SAMPLE_CHI_SQUARE = Fraction("3.841")
SAMPLE_PROPORTION = Fraction(1, 2)
SAMPLE_MARGIN = Fraction(5, 100)


def krejcie_morgan(population: int) -> int:
    """The sample size Krejcie and Morgan (1970) give for a population of ``population`` transactions,
    as PermenPANRB 14/2017 asks: s = X^2 N P(1-P) / (d^2 (N-1) + X^2 P(1-P)) with X^2 = 3.841 (one
    degree of freedom, 95 %), P = 0.5 and d = 0.05, rounded half up as their table, which the
    regulation reprints, is rounded (15 -> 14, 50 -> 44, 100 -> 80, 500 -> 217, 1000 -> 278)."""
    if population <= 0:
        return 0
    spread = SAMPLE_CHI_SQUARE * SAMPLE_PROPORTION * (1 - SAMPLE_PROPORTION)
    size = spread * population / (SAMPLE_MARGIN ** 2 * (population - 1) + spread)
    return math.floor(size + Fraction(1, 2))


def element_averages(totals: Sequence[Fraction | int], respondents: int) -> list[Fraction]:
    """NRR per element: the element's total over the respondents."""
    if respondents <= 0:
        raise ValueError("a survey needs at least one respondent")
    if len(totals) != len(ELEMENTS):
        raise ValueError(f"expected {len(ELEMENTS)} element totals, got {len(totals)}")
    return [Fraction(total) / respondents for total in totals]


def ikm(averages: Sequence[Fraction | Decimal | int]) -> Fraction:
    """IKM on the 25..100 scale from the nine element averages (each 1..4), unrounded."""
    if len(averages) != len(ELEMENTS):
        raise ValueError(f"expected {len(ELEMENTS)} element averages, got {len(averages)}")
    values = [Fraction(a) for a in averages]
    if any(not SCORE_MIN <= v <= SCORE_MAX for v in values):
        raise ValueError("element averages lie between 1 and 4")
    weighted = sum((v * ELEMENT_WEIGHT for v in values), Fraction(0))
    return weighted * IKM_FACTOR


def ikm_grade(value: Fraction | Decimal | float | int | None) -> Grade | None:
    """The regulation's grade for an IKM on the 25..100 scale (rounded to two decimals first)."""
    if value is None:
        return None
    rounded = round2(Fraction(value) if not isinstance(value, float) else Fraction(str(value)))
    for grade in IKM_GRADES:
        if rounded >= grade.lower:
            return grade
    return IKM_GRADES[-1]


# -- IPP ------------------------------------------------------------------------------------------

IPP_FILE = Path(__file__).with_name("ipp.toml")


@dataclass(frozen=True)
class Aspect:
    key: str
    weight: Fraction
    name_id: str
    name_en: str

    @property
    def percent(self) -> int:
        return int(self.weight * 100)


@dataclass(frozen=True)
class Category:
    code: str
    lower: Decimal
    name_id: str
    name_en: str


@dataclass(frozen=True)
class IppRules:
    regulation: str
    scale_min: Fraction
    scale_max: Fraction
    aspects: tuple[Aspect, ...]
    categories: tuple[Category, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.aspects)


def _decimal(value: object, path: Path, field: str) -> Decimal:
    if not isinstance(value, str):
        raise DataFileError(path, None, field, "write numbers as quoted strings, e.g. \"0.24\", so they stay exact")
    try:
        return Decimal(value)
    except ArithmeticError as exc:
        raise DataFileError(path, None, field, f"not a number: {value!r}") from exc


@functools.cache
def ipp_rules(path: Path = IPP_FILE) -> IppRules:
    """Read and check ipp.toml: weights sum to exactly 1, categories run from the top to the bottom."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(path, None, None, f"cannot read the IPP rules ({exc})") from exc
    try:
        aspects = tuple(Aspect(a["key"], Fraction(_decimal(a["weight"], path, f"aspects[{i}].weight")),
                               a["name_id"], a["name_en"]) for i, a in enumerate(data["aspects"]))
        categories = tuple(Category(c["code"], _decimal(c["lower"], path, f"categories[{i}].lower"),
                                    c["name_id"], c["name_en"]) for i, c in enumerate(data["categories"]))
        rules = IppRules(data["regulation"], Fraction(_decimal(data["scale_min"], path, "scale_min")),
                         Fraction(_decimal(data["scale_max"], path, "scale_max")), aspects, categories)
    except KeyError as exc:
        raise DataFileError(path, None, str(exc.args[0]), "required field is missing") from exc
    if sum(a.weight for a in aspects) != 1:
        raise DataFileError(path, None, "aspects.weight", "the weights must add up to exactly 1")
    if len({a.key for a in aspects}) != len(aspects):
        raise DataFileError(path, None, "aspects.key", "aspect keys must be unique")
    bounds = [c.lower for c in categories]
    if bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
        raise DataFileError(path, None, "categories.lower", "categories must run from the highest bound down")
    if Fraction(bounds[-1]) != rules.scale_min:
        raise DataFileError(path, None, "categories.lower", "the last category must start at the bottom of the scale")
    return rules


def ipp_index(scores: Mapping[str, Fraction | Decimal | int], rules: IppRules | None = None) -> Fraction:
    """The evaluation index: the weighted sum of the six aspect scores (each 0..5), unrounded."""
    rules = rules or ipp_rules()
    missing = [a.key for a in rules.aspects if a.key not in scores]
    if missing:
        raise ValueError(f"missing aspect scores: {', '.join(missing)}")
    total = Fraction(0)
    for aspect in rules.aspects:
        score = Fraction(scores[aspect.key])
        if not rules.scale_min <= score <= rules.scale_max:
            raise ValueError(f"{aspect.key}: a score lies between {rules.scale_min} and {rules.scale_max}")
        total += aspect.weight * score
    return total


def ipp_category(value: Fraction | Decimal | float | int | None, rules: IppRules | None = None) -> Category | None:
    """The category of an index (rounded to two decimals first, as the table is written)."""
    if value is None:
        return None
    rules = rules or ipp_rules()
    rounded = round2(Fraction(value) if not isinstance(value, float) else Fraction(str(value)))
    for category in rules.categories:
        if rounded >= category.lower:
            return category
    return rules.categories[-1]
