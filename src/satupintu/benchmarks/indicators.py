"""The indicators the ministry compares regencies by: each one a small function in one list.

An indicator has a name (its key in the rollups and URLs), a label and a definition (English msgids,
translated where they are shown), a unit, and ``compute(session)``, which reads ONE tenant's data
through a session bound to that tenant and returns a number, or None when the regency has nothing
to show yet (shown as "—"). Adding an indicator is adding a function here; the rollups, pages,
exports and the definitions page pick it up. No migration is needed: rollups keep values by name.

The three indicators that depend on the onboarding and knowledge-transfer tables (issue 5) are
registered as slots that return None until those tables exist; see the end of this module.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies.models import Agency
from satupintu.benchmarks import formulas, monthly, skm
from satupintu.benchmarks.formulas import N_
from satupintu.benchmarks.models import TOTAL_SCALE, SCORE_SCALE, ServiceEvaluation, SurveyResult
from satupintu.catalogue.models import TenantService
from satupintu.catalogue.schemas import UNIT_MINUTES
from satupintu.catalogue.shared import load_catalogue
from satupintu.tenants.models import TenantPolicy

Compute = Callable[[AsyncSession], Awaitable[float | None]]

UNITS = {
    "count": N_("number"),
    "percent": N_("percent"),
    "days": N_("working days"),
    "flag": N_("yes or no"),
    "ikm": N_("index 25 to 100"),
    "ipp": N_("index 0 to 5"),
    "per_month": N_("per month"),
    "minutes": N_("minutes"),
    "score": N_("average score 1 to 4"),
    "per_thousand": N_("per 1,000 transactions"),
}

GROUPS = {
    "services": N_("Services"),
    "agencies": N_("Agencies"),
    "policies": N_("Policies"),
    "quality": N_("Satisfaction and evaluation"),
    "operations": N_("Operations"),
    "onboarding": N_("Onboarding and knowledge transfer"),
}


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    unit: str
    definition: str
    compute: Compute
    group: str
    precision: int = 0
    higher_is_better: bool = True
    summary: bool = False  # one of the columns the overview shows by default
    source: str = ""  # where the data comes from, an English msgid

    def rounded(self, value: Any) -> float | int | None:
        """The value as pages and exports show it: rounded half up to this indicator's precision.

        Rollups store values already rounded this way, so the ministry sees the same number on every
        page, in every export and in every median (a median of two middle values is rounded again)."""
        if value is None:
            return None
        if isinstance(value, (float, int)) and round(value, self.precision) == value:  # stored values: already so
            return int(value) if self.precision == 0 else float(value)
        number = Decimal(str(value)).quantize(_STEPS[self.precision], ROUND_HALF_UP)
        return int(number) if self.precision == 0 else float(number)


INDICATORS: list[Indicator] = []
_STEPS = {n: Decimal(1).scaleb(-n) for n in range(6)}


def indicator(name: str, label: str, unit: str, definition: str, *, group: str, precision: int = 0,
              higher_is_better: bool = True, summary: bool = False, source: str = "") -> Callable[[Compute], Compute]:
    """Register ``compute`` as an indicator (names are unique; the order is the order of columns)."""
    if unit not in UNITS or group not in GROUPS:
        raise ValueError(f"{name}: unknown unit {unit!r} or group {group!r}")

    def register(compute: Compute) -> Compute:
        if any(existing.name == name for existing in INDICATORS):
            raise ValueError(f"indicator {name!r} is registered twice")
        INDICATORS.append(Indicator(name, label, unit, definition, compute, group, precision, higher_is_better,
                                    summary, source))
        return compute

    return register


def by_name() -> dict[str, Indicator]:
    return {ind.name: ind for ind in INDICATORS}


# -- shared reads, cached for the duration of one tenant's computation -----------------------------

CACHE = monthly.CACHE


async def _cached(session: AsyncSession, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
    cache = session.info.setdefault(CACHE, {})
    if key not in cache:
        cache[key] = await load()
    return cache[key]


async def enabled_services(session: AsyncSession) -> list[TenantService]:
    async def load() -> list[TenantService]:
        return list((await session.scalars(select(TenantService).where(TenantService.enabled.is_(True)))).all())

    return await _cached(session, "services", load)


async def agency_counts(session: AsyncSession) -> dict[str, int]:
    async def load() -> dict[str, int]:
        rows = await session.execute(select(Agency.kind, func.count()).group_by(Agency.kind))
        return {kind.value: count for kind, count in rows.all()}

    return await _cached(session, "agencies", load)


async def policy(session: AsyncSession) -> TenantPolicy | None:
    async def load() -> TenantPolicy | None:
        return await session.scalar(select(TenantPolicy))

    return await _cached(session, "policy", load)


async def latest_survey(session: AsyncSession) -> skm.SurveyPeriod | None:
    """The latest counted survey period: answers in the app where they exist, an upload otherwise."""
    return (await skm.surveys(session)).latest


async def latest_evaluation(session: AsyncSession) -> ServiceEvaluation | None:
    async def load() -> ServiceEvaluation | None:
        return await session.scalar(select(ServiceEvaluation).order_by(ServiceEvaluation.year.desc()).limit(1))

    return await _cached(session, "evaluation", load)


def survey_ikm(result: SurveyResult) -> Fraction:
    totals = [Fraction(total, TOTAL_SCALE) for total in result.totals]
    return formulas.ikm(formulas.element_averages(totals, result.respondents))


def evaluation_index(evaluation: ServiceEvaluation) -> Fraction | None:
    try:
        return formulas.ipp_index({key: Fraction(value, SCORE_SCALE) for key, value in evaluation.scores.items()})
    except ValueError:  # the rules changed since this year was entered; shown as missing, not guessed
        return None


def _share(part: int, whole: int) -> float | None:
    return None if not whole else float(Fraction(part * 100, whole))


# -- services -------------------------------------------------------------------------------------

@indicator("services_live", N_("Services live"), "count", group="services", summary=True,
           definition=N_("Services of the shared catalogue that the regency offers (enabled) today."),
           source=N_("The regency's catalogue in SatuPintu"))
async def services_live(session: AsyncSession) -> float | None:
    return float(len(await enabled_services(session)))


@indicator("catalogue_coverage", N_("Catalogue coverage"), "percent", group="services", precision=1, summary=True,
           definition=N_("Services live as a share of every service in the shared national catalogue."),
           source=N_("The regency's catalogue in SatuPintu"))
async def catalogue_coverage(session: AsyncSession) -> float | None:
    return _share(len(await enabled_services(session)), len(load_catalogue().services))


def standard_complete(service: TenantService) -> bool:
    """All six published components of a service standard are filled in (PermenPANRB 15/2014)."""
    return bool(service.requirements and service.steps and service.completion_value and service.completion_unit
                and service.cost is not None and (service.product or "").strip()
                and (service.complaint_channel or "").strip())


@indicator("standard_complete", N_("Complete service standards"), "percent", group="services", precision=1,
           summary=True,
           definition=N_("Share of live services whose standard names all of: requirements, steps, completion "
                         "time, cost, product and complaint channel."),
           source=N_("The regency's catalogue in SatuPintu"))
async def standard_complete_share(session: AsyncSession) -> float | None:
    services = await enabled_services(session)
    return _share(sum(standard_complete(s) for s in services), len(services))


@indicator("free_services", N_("Free services"), "percent", group="services", precision=1,
           definition=N_("Share of live services that cost the citizen nothing."),
           source=N_("The regency's catalogue in SatuPintu"))
async def free_services(session: AsyncSession) -> float | None:
    services = await enabled_services(session)
    return _share(sum(s.cost == 0 for s in services), len(services))


@indicator("completion_days", N_("Average completion time"), "days", group="services", precision=2,
           higher_is_better=False,
           definition=N_("Mean standard completion time of live services, in working days of eight hours "
                         "(minutes and hours are converted)."),
           source=N_("The regency's catalogue in SatuPintu"))
async def completion_days(session: AsyncSession) -> float | None:
    services = [s for s in await enabled_services(session) if s.completion_unit in UNIT_MINUTES]
    if not services:
        return None
    minutes = sum(Fraction(s.completion_value * UNIT_MINUTES[s.completion_unit]) for s in services)
    return float(minutes / len(services) / UNIT_MINUTES["hari"])


# -- agencies -------------------------------------------------------------------------------------

@indicator("agencies_total", N_("Agencies"), "count", group="agencies", summary=True,
           definition=N_("Agencies serving in the regency's mall, of every kind."),
           source=N_("The regency's agencies in SatuPintu"))
async def agencies_total(session: AsyncSession) -> float | None:
    return float(sum((await agency_counts(session)).values()))


def _agency_kind(kind: str) -> Compute:
    async def compute(session: AsyncSession) -> float | None:
        return float((await agency_counts(session)).get(kind, 0))

    return compute


indicator("agencies_opd", N_("Regional agencies (OPD)"), "count", group="agencies",
          definition=N_("The regency's own agencies (organisasi perangkat daerah) in the mall."),
          source=N_("The regency's agencies in SatuPintu"))(_agency_kind("opd"))
indicator("agencies_vertikal", N_("National agencies"), "count", group="agencies",
          definition=N_("Vertical (national) agencies in the mall, such as the police, tax or land office."),
          source=N_("The regency's agencies in SatuPintu"))(_agency_kind("vertikal"))
indicator("agencies_bumn", N_("State enterprises (BUMN)"), "count", group="agencies",
          definition=N_("State-owned enterprises serving in the mall, such as BPJS, PLN or banks."),
          source=N_("The regency's agencies in SatuPintu"))(_agency_kind("bumn"))
indicator("agencies_bumd", N_("Regional enterprises (BUMD)"), "count", group="agencies",
          definition=N_("Enterprises owned by the region serving in the mall, such as the water utility."),
          source=N_("The regency's agencies in SatuPintu"))(_agency_kind("bumd"))


# -- policies -------------------------------------------------------------------------------------

def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


@indicator("policy_permit_first", N_("Permits first, documents later"), "flag", group="policies",
           definition=N_("The regency issues permits first and lets applicants complete the documents later."),
           source=N_("The regency's local policies in SatuPintu"))
async def policy_permit_first(session: AsyncSession) -> float | None:
    found = await policy(session)
    return _flag(bool(found and found.permit_first))


@indicator("policy_complaints_4h", N_("Complaints answered within 4 hours"), "flag", group="policies",
           definition=N_("The regency promises an answer to every complaint within four hours or less."),
           source=N_("The regency's local policies in SatuPintu"))
async def policy_complaints_4h(session: AsyncSession) -> float | None:
    found = await policy(session)
    return _flag(bool(found and found.complaint_response_hours <= 4))


@indicator("policy_courier", N_("Documents delivered"), "flag", group="policies",
           definition=N_("Finished documents are delivered to the applicant's address."),
           source=N_("The regency's local policies in SatuPintu"))
async def policy_courier(session: AsyncSession) -> float | None:
    found = await policy(session)
    return _flag(bool(found and found.courier_delivery))


@indicator("policies_adopted", N_("Policies adopted"), "count", group="policies", summary=True,
           definition=N_("How many of the three policies the regency has adopted: permits first, complaints "
                         "answered within four hours, delivery of finished documents."),
           source=N_("The regency's local policies in SatuPintu"))
async def policies_adopted(session: AsyncSession) -> float | None:
    return sum([await policy_permit_first(session), await policy_complaints_4h(session),  # type: ignore[list-item]
                await policy_courier(session)])


# -- satisfaction and evaluation ------------------------------------------------------------------

SURVEY_SOURCE = N_("Answers citizens give in SatuPintu after being served; for periods without them, survey "
                   "results uploaded by the regency")


@indicator("ikm", N_("Satisfaction index (IKM)"), "ikm", group="quality", precision=2, summary=True,
           definition=N_("Indeks Kepuasan Masyarakat of the latest survey period: the nine element averages "
                         "(U1 to U9, scored 1 to 4), each weighted 1/9, times 25 (PermenPANRB 14/2017). A month "
                         "with answers in the app is counted from them (per semester) and an uploaded period "
                         "that includes such a month is set aside, so no answer is counted twice."),
           source=SURVEY_SOURCE)
async def ikm(session: AsyncSession) -> float | None:
    result = await latest_survey(session)
    return None if result is None else float(formulas.round2(result.ikm))


def _element(index: int) -> Compute:
    async def compute(session: AsyncSession) -> float | None:
        result = await latest_survey(session)
        return None if result is None else float(result.averages[index])

    return compute


for _index, (_code, _label) in enumerate(zip(formulas.ELEMENTS, (
        N_("IKM U1: requirements"), N_("IKM U2: procedures"), N_("IKM U3: completion time"),
        N_("IKM U4: cost or tariff"), N_("IKM U5: service products"), N_("IKM U6: staff competence"),
        N_("IKM U7: staff conduct"), N_("IKM U8: complaint handling"), N_("IKM U9: facilities")))):
    indicator(f"ikm_{_code.lower()}", _label, "score", group="quality", precision=2, source=SURVEY_SOURCE,
              definition=N_("The element's average score (NRR, 1 to 4) in the latest survey period, the same "
                            "period as the IKM."))(_element(_index))


@indicator("ipp", N_("Evaluation index (IPP)"), "ipp", group="quality", precision=2, summary=True,
           definition=N_("Indeks Pelayanan Publik of the latest year: the six aspect scores (0 to 5) weighted "
                         "as in PermenPANRB 29/2022; a self-assessment until the ministry verifies it."),
           source=N_("Self-assessment entered by the regency"))
async def ipp(session: AsyncSession) -> float | None:
    evaluation = await latest_evaluation(session)
    index = None if evaluation is None else evaluation_index(evaluation)
    return None if index is None else float(formulas.round2(index))


# -- operations -----------------------------------------------------------------------------------

LIVE_SOURCE = N_("Queue tickets in SatuPintu; for months without tickets, figures reported by the regency")
MEASURED_SOURCE = N_("Queue tickets in SatuPintu")
APPLICATIONS_SOURCE = N_("Applications in SatuPintu")


@indicator("visitors_month", N_("Visitors per month"), "per_month", group="operations", summary=True,
           definition=N_("Average visitors per month over the last twelve months with figures. A visitor is a "
                         "queue ticket taken (kiosk, phone, API or booking check-in) that was not marked as a "
                         "no-show; a transferred ticket counts once. Months without tickets use the figures the "
                         "regency reported, and are marked as reported."),
           source=LIVE_SOURCE)
async def visitors_month(session: AsyncSession) -> float | None:
    rows = await monthly.recent(session)
    return float(Fraction(sum(r.visitors for r in rows), len(rows))) if rows else None


@indicator("transactions_month", N_("Transactions per month"), "per_month", group="operations",
           definition=N_("Average services delivered per month over the last twelve months with figures. A "
                         "transaction is a queue ticket served to the end (started and finished at a counter). "
                         "Months without tickets use the figures the regency reported, and are marked as reported."),
           source=LIVE_SOURCE)
async def transactions_month(session: AsyncSession) -> float | None:
    rows = await monthly.recent(session)
    return float(Fraction(sum(r.transactions for r in rows), len(rows))) if rows else None


def _measured(which: str, part: str) -> Compute:
    async def compute(session: AsyncSession) -> float | None:
        waiting, service = await monthly.times(session)
        return monthly.minutes(getattr(waiting if which == "waiting" else service, part))

    return compute


indicator("waiting_median", N_("Median waiting time"), "minutes", group="operations", precision=1,
          higher_is_better=False, source=MEASURED_SOURCE,
          definition=N_("Median waiting time of the tickets served in the last twelve months with queue data. "
                        "Waiting runs from joining the line (taking the ticket, its last transfer, or for a booking "
                        "checked in early its slot) to the call that brought the citizen to the counter that "
                        "served them."))(
    _measured("waiting", "median"))
indicator("waiting_p90", N_("Waiting time, 90th percentile"), "minutes", group="operations", precision=1,
          higher_is_better=False, source=MEASURED_SOURCE,
          definition=N_("Nine in ten tickets served in the last twelve months with queue data waited at most "
                        "this long."))(_measured("waiting", "p90"))
indicator("service_median", N_("Median service time"), "minutes", group="operations", precision=1,
          higher_is_better=False, source=MEASURED_SOURCE,
          definition=N_("Median service time of the tickets served in the last twelve months with queue data. "
                        "Service runs from the operator's start to the finish at the counter."))(
    _measured("service", "median"))
indicator("service_p90", N_("Service time, 90th percentile"), "minutes", group="operations", precision=1,
          higher_is_better=False, source=MEASURED_SOURCE,
          definition=N_("Nine in ten tickets served in the last twelve months with queue data were served within "
                        "this time."))(_measured("service", "p90"))


COMPLAINTS_SOURCE = N_("Complaints recorded in SatuPintu (every channel); for months without any, figures reported "
                       "by the regency")


@indicator("complaints_on_time", N_("Complaints answered on time"), "percent", group="operations", precision=1,
           summary=True,
           definition=N_("Complaints answered within the promised time as a share of complaints received, over "
                         "the last twelve months with figures. Months with complaints recorded in SatuPintu count "
                         "those (answered on time: the first answer by its deadline); other months use the figures "
                         "the regency reported."),
           source=COMPLAINTS_SOURCE)
async def complaints_on_time(session: AsyncSession) -> float | None:
    rows = [r for r in await monthly.recent(session) if r.complaints_received is not None]
    return _share(sum(r.complaints_on_time or 0 for r in rows), sum(r.complaints_received for r in rows))


@indicator("complaints_per_1000", N_("Complaints per 1,000 transactions"), "per_thousand", group="operations",
           precision=1, higher_is_better=False,
           definition=N_("Complaints received per 1,000 transactions over the last twelve months with figures for "
                         "both (complaints as in \"Complaints answered on time\", transactions as in "
                         "\"Transactions per month\")."),
           source=COMPLAINTS_SOURCE)
async def complaints_per_1000(session: AsyncSession) -> float | None:
    rows = [r for r in await monthly.recent(session) if r.complaints_received is not None]
    transactions = sum(r.transactions for r in rows)
    return float(Fraction(sum(r.complaints_received for r in rows) * 1000, transactions)) if transactions else None


@indicator("complaint_first_answer", N_("Median time to a complaint's first answer"), "minutes", group="operations",
           higher_is_better=False,
           definition=N_("Median working time (the mall's opening hours, or every hour where the regency counts "
                         "around the clock) from a complaint's arrival to its first answer, over the complaints "
                         "received in SatuPintu in the twelve months up to today."),
           source=N_("Complaints recorded in SatuPintu (every channel)"))
async def complaint_first_answer(session: AsyncSession) -> float | None:
    from satupintu.complaints import service as complaints
    from satupintu.tenants.models import Tenant

    tenant = await session.get(Tenant, session.info.get("tenant_id"))
    if tenant is None:
        return None
    today = date.today()
    found = await complaints.response_minutes(session, tenant, monthly.first_month(today, monthly.RECENT_MONTHS), today)
    return float(statistics.median(found)) if found else None


# -- onboarding, learning and transfer -------------------------------------------------------------

@indicator("onboarding_readiness", N_("Onboarding readiness"), "percent", group="onboarding", precision=1,
           definition=N_("Share of the go-live readiness checks the regency passes: a location with opening "
                         "hours, agencies, services offered, every offered service with an agency, counters, "
                         "local policies and an active admin."),
           source=N_("The onboarding wizard"))
async def onboarding_readiness(session: AsyncSession) -> float | None:
    from satupintu.onboarding import service as onboarding_service
    from satupintu.tenants.models import Tenant

    tenant = await session.get(Tenant, session.info.get("tenant_id"))
    if tenant is None:
        return None
    checks = await onboarding_service.readiness(session, tenant)
    return _share(sum(1 for c in checks if c.ok), len(checks))


@indicator("training_completion", N_("Training completion"), "percent", group="onboarding", precision=1,
           definition=N_("Share of the knowledge-transfer modules the regency's staff have completed."),
           source=N_("Knowledge-transfer modules"))
async def training_completion(session: AsyncSession) -> float | None:
    """Completed (person, module) pairs over the modules meant for each active person's role."""
    from satupintu.accounts.models import StaffAccount
    from satupintu.knowledge.models import ModuleProgress
    from satupintu.knowledge.modules import shipped_modules

    audience = {"tenant_admin": "admin", "operator": "operator"}
    staff = (await session.scalars(select(StaffAccount).where(StaffAccount.active.is_(True)))).all()
    modules = shipped_modules()
    assigned = {(s.id, slug) for s in staff for slug, m in modules.items()
                if audience.get(s.role.value) in m.meta.audience}
    if not assigned:
        return None
    done = {(p.staff_id, p.module_slug) for p in (await session.scalars(
        select(ModuleProgress).where(ModuleProgress.completed_at.is_not(None)))).all()}
    return _share(len(assigned & done), len(assigned))


