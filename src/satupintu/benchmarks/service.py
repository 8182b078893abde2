"""What a regency reports for the benchmarks: survey results, its evaluation, monthly figures.

Every function works inside the caller's transaction on a session bound to the regency. Uploads
are checked completely before anything is written; a refused upload names each problem with its
row and changes nothing. A survey file may carry columns about the respondent (name, NIK, phone,
age...): they are read past and never stored, and problems are reported without echoing what a
cell contained, because a misplaced column could hold someone's NIK.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.audit import service as audit
from satupintu.audit.service import Change
from satupintu.benchmarks import formulas, periods
from satupintu.benchmarks.indicators import evaluation_index, survey_ikm
from satupintu.benchmarks.models import (
    SCORE_SCALE,
    TOTAL_SCALE,
    MonthlyOperations,
    ServiceEvaluation,
    SurveyResult,
)
from satupintu.i18n import gettext as _

MAX_UPLOAD_BYTES = 1_000_000
"""A survey file of 20,000 respondents with a few extra columns stays well under this."""
MAX_RESPONDENTS = 50_000
MAX_PROBLEMS = 20
FIRST_YEAR = 2015


@dataclass
class Problem:
    row: int | None  # the line of the file (the column names are line 1); None for the whole file
    message: str


class UploadRefused(ValueError):
    """The upload was refused; ``problems`` says where and why, in the reader's language."""

    def __init__(self, problems: list[Problem], more: int = 0):
        super().__init__("; ".join(f"{p.row}: {p.message}" if p.row else p.message for p in problems))
        self.problems = problems
        self.more = more


@dataclass
class ParsedSurvey:
    respondents: int
    totals: list[int]  # per element, in TOTAL_SCALE units
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ikm(self) -> Fraction:
        return formulas.ikm(formulas.element_averages([Fraction(t, TOTAL_SCALE) for t in self.totals],
                                                      self.respondents))


# -- periods --------------------------------------------------------------------------------------

def check_period(text: str, today: date | None = None) -> str:
    """A survey period code, normalised; ValueError with a message for the reader otherwise."""
    try:
        period = periods.normalise(text)
    except ValueError:
        raise ValueError(_("Write the period as a year (2026), a semester (2026-S1), a quarter (2026-Q3) or a "
                           "month (2026-05).")) from None
    start, _end = periods.bounds(period)
    if start > (today or date.today()):
        raise ValueError(_("This period has not started yet."))
    if start.year < FIRST_YEAR:
        raise ValueError(_("Periods before %(year)d are not accepted.") % {"year": FIRST_YEAR})
    return period


def check_month(text: str, today: date | None = None) -> str:
    value = text.strip()
    if not periods.MONTH_RE.match(value):
        raise ValueError(_("Write the month as YYYY-MM, e.g. 2026-05."))
    if value > periods.month_code(today or date.today()):
        raise ValueError(_("This month has not started yet."))
    if int(value[:4]) < FIRST_YEAR:
        raise ValueError(_("Periods before %(year)d are not accepted.") % {"year": FIRST_YEAR})
    return value


# -- survey files ---------------------------------------------------------------------------------

_SCORE = re.compile(r"^[1-4]$")
_ELEMENT = re.compile(r"^U\s*([1-9])$", re.I)


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise UploadRefused([Problem(None, _("The file is empty."))])
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadRefused([Problem(None, _("The file is larger than %(size)s. Split it by period or remove "
                                             "columns that are not needed.") % {"size": "1 MB"})])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise UploadRefused([Problem(line, _("The file is not UTF-8 text. In the spreadsheet choose Save As, "
                                             "'CSV UTF-8', and upload that file."))]) from None
    if "\x00" in text:
        raise UploadRefused([Problem(None, _("This is not a CSV text file. Save the survey from the "
                                             "spreadsheet as CSV and upload that file."))])
    return text


