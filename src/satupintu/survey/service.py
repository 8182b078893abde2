"""The satisfaction survey's rules: which transactions may be rated, the invitation, one response per
transaction, and IKM per service, agency, location and period (PermenPANRB 14/2017).

A **transaction** is something a citizen was served: a queue ticket finished at a counter today,
an application done later. Each kind registers how to find one by its public reference, whether it
was served, what it was (service, agency, location, local month), and how many were served in a
period (for the Krejcie-Morgan sample size). Adding the applications' kind is one more
:func:`transaction_kind` registration; the rest of the survey does not change.

The invitation is a link holding the regency, kind and reference sealed with the app's key: it
cannot be guessed or altered and says nothing about anyone. It can be used once: the response keeps
a keyed digest of the transaction, unique per regency and kind (see :mod:`satupintu.survey.models`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n, security
from satupintu.agencies.models import Agency, Location
from satupintu.applications import service as applications
from satupintu.applications.models import Application
from satupintu.benchmarks import formulas, periods
from satupintu.catalogue.models import TenantService
from satupintu.queue import service as queue
from satupintu.queue.models import CounterGroup, Ticket, TicketStatus
from satupintu.survey.models import SCORE_COLUMNS, SurveyResponse
from satupintu.tenants.models import Tenant

TOKEN_PURPOSE = "survey-invitation"
DIGEST_PURPOSE = "survey-transaction"
RATING_DAYS = 30
"""A transaction can be rated within this many days of being served, so a period's results settle."""
MAX_TOKEN = 400
MAX_COMMENT = 1000
SCREEN_MINUTES = 30
"""The counter's survey screen offers the counter's last finished ticket for this long."""

DIMENSIONS = ("agency", "service", "location")


def N_(message: str) -> str:
    """Marks a message for translation; it is translated where it is shown."""
    return message


QUESTIONS = {
    "u1": (N_("How well do the requirements match the kind of service?"),
           (N_("Not suitable"), N_("Somewhat suitable"), N_("Suitable"), N_("Very suitable"))),
    "u2": (N_("How easy is the procedure of this service?"),
           (N_("Not easy"), N_("Somewhat easy"), N_("Easy"), N_("Very easy"))),
    "u3": (N_("How fast was the service completed?"),
           (N_("Not fast"), N_("Somewhat fast"), N_("Fast"), N_("Very fast"))),
    "u4": (N_("How fair is the cost or tariff of this service?"),
           (N_("Very expensive"), N_("Rather expensive"), N_("Cheap"), N_("Free"))),
    "u5": (N_("How well does what you received match the published service standard?"),
           (N_("Does not match"), N_("Somewhat matches"), N_("Matches"), N_("Fully matches"))),
    "u6": (N_("How competent were the staff who served you?"),
           (N_("Not competent"), N_("Somewhat competent"), N_("Competent"), N_("Very competent"))),
    "u7": (N_("How courteous and friendly were the staff?"),
           (N_("Not courteous"), N_("Somewhat courteous"), N_("Courteous"), N_("Very courteous"))),
    "u8": (N_("How well are complaints, suggestions and feedback handled?"),
           (N_("No handling"), N_("Handled, not working"), N_("Working, not followed up"),
            N_("Handled well"))),
    "u9": (N_("How good are the facilities and infrastructure?"),
           (N_("Poor"), N_("Adequate"), N_("Good"), N_("Very good"))),
}
"""The nine elements as the regulation's sample questionnaire asks them, with its four answers (1 to 4)."""


