"""Rules for a regency's agencies, locations and counters.

Every change of counters goes through here, and each brings the queue's lines (counter groups) up
to date in the same transaction (``queue.groups.sync``): the citizens' pages only read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies import hours
from satupintu.agencies.models import Agency, AgencyKind, Counter, Holiday, Location, LocationKind
from satupintu.audit import service as audit
from satupintu.audit.service import Change
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.i18n import ngettext
from satupintu.queue import groups as queue_groups


async def agencies(session: AsyncSession) -> list[Agency]:
    return list((await session.scalars(select(Agency).order_by(Agency.kind, Agency.name))).all())


async def agency_name(session: AsyncSession, agency_id: int | None) -> str | None:
    """One agency's name (its column alone: no agency object is built)."""
    if agency_id is None:
        return None
    return await session.scalar(select(Agency.name).where(Agency.id == agency_id))


async def locations(session: AsyncSession) -> list[Location]:
    return list((await session.scalars(select(Location).order_by(Location.id))).all())


async def counters(session: AsyncSession, *, agency_id: int | None = None) -> list[Counter]:
    """All counters, or only those of one agency (``agency_id``)."""
    query = select(Counter).order_by(Counter.code)
    if agency_id is not None:
        query = query.where(Counter.agency_id == agency_id)
    return list((await session.scalars(query)).all())


@dataclass
class Place:
    """Where a citizen goes for a service: its counter when that is known, else the agency's locations."""

    agency: Agency | None
    counter: Counter | None
    locations: list[Location]


async def where_served(session: AsyncSession, agency_id: int | None, counter_id: int | None) -> Place:
    """The assigned counter; an agency's only counter; otherwise the agency and where its counters are.

    A service served by "any counter of this agency" never points at one of several counters.
    """
    agency = await session.get(Agency, agency_id) if agency_id else None
    counter = await session.get(Counter, counter_id) if counter_id else None
    if counter is None and agency is not None:
        own = await counters(session, agency_id=agency.id)
        if len(own) == 1:
            counter = own[0]
        else:
            ids = {c.location_id for c in own}
            return Place(agency, None, [l for l in await locations(session) if l.id in ids])
    location = await session.get(Location, counter.location_id) if counter else None
    return Place(agency, counter, [location] if location else [])


async def _upsert(session: AsyncSession, model: type, key: str, items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    existing = {getattr(row, key): row for row in (await session.scalars(select(model))).all()}
    for item in items:
        row = existing.get(item[key])
        if row is None:
            row = model(**item)
            session.add(row)
            existing[item[key]] = row
        else:
            for name, value in item.items():
                setattr(row, name, value)
    await session.flush()
    return existing


async def upsert_agencies(session: AsyncSession, items: Iterable[dict[str, Any]]) -> dict[str, Agency]:
    """Create or update agencies by key; agencies not named are left alone."""
    return await _upsert(
        session, Agency, "key", ({**i, "kind": AgencyKind(i["kind"])} for i in items)
    )


async def upsert_locations(session: AsyncSession, items: Iterable[dict[str, Any]]) -> dict[str, Location]:
    return await _upsert(
        session, Location, "code", ({**i, "kind": LocationKind(i["kind"])} for i in items)
    )


async def upsert_counters(session: AsyncSession, items: Iterable[dict[str, Any]]) -> dict[str, Counter]:
    counters = await _upsert(session, Counter, "code", items)
    await queue_groups.sync(session)
    return counters


AGENCY_FIELDS = ("key", "name", "short", "kind")
LOCATION_FIELDS = ("code", "name", "kind", "address", "phone", "latitude", "longitude", "hours", "notes")
COUNTER_FIELDS = ("code", "name", "location_id", "agency_id")


class InUse(Invalid):
    """A row other rows still depend on; the message says which, under the form field ``field``."""

    def __init__(self, message: str, field: str = "delete") -> None:
        super().__init__({field: message})


async def get_agency(session: AsyncSession, key: str) -> Agency | None:
    return await session.scalar(select(Agency).where(Agency.key == key))


async def get_location(session: AsyncSession, code: str) -> Location | None:
    return await session.scalar(select(Location).where(Location.code == code))


async def get_counter(session: AsyncSession, code: str) -> Counter | None:
    return await session.scalar(select(Counter).where(Counter.code == code))


async def create_agency(session: AsyncSession, values: dict[str, Any]) -> Change:
    if await get_agency(session, values["key"]):
        raise Invalid({"key": _("An agency with this key already exists.")})
    agency = Agency(**{**values, "kind": AgencyKind(values["kind"])}, template=None)
    return await audit.added(session, agency, AGENCY_FIELDS, "agency", "key")


async def update_agency(session: AsyncSession, agency: Agency, values: dict[str, Any]) -> Change:
    return await audit.changed(session, agency, AGENCY_FIELDS, {**values, "kind": AgencyKind(values["kind"])},
                               "agency", "key")


async def agency_ties(session: AsyncSession, agency: Agency) -> dict[str, int]:
    """What still depends on an agency: the services it serves, its counters and its staff."""
    from satupintu.accounts.models import StaffAccount
    from satupintu.catalogue.models import TenantService

    async def count(model: type, column: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(column == agency.id)) or 0)

    return {"services": await count(TenantService, TenantService.agency_id),
            "counters": await count(Counter, Counter.agency_id), "staff": await count(StaffAccount, StaffAccount.agency_id)}


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else _("%(first)s and %(last)s") % {"first": ", ".join(parts[:-1]),
                                                                           "last": parts[-1]}


