"""Reading an agency, a location or a counter from a form, the same way in the console and the wizard."""

from __future__ import annotations

from typing import Any

from satupintu.agencies.models import Agency, AgencyKind, Location, LocationKind
from satupintu.forms import Form
from satupintu.i18n import gettext as _
from satupintu.tenants.packs import DAYS

HOURS = r"((([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)(, ?)?)+|tutup"
KEY = r"[a-z0-9]+(-[a-z0-9]+)*"


def agency_values(form: Form, *, new: bool) -> dict[str, Any]:
    values = {
        "name": form.text("name", required=True, max_length=200),
        "short": form.text("short", max_length=60),
        "kind": form.choice("kind", [k.value for k in AgencyKind]),
    }
    if new:
        values["key"] = form.text("key", required=True, max_length=60, pattern=KEY,
                                  pattern_message=_("Use lowercase letters, digits and hyphens, e.g. dinas-kesehatan."))
    return values


WEEKDAYS = DAYS[:5]


def _day_hours(form: Form, name: str) -> str:
    return form.text(name, max_length=60, pattern=HOURS,
                     pattern_message=_("Write hours like 08:00-15:00, or 'tutup' when closed.")).replace(", ", ",")


def hours_values(form: Form) -> dict[str, str]:
    """One opening-hours entry per day ("tutup" when empty).

    A form with the Monday-to-Friday box (``hours_weekdays``) gives each weekday those hours unless
    the day has its own entry; a form without it (the console) names every day.
    """
    weekdays = _day_hours(form, "hours_weekdays") if "hours_weekdays" in form.data else ""
    hours = {}
    for day in DAYS:
        hours[day] = _day_hours(form, f"hours_{day}") or (weekdays if day in WEEKDAYS else "") or "tutup"
    return hours


def week_fields(hours: dict[str, str]) -> dict[str, str]:
    """Saved hours as the Monday-to-Friday form shows them: the weekdays' most common entry in the
    one box (Monday's on a tie), and a weekday's own box filled only where it differs."""
    days = [hours.get(day) or "" for day in WEEKDAYS]
    common = max(days, key=days.count) if any(days) else ""
    fields = {"hours_weekdays": common}
    fields |= {f"hours_{day}": value for day, value in zip(WEEKDAYS, days, strict=True) if value != common}
    fields |= {f"hours_{day}": hours.get(day) or "" for day in DAYS[5:]}
    return fields


def location_values(form: Form, *, new: bool = False) -> dict[str, Any]:
    """Name, kind, address, notes and one opening-hours entry per day ("tutup" when empty)."""
    hours = hours_values(form)
    values = {"name": form.text("name", required=True, max_length=200),
              "kind": form.choice("kind", [k.value for k in LocationKind]),
              "address": form.text("address", max_length=500), "notes": form.text("notes", max_length=1000),
              "hours": hours}
    if new:
        values["code"] = form.text("code", required=True, max_length=40, pattern=KEY,
                                   pattern_message=_("Use lowercase letters, digits and hyphens, e.g. mpp-kota."))
    return values


def location_contact(form: Form) -> dict[str, Any]:
    """A location's telephone and map point (both coordinates or neither), as the console edits them."""
    phone = form.text("phone", max_length=30, pattern=r"[0-9+() -]{3,30}",
                      pattern_message=_("Use digits, spaces, +, ( and ), e.g. (0333) 123456."))
    point: dict[str, float | None] = {}
    for name, low, high in (("latitude", -11.5, 6.5), ("longitude", 94.5, 141.5)):
        raw = form.text(name, max_length=12, pattern=r"-?\d{1,3}(\.\d{1,7})?",
                        pattern_message=_("Write a decimal number with a point, e.g. -8.2192."))
        point[name] = float(raw) if raw and name not in form.errors else None
        if point[name] is not None and not low <= point[name] <= high:
            form.errors[name] = _("Indonesia lies between %(low)s and %(high)s.") % {"low": low, "high": high}
    if (point["latitude"] is None) != (point["longitude"] is None) and not form.errors:
        form.errors["longitude"] = _("Give both latitude and longitude, or neither.")
    return {"phone": phone, **point}


def counter_values(form: Form, locations: list[Location], agencies: list[Agency]) -> dict[str, Any]:
    """A counter from the form's counter_* fields: code, name, and the location and agency it belongs to."""
    by_code = {location.code: location for location in locations}
    by_key = {agency.key: agency for agency in agencies}
    code = form.text("counter_code", required=True, max_length=20, pattern=r"[A-Za-z0-9-]{1,20}",
                     pattern_message=_("Use letters, digits and hyphens, e.g. A1."))
    name = form.text("counter_name", required=True, max_length=200)
    location = form.choice("counter_location", by_code)
    agency = form.choice("counter_agency", by_key)
    return {"code": code, "name": name, "location_id": by_code[location].id if location in by_code else None,
            "agency_id": by_key[agency].id if agency in by_key else None}