@indicator("innovations", N_("Innovations and replications"), "count", group="onboarding",
           definition=N_("Service innovations the regency registered plus innovations of other regions it "
                         "replicated."),
           source=N_("Knowledge-transfer modules"))
async def innovations(session: AsyncSession) -> float | None:
    from satupintu.transfer.models import Innovation

    return float(await session.scalar(select(func.count()).select_from(Innovation)) or 0)


# -- applications (live) --------------------------------------------------------------------------

async def application_figures(session: AsyncSession) -> Any:
    """Applications of the last twelve local months, pooled (``applications.measures``)."""
    from satupintu.applications import measures

    async def load() -> Any:
        return await measures.pooled(session, monthly.first_month(date.today(), monthly.RECENT_MONTHS))
    return await _cached(session, "applications", load)


def _application(part: str, *, counted: bool = False) -> Compute:
    async def compute(session: AsyncSession) -> float | None:
        figures = await application_figures(session)
        if counted:
            return float(getattr(figures, part)) if figures.done or getattr(figures, part) else None
        value = getattr(figures, part)
        return None if value is None else float(value)

    return compute


indicator("applications_completion_median", N_("Median completion time of applications"), "days",
          group="operations", precision=1, higher_is_better=False, source=APPLICATIONS_SOURCE,
          definition=N_("Median time from submitting an application to its product being made (done), in the "
                        "regency's working days (opening days less holidays, the calendar of the due date), over "
                        "the applications done in the last twelve months; a permit issued first counts as done at "
                        "once."))(_application("completion_median"))
indicator("applications_completion_p90", N_("Completion time of applications, 90th percentile"), "days",
          group="operations", precision=1, higher_is_better=False, source=APPLICATIONS_SOURCE,
          definition=N_("Nine in ten applications done in the last twelve months were done within this time."))(
    _application("completion_p90"))
indicator("applications_within_sla", N_("Applications done within their service standard"), "percent",
          group="operations", precision=1, source=APPLICATIONS_SOURCE,
          definition=N_("Share of the applications done in the last twelve months that were done by their due "
                        "date: the service's completion time counted in the regency's working days."))(
    _application("within_sla"))
indicator("permits_revoked", N_("Permits revoked"), "count", group="operations", higher_is_better=False,
          source=APPLICATIONS_SOURCE,
          definition=N_("Permits issued first whose documents did not follow in time, revoked in the last twelve "
                        "months."))(_application("permits_revoked", counted=True))
indicator("deliveries", N_("Documents delivered by courier"), "count", group="operations",
          source=APPLICATIONS_SOURCE,
          definition=N_("Finished documents handed over at the applicant's address in the last twelve months."))(
    _application("deliveries", counted=True))