def agency_blocked(ties: dict[str, int]) -> str | None:
    """Why an agency cannot be deleted yet ("still has 3 services and 2 counters"), or None."""
    parts = [text % {"num": ties[name]} for name, text in (
        ("services", ngettext("%(num)d service", "%(num)d services", ties["services"])),
        ("counters", ngettext("%(num)d counter", "%(num)d counters", ties["counters"])),
        ("staff", ngettext("%(num)d staff member", "%(num)d staff members", ties["staff"]))) if ties[name]]
    if not parts:
        return None
    return _("This agency still has %(what)s; move them to another agency first.") % {"what": _listed(parts)}


async def delete_agency(session: AsyncSession, agency: Agency) -> Change:
    if reason := agency_blocked(await agency_ties(session, agency)):
        raise InUse(reason)
    return await audit.removed(session, agency, AGENCY_FIELDS, "agency", "key")


async def create_location(session: AsyncSession, values: dict[str, Any]) -> Change:
    if await get_location(session, values["code"]):
        raise Invalid({"code": _("A location with this code already exists.")})
    location = Location(**{**values, "kind": LocationKind(values["kind"])})
    return await audit.added(session, location, LOCATION_FIELDS, "location", "code")


async def update_location(session: AsyncSession, location: Location, values: dict[str, Any]) -> Change:
    return await audit.changed(session, location, LOCATION_FIELDS,
                               {**values, "kind": LocationKind(values["kind"])}, "location", "code")


async def create_counter(session: AsyncSession, values: dict[str, Any]) -> Change:
    """A counter from ``code``, ``name``, ``location_id`` and ``agency_id``."""
    if await get_counter(session, values["code"]):
        raise Invalid({"counter_code": _("A counter with this code already exists.")})
    change = await audit.added(session, Counter(**values), COUNTER_FIELDS, "counter", "code")
    await queue_groups.sync(session)
    return change


async def update_counter(session: AsyncSession, counter: Counter, values: dict[str, Any]) -> Change:
    """Rename a counter, give it another code, or move it to another location or agency. Services
    assigned to it must stay with their agency, so a counter serving services keeps its agency."""
    if values["code"] != counter.code and await get_counter(session, values["code"]):
        raise Invalid({"counter_code": _("A counter with this code already exists.")})
    if values["agency_id"] != counter.agency_id and (used := (await counter_use(session)).get(counter.id)):
        raise Invalid({"counter_agency": counter_blocked(used)})
    change = await audit.changed(session, counter, COUNTER_FIELDS, values, "counter", "code")
    await queue_groups.sync(session)
    return change


async def counter_use(session: AsyncSession) -> dict[int, int]:
    """How many services are assigned to each counter that has any."""
    from satupintu.catalogue.models import TenantService

    rows = await session.execute(select(TenantService.counter_id, func.count()).where(
        TenantService.counter_id.is_not(None)).group_by(TenantService.counter_id))
    return {counter_id: int(n) for counter_id, n in rows.all()}


def counter_blocked(used: int) -> str | None:
    """Why a counter cannot be deleted (or change agency) yet, or None."""
    if not used:
        return None
    return ngettext("%(num)d service is assigned to this counter; assign it elsewhere first.",
                    "%(num)d services are assigned to this counter; assign them elsewhere first.", used) % {"num": used}


async def delete_counter(session: AsyncSession, counter: Counter) -> Change:
    """Remove a counter no service is assigned to. Its line ends with its agency's last counter in the
    location (the group stays for its tickets, and the queue's pages read only groups with counters)."""
    if reason := counter_blocked((await counter_use(session)).get(counter.id, 0)):
        raise InUse(reason, "counter_delete")
    return await audit.removed(session, counter, COUNTER_FIELDS, "counter", "code")


HOLIDAY_FIELDS = ("day", "name", "location_id")


async def add_holiday(session: AsyncSession, day: date, name: str, location: Location | None) -> Change:
    location_id = location.id if location else None
    same_place = Holiday.location_id.is_(None) if location_id is None else Holiday.location_id == location_id
    if await session.scalar(select(Holiday).where(Holiday.day == day, same_place)):
        raise Invalid({"holiday_day": _("This day is already a holiday there.")})
    session.add(Holiday(day=day, name=name, location_id=location_id))
    await session.flush()
    return audit.Change("create", "holiday", day.isoformat(), None,
                        {"day": day.isoformat(), "name": name, "location": location.code if location else None})


async def get_holiday(session: AsyncSession, holiday_id: int) -> Holiday | None:
    return await session.scalar(select(Holiday).where(Holiday.id == holiday_id))


async def delete_holiday(session: AsyncSession, holiday: Holiday) -> Change:
    before = {"day": holiday.day.isoformat(), "name": holiday.name}
    await session.delete(holiday)
    await session.flush()
    return audit.Change("delete", "holiday", before["day"], before, None)


async def holidays(session: AsyncSession) -> list[Holiday]:
    return list((await session.scalars(select(Holiday).order_by(Holiday.day))).all())


async def opening(session: AsyncSession, places: Iterable[Location], timezone: str) -> dict[int, hours.Status]:
    """Whether each location is open now in the regency's time zone, minding its holidays of the coming week."""
    at = hours.local_now(timezone)
    soon = (await session.scalars(select(Holiday).where(
        Holiday.day >= at.date(), Holiday.day <= at.date() + timedelta(days=8)))).all()
    return {
        place.id: hours.status(place.hours, {h.day: h.name for h in soon if h.location_id in (None, place.id)}, at)
        for place in places
    }