class SurveyRefused(Exception):
    """A response cannot be taken; ``message`` (an English msgid) is translated where it is shown."""

    def __init__(self, status: int, message: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.params = status, message, params or {}

    def text(self) -> str:
        translated = i18n.gettext(self.message)
        return translated % self.params if self.params else translated


def already_rated() -> SurveyRefused:
    return SurveyRefused(409, N_("This visit has already been rated. Each visit is rated once: thank you for "
                                 "your answers."))


# -- transactions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Served:
    """A transaction that may be rated: what it was and when, never who."""

    kind: str
    reference: str
    service_id: int | None
    agency_id: int | None
    location_id: int | None
    month: str  # YYYY-MM, the regency's local month
    served_at: datetime


Find = Callable[[AsyncSession, Tenant, str], Awaitable["Served | None"]]
Count = Callable[[AsyncSession, Tenant, date, date, "str | None"], Awaitable[dict[int | None, int]]]


@dataclass(frozen=True)
class TransactionKind:
    name: str
    find: Find  # the served transaction, None when unknown; SurveyRefused when not served (yet)
    count: Count  # transactions served between two local days, per id of a dimension (None: all)


KINDS: dict[str, TransactionKind] = {}


def transaction_kind(name: str, count: Count) -> Callable[[Find], Find]:
    """Register a kind of transaction that can be rated (its name is stored with each response)."""

    def register(find: Find) -> Find:
        if name in KINDS:
            raise ValueError(f"transaction kind {name!r} is registered twice")
        KINDS[name] = TransactionKind(name, find, count)
        return find

    return register


TICKET = "ticket"


async def _count_tickets(session: AsyncSession, _tenant: Tenant, first: date, last: date,
                         dimension: str | None) -> dict[int | None, int]:
    """Tickets served to the end (the queue's transactions) whose local day lies in ``first..last``."""
    served = (Ticket.status == TicketStatus.DONE, Ticket.day >= first, Ticket.day <= last)
    if dimension is None:
        return {None: await session.scalar(select(func.count()).select_from(Ticket).where(*served)) or 0}
    column = {"service": Ticket.service_id, "agency": CounterGroup.agency_id,
              "location": CounterGroup.location_id}[dimension]
    query = (select(column, func.count()).select_from(Ticket).join(CounterGroup, CounterGroup.id == Ticket.group_id)
             .where(*served).group_by(column))
    return dict((await session.execute(query)).all())


@transaction_kind(TICKET, _count_tickets)
async def _ticket(session: AsyncSession, _tenant: Tenant, reference: str) -> Served | None:
    ticket = await queue.get_ticket(session, reference)
    if ticket is None:
        return None
    if ticket.status != TicketStatus.DONE or ticket.finished_at is None:
        raise SurveyRefused(409, N_("This visit can be rated once you have been served at the counter."))
    group = await session.get(CounterGroup, ticket.group_id)
    return Served(TICKET, ticket.public_id, ticket.service_id, group.agency_id, group.location_id,
                  periods.month_code(ticket.day), queue.as_utc(ticket.finished_at))


APPLICATION = "application"


def _local_midnight(tenant: Tenant, day: date) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(tenant.timezone.iana)).astimezone(UTC)


async def _count_applications(session: AsyncSession, tenant: Tenant, first: date, last: date,
                              dimension: str | None) -> dict[int | None, int]:
    """Applications done (their result made) on a local day in ``first..last``; they have no location."""
    done = (Application.done_at >= _local_midnight(tenant, first),
            Application.done_at < _local_midnight(tenant, last + timedelta(days=1)))
    if dimension is None:
        return {None: await session.scalar(select(func.count()).select_from(Application).where(*done)) or 0}
    if dimension == "location":
        return {}
    column = Application.service_id if dimension == "service" else Application.agency_id
    return dict((await session.execute(select(column, func.count()).where(*done).group_by(column))).all())


@transaction_kind(APPLICATION, _count_applications)
async def _application(session: AsyncSession, tenant: Tenant, reference: str) -> Served | None:
    application = await applications.by_tracking_number(session, reference)
    if application is None:
        return None
    if application.done_at is None:
        raise SurveyRefused(409, N_("This application can be rated once its result is done."))
    done_at = applications.as_utc(application.done_at)
    return Served(APPLICATION, application.tracking_number, application.service_id, application.agency_id, None,
                  periods.month_code(applications.local_day(tenant, done_at)), done_at)


# -- the invitation -------------------------------------------------------------------------------

def invitation_token(secret_key: str, tenant: Tenant, kind: str, reference: str) -> str:
    """The sealed part of the rating link: regency, kind and reference, encrypted and signed."""
    return security.seal(secret_key, f"{tenant.id}:{kind}:{reference}", TOKEN_PURPOSE)


def rating_path(secret_key: str, tenant: Tenant, kind: str, reference: str) -> str:
    """The rating page of a transaction, from the site's root (a page or a message puts its address in front)."""
    return f"/{tenant.slug}/survei/nilai/{invitation_token(secret_key, tenant, kind, reference)}"