def _delimiter(text: str) -> str:
    """Spreadsheets set to Indonesian write ';' between columns; others ','; some a tab."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max((";", ",", "\t"), key=header.count) if any(c in header for c in ";,\t") else ","


def parse_responses(raw: bytes) -> ParsedSurvey:
    """Read a survey file with one row per respondent and the columns U1..U9 (scores 1 to 4).

    Other columns are ignored and never stored. Raises UploadRefused listing every problem (up to
    MAX_PROBLEMS) with its line.
    """
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    except csv.Error:
        raise UploadRefused([Problem(reader.line_num or 1, _("This row cannot be read as CSV."))]) from None
    if header is None:
        raise UploadRefused([Problem(None, _("The file is empty."))])
    header_line = reader.line_num
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        match = _ELEMENT.match(name.strip())
        if match:
            element = f"U{match.group(1)}"
            if element in positions:
                raise UploadRefused([Problem(header_line, _("The column %(name)s appears twice.") % {"name": element})])
            positions[element] = index
        elif name.strip():
            ignored.append(name.strip()[:40])
    missing = [e for e in formulas.ELEMENTS if e not in positions]
    if missing:
        raise UploadRefused([Problem(header_line, _("Columns missing: %(names)s. The first row must name the "
                                                    "columns U1 to U9, one per survey element.")
                                     % {"names": ", ".join(missing)})])

    problems: list[Problem] = []
    more = 0
    sums = [0] * len(formulas.ELEMENTS)
    respondents = 0

    def problem(line: int, message: str) -> None:
        nonlocal more
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(line, message))
        else:
            more += 1

    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problem(reader.line_num, _("This row cannot be read as CSV."))
            continue
        if not any(cell.strip() for cell in row):
            continue
        respondents += 1
        if respondents > MAX_RESPONDENTS:
            raise UploadRefused([Problem(None, _("At most %(n)s respondents per upload; split the file by period.")
                                         % {"n": f"{MAX_RESPONDENTS:,}".replace(",", ".")})])
        for number, element in enumerate(formulas.ELEMENTS):
            cell = row[positions[element]].strip() if positions[element] < len(row) else ""
            if not cell:
                problem(reader.line_num, _("%(element)s is empty; every respondent scores all nine elements.")
                        % {"element": element})
            elif not _SCORE.match(cell):
                problem(reader.line_num, _("%(element)s must be a whole number from 1 to 4.") % {"element": element})
            else:
                sums[number] += int(cell)
    if problems:
        raise UploadRefused(problems, more)
    if respondents == 0:
        raise UploadRefused([Problem(None, _("The file names the columns but has no respondents."))])
    return ParsedSurvey(respondents, [s * TOTAL_SCALE for s in sums], ignored)


def parse_summary(respondents: int, averages: Mapping[str, str]) -> tuple[ParsedSurvey, dict[str, str]]:
    """A published summary: respondents and the nine element averages (1 to 4, up to four decimals).

    Returns the parsed survey and a message per field that is wrong (empty when all is well).
    """
    errors: dict[str, str] = {}
    totals: list[int] = []
    for element in formulas.ELEMENTS:
        name = element.lower()
        text = (averages.get(name) or "").strip()
        try:
            value = formulas.to_fraction(text)
        except ValueError:
            errors[name] = _("Enter the average, e.g. 3,45.") if text else _("This field is required.")
            continue
        if not formulas.SCORE_MIN <= value <= formulas.SCORE_MAX:
            errors[name] = _("An average lies between 1 and 4.")
        elif (value * TOTAL_SCALE).denominator != 1:
            errors[name] = _("At most four decimals.")
        else:
            totals.append(int(value * TOTAL_SCALE * respondents))
    return ParsedSurvey(respondents, totals), errors


SURVEY_FIELDS = ("period", "source", "respondents", "ikm")


def survey_snapshot(result: SurveyResult) -> dict[str, object]:
    return {"period": result.period, "source": result.source, "respondents": result.respondents,
            "ikm": str(formulas.round2(survey_ikm(result)))}


async def surveys(session: AsyncSession) -> list[SurveyResult]:
    rows = list((await session.scalars(select(SurveyResult))).all())
    return sorted(rows, key=lambda r: periods.sort_key(r.period), reverse=True)


async def get_survey(session: AsyncSession, period: str) -> SurveyResult | None:
    return await session.scalar(select(SurveyResult).where(SurveyResult.period == period))


async def save_survey(session: AsyncSession, period: str, source: str, parsed: ParsedSurvey) -> Change:
    """Create or replace a period's result."""
    row = await get_survey(session, period)
    before = survey_snapshot(row) if row else None
    if row is None:
        row = SurveyResult(period=period)
        session.add(row)
    row.source, row.respondents, row.totals = source, parsed.respondents, list(parsed.totals)
    await session.flush()
    after = survey_snapshot(row)
    if parsed.ignored_columns:
        after["ignored_columns"] = parsed.ignored_columns
    return Change("update" if before else "create", "survey", period, before, after)


