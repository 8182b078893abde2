"""Whether a location is open: its weekly hours ("08:00-12:00,13:00-15:00" or "tutup") and its holidays.

Times are the regency's own (WIB, WITA or WIT). ``now`` is the one clock; tests set it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
"""Pack files name days in Indonesian, Monday first (``date.weekday()`` order)."""


def now() -> datetime:
    return datetime.now(UTC)


def periods(spec: str) -> list[tuple[time, time]]:
    """``"08:00-11:00,13:00-15:00"`` -> [(08:00, 11:00), (13:00, 15:00)]; ``"tutup"`` or "" -> []."""
    out = []
    for part in (spec or "").replace(" ", "").split(","):
        if "-" in part:
            start, end = part.split("-")
            out.append((time.fromisoformat(start), time.fromisoformat(end)))
    return out


@dataclass(frozen=True)
class Status:
    """Open now and until when, or closed (a holiday's name when that is why) and when it opens next."""

    open: bool
    until: time | None = None
    holiday: str | None = None
    next_day: str | None = None
    next_time: time | None = None
    next_is_today: bool = False


def status(hours: dict[str, Any], holidays: dict[date, str], at: datetime) -> Status:
    """The status at the local time ``at`` of a location with these weekly hours and holidays."""
    today = at.date()
    holiday = holidays.get(today)
    if holiday is None:
        for start, end in periods(hours.get(DAYS[today.weekday()], "")):
            if start <= at.time() < end:
                return Status(open=True, until=end)
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day in holidays:
            continue
        for start, _end in periods(hours.get(DAYS[day.weekday()], "")):
            if offset or start > at.time():
                return Status(open=False, holiday=holiday, next_day=DAYS[day.weekday()], next_time=start,
                              next_is_today=offset == 0)
    return Status(open=False, holiday=holiday)


def changes_at(statuses: Iterable[Status], at: datetime) -> datetime:
    """The first moment after the local time ``at`` when one of these statuses (computed at ``at`` or
    later) can read otherwise: a place closing or opening later that day, or else the next local
    midnight (when "today" and "tomorrow" move on). Until then a page showing them stays true."""
    midnight = datetime.combine(at.date() + timedelta(days=1), time(0), tzinfo=at.tzinfo)
    moments = [s.until if s.open else s.next_time if s.next_is_today else None for s in statuses]
    later = [moment for t in moments if t is not None
             and (moment := datetime.combine(at.date(), t, tzinfo=at.tzinfo)) > at]
    return min([midnight, *later])


def local_now(timezone: str) -> datetime:
    """The clock in a regency's zone (an IANA name such as Asia/Jakarta)."""
    return now().astimezone(ZoneInfo(timezone))