def read_token(secret_key: str, tenant: Tenant, token: str) -> tuple[str, str] | None:
    """(kind, reference) of a link made for this regency; None for anything else."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        tenant_id, kind, reference = security.unseal(secret_key, token, TOKEN_PURPOSE).split(":", 2)
    except ValueError:
        return None
    if tenant_id != str(tenant.id) or kind not in KINDS:
        return None
    return kind, reference


def digest(secret_key: str, tenant: Tenant, kind: str, reference: str) -> str:
    message = f"{DIGEST_PURPOSE}:{tenant.id}:{kind}:{reference}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


async def is_rated(session: AsyncSession, secret_key: str, tenant: Tenant, kind: str, reference: str) -> bool:
    found = await session.scalar(select(SurveyResponse.id).where(
        SurveyResponse.transaction_kind == kind,
        SurveyResponse.transaction_digest == digest(secret_key, tenant, kind, reference)))
    return found is not None


async def find(session: AsyncSession, secret_key: str, tenant: Tenant, token: str,
               now: datetime | None = None) -> Served | None:
    """The transaction a link invites to rate; None for a link that is not this regency's. Raises
    SurveyRefused when it is not served yet, was served too long ago, or was rated already."""
    found = read_token(secret_key, tenant, token)
    if found is None:
        return None
    kind, reference = found
    served = await KINDS[kind].find(session, tenant, reference)
    if served is None:
        return None
    if queue.now_or_clock(now) > served.served_at + timedelta(days=RATING_DAYS):
        raise SurveyRefused(409, N_("A visit can be rated within %(days)s days of being served; this one was "
                                    "served earlier."), {"days": RATING_DAYS})
    if await is_rated(session, secret_key, tenant, kind, reference):
        raise already_rated()
    return served


async def last_finished_ticket(session: AsyncSession, counter_id: int, now: datetime | None = None) -> Ticket | None:
    """The ticket this counter finished last, if within the last ``SCREEN_MINUTES`` (the counter's screen)."""
    since = queue.now_or_clock(now) - timedelta(minutes=SCREEN_MINUTES)
    return await session.scalar(select(Ticket).where(
        Ticket.counter_id == counter_id, Ticket.status == TicketStatus.DONE, Ticket.finished_at >= since)
        .order_by(Ticket.finished_at.desc()).limit(1))


# -- answering ------------------------------------------------------------------------------------

async def respond(session: AsyncSession, secret_key: str, tenant: Tenant, served: Served, scores: dict[str, int],
                  comment: str | None, language: str) -> None:
    """Record one response. The insert ignores a conflict on the transaction's digest, so of two
    answers sent at once exactly one is kept; the other is refused as already rated."""
    if set(scores) != set(SCORE_COLUMNS) or any(not 1 <= v <= 4 for v in scores.values()):
        raise ValueError("nine scores from 1 to 4")
    row = {"tenant_id": tenant.id, "transaction_kind": served.kind,
           "transaction_digest": digest(secret_key, tenant, served.kind, served.reference),
           "service_id": served.service_id, "agency_id": served.agency_id, "location_id": served.location_id,
           "month": served.month, "comment": comment or None, "language": language, **scores}
    inserted = await session.execute(queue.insert_ignore(session, SurveyResponse, [row])
                                     .returning(SurveyResponse.id))
    if inserted.scalar_one_or_none() is None:
        raise already_rated()


# -- IKM ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """IKM of one group of responses (a regency, an agency, a service or a location) in one period."""

    key: int | None
    name: str
    respondents: int
    totals: tuple[int, ...]  # per element, the sum of the scores
    transactions: int  # served in the period

    @property
    def averages(self) -> list[Fraction]:
        """NRR per element (the element's mean score)."""
        return formulas.element_averages(self.totals, self.respondents)

    @property
    def weighted(self) -> list[Fraction]:
        """NRR tertimbang per element: NRR x 1/9."""
        return [average * formulas.ELEMENT_WEIGHT for average in self.averages]

    @property
    def interval(self) -> Fraction:
        """The unit's value on the 1..4 scale: the sum of the weighted averages."""
        return sum(self.weighted, Fraction(0))

    @property
    def ikm(self) -> Fraction:
        return formulas.ikm(self.averages)

    @property
    def grade(self) -> formulas.Grade:
        return formulas.ikm_grade(self.ikm)  # type: ignore[return-value]

    @property
    def sample(self) -> int:
        """Respondents the Krejcie-Morgan rule asks for, given the period's transactions."""
        return formulas.krejcie_morgan(self.transactions)

    @property
    def enough(self) -> bool:
        return self.transactions > 0 and self.respondents >= self.sample


def _sums() -> list[Any]:
    return [func.sum(getattr(SurveyResponse, name)) for name in SCORE_COLUMNS]


def _in(period: str) -> Any:
    first, last = periods.bounds(period)
    return SurveyResponse.month.between(periods.month_code(first), periods.month_code(last))


async def _transactions(session: AsyncSession, tenant: Tenant, period: str,
                        dimension: str | None) -> dict[int | None, int]:
    first, last = periods.bounds(period)
    out: dict[int | None, int] = {}
    for kind in KINDS.values():
        for key, count in (await kind.count(session, tenant, first, last, dimension)).items():
            out[key] = out.get(key, 0) + count
    return out


async def transactions(session: AsyncSession, tenant: Tenant, period: str) -> int:
    """Transactions of every kind served in a period (the population of its sample)."""
    return sum((await _transactions(session, tenant, period, None)).values())


async def _names(session: AsyncSession, dimension: str, ids: Iterable[int]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    if dimension == "service":
        rows = await session.execute(select(TenantService.id, TenantService.name_id, TenantService.name_en)
                                     .where(TenantService.id.in_(wanted)))
        english = i18n.current_locale.get() == "en"
        return {key: (name_en or name_id) if english else name_id for key, name_id, name_en in rows.all()}
    model = Agency if dimension == "agency" else Location
    return dict((await session.execute(select(model.id, model.name).where(model.id.in_(wanted)))).all())


async def overall(session: AsyncSession, tenant: Tenant, period: str) -> Result | None:
    """The regency's IKM in a period; None without responses."""
    row = (await session.execute(select(func.count(), *_sums()).where(_in(period)))).one()
    if not row[0]:
        return None
    return Result(None, "", row[0], tuple(int(v) for v in row[1:]), await transactions(session, tenant, period))


async def by(session: AsyncSession, tenant: Tenant, period: str, dimension: str) -> list[Result]:
    """IKM per agency, service or location in a period, by name; responses whose agency, service or
    location was deleted since are grouped under "—"."""
    column = getattr(SurveyResponse, f"{dimension}_id")
    rows = (await session.execute(select(column, func.count(), *_sums()).where(_in(period)).group_by(column))).all()
    served = await _transactions(session, tenant, period, dimension)
    names = await _names(session, dimension, (r[0] for r in rows))
    results = [Result(r[0], names.get(r[0], "—"), r[1], tuple(int(v) for v in r[2:]), served.get(r[0], 0))
               for r in rows]
    return sorted(results, key=lambda r: r.name.lower())


@dataclass(frozen=True)
class Comment:
    month: str
    service: str
    text: str


async def latest_comments(session: AsyncSession, limit: int = 20) -> list[Comment]:
    """The latest suggestions written with an answer, for the regency's admins (never published)."""
    rows = (await session.execute(select(SurveyResponse.month, SurveyResponse.service_id, SurveyResponse.comment)
                                  .where(SurveyResponse.comment.is_not(None))
                                  .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc())
                                  .limit(limit))).all()
    names = await _names(session, "service", {service_id for _month, service_id, _text in rows})
    return [Comment(month, names.get(service_id, "—"), text) for month, service_id, text in rows]


async def months_answered(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(SurveyResponse.month).distinct().order_by(SurveyResponse.month))).all())


def periods_of(months: Sequence[str]) -> list[str]:
    """The years, semesters and quarters that have responses, latest first."""
    found: set[str] = set()
    for month in months:
        year, number = month[:4], int(month[5:])
        found |= {year, f"{year}-S{1 if number <= 6 else 2}", f"{year}-Q{(number - 1) // 3 + 1}"}
    return sorted(found, key=periods.sort_key, reverse=True)


def default_period(months: Sequence[str]) -> str | None:
    """The semester of the latest response (the period most regencies publish)."""
    if not months:
        return None
    latest = months[-1]
    return f"{latest[:4]}-S{1 if int(latest[5:]) <= 6 else 2}"


async def totals_by_month(session: AsyncSession) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Respondents and element totals per local month (the ministry's rollup reads these)."""
    rows = await session.execute(select(SurveyResponse.month, func.count(), *_sums()).group_by(SurveyResponse.month))
    return {month: (count, tuple(int(v) for v in sums)) for month, count, *sums in rows.all()}
