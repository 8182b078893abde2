"""The tenant admin's performance pages at /{slug}/admin/kinerja/: where the regency stands nationally,
and where it reports its survey results, evaluation self-assessment and monthly figures.

The position page reads the rollups (its own row and the national distribution, never another
regency's name or figures); an indicator that fewer than five live regions report shows no national
figure, distribution, rank or percentile, from which one other regency's value could be worked out. The reporting pages read and write the regency's own tables through the
request's session, bound to the regency by the ``tenant`` dependency; every change is validated,
audited, and refused as a whole (status 422, nothing written) when anything is wrong.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from litestar import Request, Router, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import url
from satupintu.benchmarks import charts, display, formulas, monthly, periods, rollups, service, skm
from satupintu.benchmarks.indicators import INDICATORS, evaluation_index, survey_ikm
from satupintu.benchmarks.routes import formatter, scale
from satupintu.forms import Form
from satupintu.handlers import FormData, Upload, found, submit
from satupintu.i18n import gettext as _
from satupintu.survey import service as survey_service
from satupintu.tenants.models import Tenant

UPLOAD_BODY_LIMIT = 2 * service.MAX_UPLOAD_BYTES
"""Room above the file limit, so that a file somewhat too large gets our explanation, not a bare 413."""


def _page(name: str, tenant: Tenant, tab: str, status: int = 200, **context: Any) -> Template:
    return Template(f"admin/{name}.html", status_code=status,
                    context={"tenant": tenant, "section": "benchmarks", "tab": tab, "errors": {}, "values": {},
                             "fixed": display.fixed, **context})


def _done(tenant: Tenant, path: str) -> str:
    return url(tenant, f"kinerja/{path}")


# -- position -------------------------------------------------------------------------------------

@get("/", name="benchmarks:position")
async def position(tenant: Tenant, db_session: AsyncSession) -> Template:
    everything = await rollups.all_rollups(db_session)
    mine = next((r for r in everything if r.region_code == tenant.region_code), None)
    lines = []
    for ind in INDICATORS:
        standing = rollups.standing(everything, ind, tenant.region_code)
        line = {"ind": ind, "label": display.header(ind), "value": display.show(ind, standing.value),
                "standing": standing, "national": display.show_national(ind, standing.national)}
        dist = standing.distribution
        if dist is not None:
            fmt = formatter(ind)
            lower, upper = scale(ind, [dist.minimum, dist.maximum])
            line["chart"] = charts.strip(
                dist, lower=lower, upper=upper, fmt=fmt, marker=standing.value, marker_label=_("you"),
                title=_("%(label)s: %(name)s among the regions") % {"label": _(ind.label), "name": tenant.name},
                desc=_("The box spans the middle half of the live regions, the line is the median, the dot is you."))
            line["box"] = [fmt(v) for v in (dist.minimum, dist.q1, dist.median, dist.q3, dist.maximum)]
        lines.append(line)
    return _page("benchmarks", tenant, "position", lines=lines, mine=mine, regions=len(rollups.live(everything)),
                 minimum=rollups.MIN_REPORTING)


# -- survey ---------------------------------------------------------------------------------------

async def _survey_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    results = await service.surveys(session)
    counted = await skm.surveys(session)
    session.info.pop(monthly.CACHE, None)
    rows = []
    for result in results:
        value = survey_ikm(result)
        rows.append({"result": result, "label": periods.label(result.period), "ikm": formulas.round2(value),
                     "grade": formulas.ikm_grade(value), "set_aside": result.period in counted.set_aside})
    live = [p for p in counted.counted if p.source == skm.LIVE]
    return _page("benchmarks_survey", tenant, "survey", status, rows=rows, elements=formulas.ELEMENT_NAMES,
                 max_size="1 MB", live=[{"label": periods.label(p.period), "respondents": p.respondents,
                                         "ikm": formulas.round2(p.ikm), "grade": formulas.ikm_grade(p.ikm),
                                         "period": p.period} for p in reversed(live)],
                 comments=await survey_service.latest_comments(session), **context)


@get("/survei", name="benchmarks:survey")
async def survey(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _survey_page(db_session, tenant)


def _period(form: Form, name: str) -> str:
    period = form.text(name, required=True, max_length=20)
    if period:
        try:
            return service.check_period(period)
        except ValueError as exc:
            form.errors[name] = str(exc)
    return period


@post("/survei/jawaban", name="benchmarks:survey-responses", request_max_body_size=UPLOAD_BODY_LIMIT)
async def survey_responses(request: Request, tenant: Tenant, db_session: AsyncSession,
                           data: Upload) -> Template | Redirect:
    form = Form({k: v for k, v in data.items() if isinstance(v, str)})
    period = _period(form, "period")
    upload = data.get("file")
    problems: list[service.Problem] = []
    more = 0
    parsed = None
    if not isinstance(upload, UploadFile) or not upload.filename:
        form.errors["file"] = _("Choose the survey file (CSV).")
    else:
        raw = await upload.read(service.MAX_UPLOAD_BYTES + 1)
        try:
            parsed = service.parse_responses(raw)
        except service.UploadRefused as exc:
            problems, more = exc.problems, exc.more
            form.errors["file"] = _("The file was refused; nothing was saved. See the problems below.")
    return await submit(request, db_session, form,
                        lambda: service.save_survey(db_session, period, "responses", parsed),
                        again=partial(_survey_page, db_session, tenant, problems=problems, more=more, mode="responses"),
                        to=_done(tenant, "survei"))


@post("/survei/ringkasan", name="benchmarks:survey-summary")
async def survey_summary(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Template | Redirect:
    form = Form(data)
    period = _period(form, "s_period")
    respondents = form.integer("respondents", minimum=1, maximum=service.MAX_RESPONDENTS * 20)
    parsed, errors = service.parse_summary(respondents or 1, {e.lower(): form.raw(e.lower()) for e in formulas.ELEMENTS})
    form.errors.update(errors)
    return await submit(request, db_session, form, lambda: service.save_survey(db_session, period, "summary", parsed),
                        again=partial(_survey_page, db_session, tenant, mode="summary"), to=_done(tenant, "survei"))


@post("/survei/{period:str}/hapus", name="benchmarks:survey-delete")
async def survey_delete(request: Request, tenant: Tenant, db_session: AsyncSession, period: str) -> Redirect:
    result = found(await service.get_survey(db_session, period) if periods.PERIOD_RE.match(period) else None)
    return await submit(request, db_session, Form({}), lambda: service.delete_survey(db_session, result),
                        again=partial(_survey_page, db_session, tenant), to=_done(tenant, "survei"))


# -- evaluation -----------------------------------------------------------------------------------

async def _evaluation_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    rows = []
    for row in await service.evaluations(session):
        index = evaluation_index(row)
        rows.append({"row": row, "index": None if index is None else formulas.round2(index),
                     "category": formulas.ipp_category(index),
                     "scores": {k: display.fixed(v / 100, 2) for k, v in row.scores.items()}})
    return _page("benchmarks_evaluation", tenant, "evaluation", status, rows=rows, rules=formulas.ipp_rules(),
                 **context)


@get("/evaluasi", name="benchmarks:evaluation")
async def evaluation(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _evaluation_page(db_session, tenant)


@post("/evaluasi", name="benchmarks:evaluation-save")
async def evaluation_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                          data: FormData) -> Template | Redirect:
    form = Form(data)
    year = form.integer("year", minimum=service.FIRST_YEAR, maximum=date.today().year)
    notes = form.text("notes", max_length=2000)
    scores, errors = service.parse_scores({a.key: form.raw(a.key) for a in formulas.ipp_rules().aspects})
    form.errors.update(errors)
    return await submit(request, db_session, form, lambda: service.save_evaluation(db_session, year, scores, notes),
                        again=partial(_evaluation_page, db_session, tenant), to=_done(tenant, "evaluasi"))


@post("/evaluasi/{year:int}/hapus", name="benchmarks:evaluation-delete")
async def evaluation_delete(request: Request, tenant: Tenant, db_session: AsyncSession, year: int) -> Redirect:
    row = found(await service.get_evaluation(db_session, year))
    return await submit(request, db_session, Form({}), lambda: service.delete_evaluation(db_session, row),
                        again=partial(_evaluation_page, db_session, tenant), to=_done(tenant, "evaluasi"))


# -- monthly operations ---------------------------------------------------------------------------

async def _operations_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: Any) -> Template:
    rows = await service.operations(session)
    counted = await monthly.counted(session)
    return _page("benchmarks_operations", tenant, "operations", status, rows=rows, counted=counted,
                 month_label=periods.month_label, **context)


@get("/operasional", name="benchmarks:operations")
async def operations(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _operations_page(db_session, tenant)


@post("/operasional", name="benchmarks:operations-save")
async def operations_save(request: Request, tenant: Tenant, db_session: AsyncSession,
                          data: FormData) -> Template | Redirect:
    form = Form(data)
    month = form.text("month", required=True, max_length=7)
    if month:
        try:
            month = service.check_month(month)
        except ValueError as exc:
            form.errors["month"] = str(exc)
    figures = {name: form.integer(name, minimum=0, maximum=100_000_000) for name in service.OPERATIONS_FIELDS[1:]}
    received, on_time = figures["complaints_received"], figures["complaints_on_time"]
    if received is not None and on_time is not None and on_time > received:
        form.errors["complaints_on_time"] = _("Cannot be more than the complaints received.")
    return await submit(request, db_session, form, lambda: service.save_operations(db_session, month, figures),
                        again=partial(_operations_page, db_session, tenant), to=_done(tenant, "operasional"))


@post("/operasional/{month:str}/hapus", name="benchmarks:operations-delete")
async def operations_delete(request: Request, tenant: Tenant, db_session: AsyncSession, month: str) -> Redirect:
    row = found(await service.get_operations(db_session, month) if periods.MONTH_RE.match(month) else None)
    return await submit(request, db_session, Form({}), lambda: service.delete_operations(db_session, row),
                        again=partial(_operations_page, db_session, tenant), to=_done(tenant, "operasional"))


router = Router(
    path="/kinerja",
    route_handlers=[position, survey, survey_responses, survey_summary, survey_delete, evaluation, evaluation_save,
                    evaluation_delete, operations, operations_save, operations_delete],
)
