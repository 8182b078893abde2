"""The survey's pages: rating a served visit (from the ticket page, the counter's screen or a
notification), the regency's published results, and the counter's screen with the rating QR code.

Handlers read input, call :mod:`satupintu.survey.service` and render. The rating link holds only a
sealed token; the results page shows aggregates only (never a comment, never a respondent).
"""

from __future__ import annotations

from typing import Annotated, Any

import segno
from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
from satupintu.agencies.models import Counter
from satupintu.benchmarks import formulas, periods
from satupintu.benchmarks.display import fixed
from satupintu.forms import Form
from satupintu.handlers import FormData
from satupintu.i18n import gettext as _
from satupintu.queue import service as queue
from satupintu.security import current_principal, tenant_operator
from satupintu.survey import service
from satupintu.survey.models import SCORE_COLUMNS
from satupintu.tenancy import provide_tenant
from satupintu.tenants.models import Tenant
from satupintu.web import absolute_url

TENANT = {"tenant": provide_tenant}


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


def rating_url(request: Request, tenant: Tenant, kind: str, reference: str) -> str:
    """The absolute address of a transaction's rating page (for a page, a QR code or a message)."""
    return absolute_url(request, service.rating_path(_secret(request), tenant, kind, reference))


async def invitation(request: Request, tenant: Tenant, session: AsyncSession, kind: str, reference: str) -> str | None:
    """The rating link for a served transaction's own page, or None once it has been rated."""
    if await service.is_rated(session, _secret(request), tenant, kind, reference):
        return None
    return rating_url(request, tenant, kind, reference)


def _format(value: Any, places: int) -> str:
    return fixed(formulas.round_half_up(value, places), places)


# -- rating ---------------------------------------------------------------------------------------


def _refused(tenant: Tenant, exc: service.SurveyRefused) -> Template:
    return Template("survey/refused.html", status_code=exc.status, context={"tenant": tenant, "message": exc.text()})


def _form(tenant: Tenant, token: str, *, status: int = 200, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None) -> Template:
    return Template("survey/rate.html", status_code=status, context={
        "tenant": tenant, "token": token, "questions": service.QUESTIONS, "names": formulas.ELEMENT_NAMES,
        "errors": errors or {}, "values": values or {}, "max_comment": service.MAX_COMMENT,
    })


@get("/{slug:str}/survei/nilai/{token:str}", name="survey:rate", dependencies=TENANT)
async def rate_page(request: Request, tenant: Tenant, db_session: AsyncSession, token: str) -> Template:
    try:
        served = await service.find(db_session, _secret(request), tenant, token)
    except service.SurveyRefused as exc:
        return _refused(tenant, exc)
    if served is None:
        raise NotFoundException()
    return _form(tenant, token)


@post("/{slug:str}/survei/nilai/{token:str}", name="survey:rate-post", dependencies=TENANT, status_code=303)
async def rate(request: Request, tenant: Tenant, db_session: AsyncSession, token: str,
               data: FormData) -> Template | Redirect:
    try:
        served = await service.find(db_session, _secret(request), tenant, token)
    except service.SurveyRefused as exc:
        return _refused(tenant, exc)
    if served is None:
        raise NotFoundException()
    form = Form(data)
    scores = {name: form.choice(name, ("1", "2", "3", "4")) for name in SCORE_COLUMNS}
    for name in SCORE_COLUMNS:
        if name in form.errors:
            form.errors[name] = _("Choose one of the four answers.")
    comment = form.text("comment", max_length=service.MAX_COMMENT)
    if form.errors:
        return _form(tenant, token, status=422, errors=form.errors, values={**scores, "comment": comment})
    try:
        await service.respond(db_session, _secret(request), tenant, served, {k: int(v) for k, v in scores.items()},
                              comment, i18n.current_locale.get())
    except service.SurveyRefused as exc:
        return _refused(tenant, exc)
    return Redirect(f"/{tenant.slug}/survei/terima-kasih", status_code=303)


@get("/{slug:str}/survei/terima-kasih", name="survey:thanks", dependencies=TENANT)
async def thanks(tenant: Tenant) -> Template:
    return Template("survey/thanks.html", context={"tenant": tenant})


# -- published results ----------------------------------------------------------------------------


@get("/{slug:str}/survei", name="survey:results", dependencies=TENANT)
async def results(tenant: Tenant, db_session: AsyncSession,
                  periode: Annotated[str, Parameter(query="periode", default="", max_length=12)] = "") -> Template:
    """The regency's IKM for a period: overall, per element, per agency, service and location."""
    months = await service.months_answered(db_session)
    offered = service.periods_of(months)
    period, error = service.default_period(months), None
    if periode:
        try:
            period = periods.normalise(periode)
        except ValueError:
            error = _("Write the period as a year (2026), a semester (2026-S1), a quarter (2026-Q3) or a "
                      "month (2026-05).")
    context: dict[str, Any] = {"tenant": tenant, "period": period, "offered": offered, "error": error,
                               "names": formulas.ELEMENT_NAMES, "grades": formulas.IKM_GRADES,
                               "table": formulas.GRADE_TABLE, "show": _format,
                               "decimal": lambda value: fixed(value, -value.as_tuple().exponent),
                               "period_label": periods.label}
    if period and not error:
        context["overall"] = await service.overall(db_session, tenant, period)
        context["groups"] = [(dimension, await service.by(db_session, tenant, period, dimension))
                             for dimension in service.DIMENSIONS] if context["overall"] else []
    return Template("survey/results.html", status_code=400 if error else 200, context=context)


# -- the counter's screen -------------------------------------------------------------------------


@get("/survei", name="survey:counter-screen")
async def counter_screen(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    """A screen the operator turns to the citizen: the QR code to rate the visit just finished here."""
    desk = await queue.desk_of(db_session, current_principal(request).id)
    counter = await db_session.get(Counter, desk.counter_id) if desk else None
    ticket = await service.last_finished_ticket(db_session, counter.id) if counter else None
    url = await invitation(request, tenant, db_session, service.TICKET, ticket.public_id) if ticket else None
    return Template("survey/counter.html", context={
        "tenant": tenant, "counter": counter, "ticket": ticket, "url": url, "rated": ticket is not None and url is None,
        "qr": segno.make(url, error="m").svg_data_uri(scale=6, border=2) if url else None,
        "minutes": service.SCREEN_MINUTES,
    })


public_router = Router(path="/", route_handlers=[rate_page, rate, thanks, results])
counter_router = Router(path="/{slug:str}/loket", route_handlers=[counter_screen],
                        dependencies={"tenant": provide_tenant}, guards=[tenant_operator])
