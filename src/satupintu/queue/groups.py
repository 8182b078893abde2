"""Counter groups: the lines of a regency's queue, one per agency and location that has counters.

Groups are written only where counters change: every service that adds, edits or removes a
counter (``agencies.service``, used by the console, the onboarding wizard's copy from a mentor and
pack provisioning) calls :func:`sync` in its own transaction, so the new line commits with the
counter, and the scheduler runs it for every regency once an hour as a consistency check. Requests
(the ticket form, the board, a ticket's page, the operator's console) only read them.

A group whose last counter went away stays, with its letter, because its tickets and bookings
refer to it; it is no longer a line: :func:`lines` and :func:`line_of` read only groups that have a
counter now, so the citizens' pages follow the counters at once.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.agencies.models import Counter
from satupintu.db import insert_ignore, session_tenant, tenant_session, utcnow
from satupintu.queue.models import CounterGroup
from satupintu.tenants.models import Tenant

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ROUNDS = 3  # a concurrent change may take a letter we chose; we then choose again


def has_counter() -> object:
    """The condition that a group is a line now: some counter of its agency stands in its location."""
    return (select(Counter.id).where(Counter.location_id == CounterGroup.location_id,
                                     Counter.agency_id == CounterGroup.agency_id)
            .correlate_except(Counter).exists())


async def lines(session: AsyncSession, location_id: int | None = None) -> dict[tuple[int, int], CounterGroup]:
    """The lines (groups with a counter) by (location, agency): all, or one location's."""
    query = select(CounterGroup).where(has_counter())
    if location_id is not None:
        query = query.where(CounterGroup.location_id == location_id)
    return {(g.location_id, g.agency_id): g for g in (await session.scalars(query)).all()}


async def line_of(session: AsyncSession, location_id: int, agency_id: int) -> CounterGroup | None:
    """The line of one agency in one location, if it has a counter there."""
    return await session.scalar(select(CounterGroup).where(
        CounterGroup.location_id == location_id, CounterGroup.agency_id == agency_id, has_counter()))


async def every_group(session: AsyncSession) -> list[CounterGroup]:
    """Every group, lines and former lines (their tickets are history the control room still counts)."""
    return list((await session.scalars(select(CounterGroup).order_by(CounterGroup.id))).all())


def letters_for(wanted: dict[tuple[int, int], str], taken: dict[int, set[str]]) -> dict[tuple[int, int], str]:
    """Letters for new groups: ``wanted`` maps (location, agency) to the group's first counter code,
    ``taken`` the letters each location's groups already have. A group takes the first letter of its
    first counter's code if that is free in its location (A1, A2 -> A), else the first free letter;
    none when all 26 are taken (that agency has no line there until a letter is free)."""
    chosen = {}
    for location_id, agency_id in sorted(wanted, key=lambda key: (key[0], wanted[key])):
        used = taken.setdefault(location_id, set())
        first = wanted[(location_id, agency_id)][:1].upper()
        letter = first if first in LETTERS and first not in used else next((c for c in LETTERS if c not in used), None)
        if letter is not None:
            used.add(letter)
            chosen[(location_id, agency_id)] = letter
    return chosen


async def sync(session: AsyncSession) -> int:
    """Give every (location, agency) with a counter its group, in the session's transaction; returns
    how many groups were added. Existing groups keep their letter. Inserts ignore a conflict, so two
    admins changing counters at once cannot fail each other; a group a concurrent transaction took
    the letter of is chosen again (PostgreSQL's next statement sees what the other committed)."""
    await session.flush()
    before, attempts = None, 0
    while True:
        groups = (await session.execute(select(CounterGroup.location_id, CounterGroup.agency_id,
                                               CounterGroup.prefix))).all()
        before = len(groups) if before is None else before
        have = {(location_id, agency_id) for location_id, agency_id, _prefix in groups}
        wanted = {(location_id, agency_id): code for location_id, agency_id, code in (await session.execute(
            select(Counter.location_id, Counter.agency_id, func.min(Counter.code))
            .group_by(Counter.location_id, Counter.agency_id))).all() if (location_id, agency_id) not in have}
        taken: dict[int, set[str]] = {}
        for location_id, _agency, prefix in groups:
            taken.setdefault(location_id, set()).add(prefix)
        chosen = letters_for(wanted, taken)
        if not chosen or attempts == ROUNDS:
            return len(groups) - before
        attempts += 1
        now, tenant_id = utcnow(), session_tenant(session)
        await session.execute(insert_ignore(session, CounterGroup, [
            {"tenant_id": tenant_id, "location_id": location_id, "agency_id": agency_id, "prefix": prefix,
             "created_at": now, "updated_at": now} for (location_id, agency_id), prefix in chosen.items()]))


async def sync_all(maker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """The scheduler's consistency check: :func:`sync` for every regency, each in a transaction bound
    to it. Returns the regencies where groups were missing and how many (none, unless counters were
    written around ``agencies.service``, or by a version that made groups on request)."""
    async with tenant_session(maker, None) as session:
        tenants = (await session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.id))).all()
    added = {}
    for tenant_id, slug in tenants:
        async with tenant_session(maker, tenant_id) as session:
            if count := await sync(session):
                added[slug] = count
    return added
