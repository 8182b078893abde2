"""The ministry's area at /kementerian/: every regency side by side, from the rollups only.

Guarded for ministry viewers (and platform admins). Handlers read ``benchmark_rollups`` and
``benchmark_series``, never a tenant-owned table: the request's session is bound to no tenant, so
the ORM guard would refuse such a read and PostgreSQL's row-level security would return nothing.
The one write, marking a regency's evaluation as verified, needs the ministry verifier's role and binds the
session to that regency first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
from satupintu.audit import service as audit
from satupintu.benchmarks import charts, display, exports, formulas, periods, rollups, service
from satupintu.benchmarks.indicators import GROUPS, INDICATORS, UNITS, Indicator, by_name
from satupintu.benchmarks.models import BenchmarkRollup
from satupintu.db import bind_tenant
from satupintu.forms import Form
from satupintu.i18n import gettext as _
from satupintu.security import Principal, ministry_verifier, ministry_viewer
from satupintu.tenants.slugs import SLUG_RE
from satupintu.tenants import service as tenants_service

PAGE_SIZE = 100
RANKING_BARS = 15
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Short = Annotated[str, Parameter(default="", max_length=100)]


@dataclass(frozen=True)
class View:
    """The overview's filters, sort and page, read leniently from the query (unknown values fall back)."""

    province: str = ""
    status: str = ""
    column_set: str = "ringkas"
    sort: str = "name"
    descending: bool = False
    page: int = 1
    show_all: bool = False

    @classmethod
    def read(cls, provinsi: str, status: str, kolom: str, urut: str, arah: str, halaman: str, semua: str,
             provinces: set[str]) -> View:
        sortable = {*rollups.SORT_FIXED, *by_name()}
        return cls(province=provinsi if provinsi in provinces else "",
                   status=status if status in rollups.STATUSES else "",
                   column_set=kolom if kolom in display.COLUMN_SETS else "ringkas",
                   sort=urut if urut in sortable else "name",
                   descending=arah == "turun",
                   page=int(halaman) if halaman.isdigit() and 0 < int(halaman) < 10_000 else 1,
                   show_all=semua == "1")

    def params(self, **changes: Any) -> dict[str, str]:
        view = replace(self, **changes)
        params = {"provinsi": view.province, "status": view.status,
                  "kolom": "" if view.column_set == "ringkas" else view.column_set,
                  "urut": "" if view.sort == "name" else view.sort, "arah": "turun" if view.descending else "",
                  "halaman": str(view.page) if view.page > 1 else "", "semua": "1" if view.show_all else ""}
        return {k: v for k, v in params.items() if v}

    def query(self, **changes: Any) -> str:
        params = self.params(**changes)
        return "?" + urlencode(params) if params else ""

    def sort_link(self, key: str) -> str:
        """Clicking the current column reverses it; a new indicator column starts with the best regions."""
        if key == self.sort:
            return self.query(descending=not self.descending, page=1)
        ind = by_name().get(key)
        return self.query(sort=key, descending=bool(ind and ind.higher_is_better), page=1)


def _context(**values: Any) -> dict[str, Any]:
    return {"section": "", "errors": {}, **values}


async def _overview_data(session: AsyncSession, provinsi: str, status: str, kolom: str, urut: str, arah: str,
                         halaman: str, semua: str) -> dict[str, Any]:
    everything = await rollups.all_rollups(session)
    provinces = sorted({r.province for r in everything})
    view = View.read(provinsi, status, kolom, urut, arah, halaman, semua, set(provinces))
    indicators = display.indicators_for(view.column_set)
    cols = display.columns(indicators, detail=view.column_set != "ringkas")
    ordered = rollups.table(everything, province=view.province, status=view.status, sort=view.sort,
                            descending=view.descending, indicators=by_name())
    national = {ind.name: rollups.national(everything, ind) for ind in indicators}
    return {"view": view, "everything": everything, "provinces": provinces, "columns": cols, "ordered": ordered,
            "national": display.national_cells(cols, national)}