async def delete_survey(session: AsyncSession, row: SurveyResult) -> Change:
    before = survey_snapshot(row)
    await session.delete(row)
    await session.flush()
    return Change("delete", "survey", row.period, before, None)


# -- evaluation -----------------------------------------------------------------------------------

def parse_scores(values: Mapping[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """Six aspect scores from a form (0 to 5, two decimals at most), in hundredths; and errors per field."""
    rules = formulas.ipp_rules()
    scores: dict[str, int] = {}
    errors: dict[str, str] = {}
    for aspect in rules.aspects:
        text = (values.get(aspect.key) or "").strip()
        try:
            value = formulas.to_fraction(text)
        except ValueError:
            errors[aspect.key] = _("Enter a score, e.g. 4,25.") if text else _("This field is required.")
            continue
        if not rules.scale_min <= value <= rules.scale_max:
            errors[aspect.key] = _("A score lies between 0 and 5.")
        elif (value * SCORE_SCALE).denominator != 1:
            errors[aspect.key] = _("At most two decimals.")
        else:
            scores[aspect.key] = int(value * SCORE_SCALE)
    return scores, errors


EVALUATION_FIELDS = ("year", "scores", "index", "notes", "verified")


def evaluation_snapshot(row: ServiceEvaluation) -> dict[str, object]:
    index = evaluation_index(row)
    return {"year": row.year, "scores": dict(row.scores), "index": None if index is None else str(formulas.round2(index)),
            "notes": row.notes, "verified": row.verified_at is not None}


async def evaluations(session: AsyncSession) -> list[ServiceEvaluation]:
    return list((await session.scalars(select(ServiceEvaluation).order_by(ServiceEvaluation.year.desc()))).all())


async def get_evaluation(session: AsyncSession, year: int) -> ServiceEvaluation | None:
    return await session.scalar(select(ServiceEvaluation).where(ServiceEvaluation.year == year))


async def save_evaluation(session: AsyncSession, year: int, scores: dict[str, int], notes: str) -> Change:
    """Create or change a year's self-assessment. A change withdraws the ministry's verification."""
    row = await get_evaluation(session, year)
    before = evaluation_snapshot(row) if row else None
    if row is None:
        row = ServiceEvaluation(year=year)
        session.add(row)
    if row.scores != scores or row.notes != notes:
        row.verified_at = None
    row.scores, row.notes = dict(scores), notes
    await session.flush()
    return Change("update" if before else "create", "evaluation", str(year), before, evaluation_snapshot(row))


async def delete_evaluation(session: AsyncSession, row: ServiceEvaluation) -> Change:
    before = evaluation_snapshot(row)
    await session.delete(row)
    await session.flush()
    return Change("delete", "evaluation", str(row.year), before, None)


async def set_verified(session: AsyncSession, row: ServiceEvaluation, verified: bool) -> None:
    from satupintu.db import utcnow

    row.verified_at = utcnow() if verified else None
    await session.flush()


# -- monthly operations ---------------------------------------------------------------------------

OPERATIONS_FIELDS = ("month", "visitors", "transactions", "complaints_received", "complaints_on_time")


def operations_snapshot(row: MonthlyOperations) -> dict[str, object]:
    return {name: getattr(row, name) for name in OPERATIONS_FIELDS}


async def operations(session: AsyncSession, limit: int = 36) -> list[MonthlyOperations]:
    return list((await session.scalars(select(MonthlyOperations).order_by(MonthlyOperations.month.desc())
                                       .limit(limit))).all())


async def get_operations(session: AsyncSession, month: str) -> MonthlyOperations | None:
    return await session.scalar(select(MonthlyOperations).where(MonthlyOperations.month == month))


async def save_operations(session: AsyncSession, month: str, figures: Mapping[str, int]) -> Change:
    row = await get_operations(session, month)
    before = operations_snapshot(row) if row else None
    if row is None:
        row = MonthlyOperations(month=month)
        session.add(row)
    for name in OPERATIONS_FIELDS[1:]:
        setattr(row, name, int(figures[name]))
    await session.flush()
    return Change("update" if before else "create", "operations", month, before, operations_snapshot(row))


async def delete_operations(session: AsyncSession, row: MonthlyOperations) -> Change:
    return await audit.removed(session, row, OPERATIONS_FIELDS, "operations", "month")