@get("/", name="ministry:overview")
async def overview(db_session: AsyncSession, provinsi: Short, status: Short, kolom: Short, urut: Short,
                   arah: Short, halaman: Short, semua: Short) -> Template:
    data = await _overview_data(db_session, provinsi, status, kolom, urut, arah, halaman, semua)
    view, ordered = data["view"], data["ordered"]
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(view.page, pages)
    shown = ordered if view.show_all else ordered[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    computed = max((r.computed_at for r in data["everything"]), default=None)
    return Template("ministry/overview.html", context=_context(
        section="overview", **data, rows=shown, pages=pages, page=page, total=len(ordered),
        statuses={s: display.status_label(s) for s in rollups.STATUSES}, column_sets=display.column_set_names(),
        computed_at=computed))


def _export_rows(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The page's columns, led by the Kemendagri region code so a file joins other national data."""
    cols = data["columns"]
    rows = [[row.region_code] + [col.value(row) for col in cols] for row in data["ordered"]]
    rows.append([None] + [value for _text, value in data["national"]])
    return [_("Region code")] + [col.header for col in cols], rows


def _filename(view: View, extension: str) -> str:
    parts = ["kinerja-mpp"] + [p for p in (view.province, view.status) if p]
    slug = "-".join(parts).lower().replace(" ", "-")
    return "".join(c for c in slug if (c.isascii() and c.isalnum()) or c == "-")[:80] + f".{extension}"


@get("/ekspor.csv", name="ministry:export-csv")
async def export_csv(db_session: AsyncSession, provinsi: Short, status: Short, kolom: Short, urut: Short,
                     arah: Short, halaman: Short, semua: Short) -> Response[bytes]:
    data = await _overview_data(db_session, provinsi, status, kolom, urut, arah, halaman, semua)
    headers, rows = _export_rows(data)
    return Response(exports.to_csv(headers, rows), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="{_filename(data["view"], "csv")}"'})


@get("/ekspor.xlsx", name="ministry:export-xlsx")
async def export_xlsx(db_session: AsyncSession, provinsi: Short, status: Short, kolom: Short, urut: Short,
                      arah: Short, halaman: Short, semua: Short) -> Response[bytes]:
    data = await _overview_data(db_session, provinsi, status, kolom, urut, arah, halaman, semua)
    headers, rows = _export_rows(data)
    return Response(exports.to_xlsx(_("MPP performance"), headers, rows, bold_last=True),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"content-disposition": f'attachment; filename="{_filename(data["view"], "xlsx")}"'})


# -- one indicator --------------------------------------------------------------------------------

def scale(ind: Indicator, values: list[float]) -> tuple[float, float]:
    """The axis of an indicator: its natural scale where it has one, else zero to a round maximum."""
    if ind.unit == "percent":
        return 0.0, 100.0
    if ind.unit == "ikm":
        return 25.0, 100.0
    if ind.unit == "ipp":
        return 0.0, 5.0
    if ind.unit == "flag":
        return 0.0, 1.0
    return 0.0, charts._nice_max(max(values, default=0.0))


def formatter(ind: Indicator):  # noqa: ANN201 - a callable for the charts
    def fmt(value: float) -> str:
        if ind.unit == "flag":
            return display.show(ind, value)
        return display.fixed(round(value, ind.precision), ind.precision) + display.unit_suffix(ind)
    return fmt


def _indicator_or_404(name: str) -> Indicator:
    ind = by_name().get(name[:60])
    if ind is None:
        raise NotFoundException()
    return ind


@get("/indikator/{name:str}", name="ministry:indicator")
async def indicator_page(db_session: AsyncSession, name: str, provinsi: Short) -> Template:
    ind = _indicator_or_404(name)
    everything = await rollups.all_rollups(db_session)
    provinces = sorted({r.province for r in everything})
    province = provinsi if provinsi in provinces else ""
    live = [r for r in rollups.live(everything) if not province or r.province == province]
    reporting = [r for r in live if r.figures.get(ind.name) is not None]
    ordered = sorted(reporting, key=lambda r: r.name.lower())
    ordered.sort(key=lambda r: ind.rounded(r.figures[ind.name]), reverse=ind.higher_is_better)
    ranked: list[tuple[int, BenchmarkRollup]] = []
    for index, row in enumerate(ordered):  # equal values share a rank (1, 2, 2, 4)
        same = ranked and ind.rounded(ranked[-1][1].figures[ind.name]) == ind.rounded(row.figures[ind.name])
        ranked.append((ranked[-1][0] if same else index + 1, row))
    values = rollups.values_of(reporting, ind)
    lower, upper = scale(ind, values)
    fmt = formatter(ind)
    dist = rollups.distribution(values)
    national = rollups.national(everything, ind)
    chart_rank = chart_hist = None
    cut = len(ranked) > 2 * RANKING_BARS
    if ranked and ind.unit != "flag":
        shown = ranked[:RANKING_BARS] + ranked[-RANKING_BARS:] if cut else ranked
        chart_rank = charts.ranking(
            [charts.Bar(row.name, ind.rounded(row.figures[ind.name])) for _rank, row in shown],
            title=_("Ranking: %(label)s") % {"label": _(ind.label)},
            desc=_("Bars from the best region to the worst; the full ranking is in the table below."),
            fmt=fmt, top=upper if ind.unit in ("percent", "ipp", "ikm") else None,
            gap_label=_("… %(n)d more regions in the table …") % {"n": len(ranked) - 2 * RANKING_BARS} if cut else "")
    if values and ind.unit != "flag":
        chart_hist = charts.histogram(
            values, lower=lower, upper=upper, bins=10, fmt=fmt,
            title=_("Distribution: %(label)s") % {"label": _(ind.label)},
            desc=_("How many regions fall in each tenth of the scale; the line marks the national median."),
            median=dist.median if dist else None, median_label=_("median"))
    bins = _bins(values, lower, upper, 10) if ind.unit != "flag" else []
    return Template("ministry/indicator.html", context=_context(
        section="overview", ind=ind, ranked=ranked, provinces=provinces, province=province, dist=dist,
        national_text=display.show_national(ind, national), chart_rank=chart_rank, chart_hist=chart_hist, bins=bins,
        fmt=fmt,
        unit=_(UNITS[ind.unit]), group=_(GROUPS[ind.group]), missing=len(live) - len(reporting), cut=cut,
        yes=sum(1 for v in values if v) if ind.unit == "flag" else None))


def _bins(values: list[float], lower: float, upper: float, count: int) -> list[tuple[float, float, int]]:
    span = (upper - lower) or 1.0
    counts = [0] * count
    for value in values:
        counts[min(count - 1, max(0, int((value - lower) / span * count)))] += 1
    return [(lower + span * i / count, lower + span * (i + 1) / count, n) for i, n in enumerate(counts)]


# -- one regency ----------------------------------------------------------------------------------

async def _rollup_or_404(session: AsyncSession, slug: str) -> BenchmarkRollup:
    row = await rollups.rollup_by_slug(session, slug) if SLUG_RE.match(slug) else None
    if row is None:
        raise NotFoundException()
    return row


def _month_series(points: list, key: str) -> list[tuple[str, float | None]]:
    return [(periods.month_label(p.period, short=True), p.figures.get(key)) for p in points]


def _on_time(points: list) -> list[tuple[str, float | None]]:
    out = []
    for p in points:
        received = p.figures.get("complaints_received") or 0
        share = round(p.figures.get("complaints_on_time", 0) * 100 / received, 1) if received else None
        out.append((periods.month_label(p.period, short=True), share))
    return out


def region_charts(name: str, kinds: dict[str, list]) -> dict[str, Any]:
    """The four time series of a regency's page, each with the rows of its table alternative."""
    months = kinds.get("month", [])
    count = display.fixed
    out: dict[str, Any] = {"months": months, "surveys": kinds.get("survey", []), "years": kinds.get("year", [])}
    if months:
        out["traffic"] = charts.lines(
            [charts.Series(_("Visitors"), _month_series(months, "visitors")),
             charts.Series(_("Transactions"), _month_series(months, "transactions"))],
            title=_("Visitors and transactions per month, %(name)s") % {"name": name},
            desc=_("Two lines over the months reported; the same figures are in the table."),
            fmt=lambda v: count(round(v), 0))
        out["on_time"] = charts.lines(
            [charts.Series(_("Complaints answered on time"), _on_time(months))],
            title=_("Complaints answered on time, %(name)s") % {"name": name},
            desc=_("Share of each month's complaints answered within the promised time."),
            fmt=lambda v: count(round(v), 0) + "%", upper=100)
    if out["surveys"]:
        out["ikm"] = charts.lines(
            [charts.Series(_("IKM"), [(periods.short_label(p.period), p.figures.get("ikm")) for p in out["surveys"]])],
            title=_("Satisfaction index (IKM) per survey period, %(name)s") % {"name": name},
            desc=_("The IKM of each survey period on the 25 to 100 scale."),
            fmt=lambda v: count(v, 0), lower=25, upper=100)
    if out["years"]:
        out["ipp"] = charts.lines(
            [charts.Series(_("IPP"), [(p.period, p.figures.get("ipp")) for p in out["years"]])],
            title=_("Evaluation index (IPP) per year, %(name)s") % {"name": name},
            desc=_("The self-assessed evaluation index of each year on the 0 to 5 scale."),
            fmt=lambda v: count(v, 1), lower=0, upper=5)
    return out


@get("/wilayah/{slug:str}", name="ministry:region")
async def region(request: Request, db_session: AsyncSession, slug: str) -> Template:
    row = await _rollup_or_404(db_session, slug)
    everything = await rollups.all_rollups(db_session)
    kinds = (await rollups.series(db_session, [row.region_code]))[row.region_code]
    lines_ = []
    for ind in INDICATORS:
        lines_.append({"ind": ind, "label": display.header(ind), "value": display.show(ind, row.figures.get(ind.name)),
                       "national": display.show_national(ind, rollups.national(everything, ind)),
                       "rank": rollups.rank(everything, ind, row.region_code) if ind.unit != "flag" else None})
    me: Principal = request.scope["principal"]
    return Template("ministry/region.html", context=_context(
        section="overview", row=row, may_verify=me.role == "ministry_verifier", lines=lines_, charts=region_charts(row.name, kinds),
        status=display.status_label(row.status), ikm_grade=display.ikm_grade_text(row.figures.get("ikm")),
        ipp_category=display.ipp_category_text(row.figures.get("ipp")), period_label=periods.label,
        month_label=periods.month_label, category=display.ipp_category_text, grade=display.ikm_grade_text,
        fixed=display.fixed))


@post("/wilayah/{slug:str}/ipp/{year:int}/verifikasi", name="ministry:verify", guards=[ministry_verifier])
async def verify(request: Request, db_session: AsyncSession, slug: str, year: int, data: FormData) -> Redirect:
    """Mark (or unmark) a regency's self-assessment as verified; recorded in that regency's audit log."""
    tenant = await tenants_service.get_by_slug(db_session, slug) if SLUG_RE.match(slug) else None
    if tenant is None:
        raise NotFoundException()
    await bind_tenant(db_session, tenant.id)
    evaluation = await service.get_evaluation(db_session, year)
    if evaluation is None:
        raise NotFoundException()
    verified = Form(data).flag("verified")
    before = service.evaluation_snapshot(evaluation)
    await service.set_verified(db_session, evaluation, verified)
    me: Principal = request.scope["principal"]
    await audit.record(db_session, me, "verify" if verified else "unverify", "evaluation", str(year), before,
                       service.evaluation_snapshot(evaluation))
    return Redirect(f"/kementerian/wilayah/{tenant.slug}#ipp", status_code=303)


# -- comparison -----------------------------------------------------------------------------------

@get("/bandingkan", name="ministry:compare")
async def compare(db_session: AsyncSession,
                  w: Annotated[list[str] | None, Parameter(query="w", default=None)] = None) -> Template:
    everything = await rollups.all_rollups(db_session)
    by_slug = {r.tenant_slug: r for r in everything}
    by_label = {r.name.lower(): r for r in everything}
    asked = [item.strip()[:120] for item in (w or []) if item.strip()][:10]
    chosen: list[BenchmarkRollup] = []
    unknown: list[str] = []
    for item in asked:
        row = by_slug.get(item) or by_label.get(item.lower())
        if row is None:
            unknown.append(item)
        elif row not in chosen:
            chosen.append(row)
    errors: dict[str, str] = {}
    if unknown:
        errors["w"] = _("Not found: %(names)s. Choose regions from the list.") % {"names": ", ".join(unknown)}
    elif len(chosen) > 4 or (len(asked) > 1 and len(chosen) < 2):
        errors["w"] = _("Choose from two to four different regions.")
    status = 422 if errors else 200
    context: dict[str, Any] = {"chosen": [], "everyone": sorted(everything, key=lambda r: r.name), "asked": asked}
    # One region (a region page's "compare with other regions") is where a comparison starts: it
    # fills the first box and asks for the others.
    context["starting"] = chosen[0] if len(chosen) == 1 and not errors else None
    if len(chosen) >= 2 and not errors:
        kinds = await rollups.series(db_session, [r.region_code for r in chosen])
        table = []
        for ind in INDICATORS:
            table.append({"ind": ind, "label": display.header(ind), "cells": [display.show(ind, r.figures.get(ind.name)) for r in chosen],
                          "national": display.show_national(ind, rollups.national(everything, ind))})
        months = sorted({p.period for r in chosen for p in kinds[r.region_code]["month"]})[-24:]

        def month_values(row: BenchmarkRollup, key: str) -> list[tuple[str, float | None]]:
            found = {p.period: p for p in kinds[row.region_code]["month"]}
            out = []
            for month in months:
                point = found.get(month)
                if key == "on_time":
                    received = point.figures.get("complaints_received") if point else 0
                    value = round(point.figures["complaints_on_time"] * 100 / received, 1) if received else None
                else:
                    value = point.figures.get(key) if point else None
                out.append((periods.month_label(month, short=True), value))
            return out

        traffic = [charts.Series(r.name, month_values(r, "transactions")) for r in chosen]
        on_time = [charts.Series(r.name, month_values(r, "on_time")) for r in chosen]
        context.update(chosen=chosen, table=table, months=months, traffic_rows=traffic, on_time_rows=on_time)
        if months:
            context["traffic"] = charts.lines(traffic, title=_("Transactions per month"),
                                              desc=_("One line per region over the last months reported."),
                                              fmt=lambda v: display.fixed(round(v), 0))
            context["on_time"] = charts.lines(on_time, title=_("Complaints answered on time"),
                                              desc=_("One line per region: share of complaints answered in time."),
                                              fmt=lambda v: display.fixed(round(v), 0) + "%", upper=100)
    return Template("ministry/compare.html", status_code=status,
                    context=_context(section="compare", errors=errors, **context))


# -- definitions ----------------------------------------------------------------------------------

@get("/definisi", name="ministry:definitions")
async def definitions() -> Template:
    rules = formulas.ipp_rules()
    english = i18n.current_locale.get() == "en"
    cent = Decimal("0.01")

    def ranges(items: list, top: Decimal) -> list[tuple[Any, str, str]]:
        out, upper = [], top
        for item in items:
            out.append((item, display.fixed(item.lower, 2), display.fixed(upper, 2)))
            upper = item.lower - cent
        return out

    return Template("ministry/definitions.html", context=_context(
        section="definitions", indicators=INDICATORS, groups=GROUPS, units=UNITS, rules=rules, english=english,
        grades=ranges(list(formulas.IKM_GRADES), Decimal(100)),
        categories=ranges(list(rules.categories), Decimal(rules.scale_max.numerator) / rules.scale_max.denominator),
        elements=formulas.ELEMENT_NAMES))


router = Router(
    path="/kementerian",
    guards=[ministry_viewer],
    route_handlers=[overview, export_csv, export_xlsx, indicator_page, region, verify, compare, definitions],
)
