"""The audit log in the reader's language: "Service changed: skck-baru", then "Counter: D1 → D2".

Entries keep what the services recorded (field names, stored values, ids); this module names the
kind of row, the action and each field, and writes each value as a person reads it: yes/no, a
choice's label, an amount in rupiah, opening hours by day, a counter's code rather than its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from satupintu.audit.service import CITIZEN
from satupintu.i18n import N_, day_name, gettext, rupiah, unit_name

ENTITIES = {
    "service": N_("Service"), "agency": N_("Agency"), "location": N_("Location"), "counter": N_("Counter"),
    "holiday": N_("Holiday"), "policy": N_("Policies"), "staff": N_("Staff member"), "sso": N_("Single sign-on"),
    "tenant": N_("Regency"), "innovation": N_("Innovation"), "visit": N_("Study visit"), "mou": N_("MoU"),
    "survey": N_("Satisfaction survey"), "evaluation": N_("Self-assessment"), "operations": N_("Monthly figures"),
    "api_key": N_("Open311 API key"),
    "permit": N_("Permit issued first"), "delivery": N_("Courier delivery"),
    "application_document": N_("Application document"),
    "village": N_("Village"), "village_operator": N_("Village operator"),
    "application": N_("Application"),
    "complaint": N_("Complaint"),
}
"""Every kind of row the console changes, in the order the audit log's filter offers them."""

ACTIONS = {
    "create": N_("%(what)s added"), "update": N_("%(what)s changed"), "delete": N_("%(what)s deleted"),
    "replicate": N_("%(what)s replicated"), "verify": N_("%(what)s verified"),
    "unverify": N_("%(what)s no longer verified"), "revoke": N_("%(what)s revoked"),
    "respond": N_("%(what)s answered"), "note": N_("%(what)s updated"), "resolve": N_("%(what)s resolved"),
    "close": N_("%(what)s closed"), "download": N_("%(what)s downloaded"),
}

FIELDS = {
    "key": N_("Key"), "name": N_("Name"), "short": N_("Short name"), "kind": N_("Kind"), "code": N_("Code"),
    "address": N_("Address"), "phone": N_("Telephone"), "latitude": N_("Latitude"), "longitude": N_("Longitude"),
    "hours": N_("Opening hours"), "notes": N_("Notes"), "location_id": N_("Location"), "location": N_("Location"),
    "agency_id": N_("Agency"), "counter_id": N_("Counter"), "day": N_("Date"), "enabled": N_("Offered"),
    "cost": N_("Fee"), "cost_note": N_("Fee note"), "completion_value": N_("Completion time"),
    "completion_unit": N_("Unit"), "requirements": N_("Requirements"), "email": N_("E-mail"), "role": N_("Role"),
    "active": N_("Active"), "password": N_("Password"), "issuer": N_("Issuer"), "client_id": N_("Client ID"),
    "role_claim": N_("Role claim"), "admin_values": N_("Values that grant admin"),
    "operator_values": N_("Values that grant operator"), "link_by_email": N_("Link accounts by e-mail"),
    "sync_roles": N_("Update roles at each sign-in"), "permit_first": N_("Permit first"),
    "document_deadline_days": N_("Days to complete documents"), "courier_delivery": N_("Courier delivery"),
    "delivery": N_("Delivery offered"),
    "services_permit_first": N_("Services whose permit-first switch followed the policy"),
    "services_delivery": N_("Services whose delivery switch followed the policy"),
    "courier_note": N_("Courier note"), "complaint_response_hours": N_("Complaint response (hours)"),
    "complaint_resolution_hours": N_("Complaint resolution (hours)"), "text": N_("Text"), "channel": N_("Channel"),
    "external_ref": N_("Reference"), "photo": N_("Photo"),
    "complaint_around_the_clock": N_("Complaint hours around the clock"),
    "complaint_regent_email": N_("Regent's office e-mail for complaints"),
    "timezone": N_("Time zone"), "status": N_("Status"), "step": N_("Wizard step"), "title": N_("Title"),
    "summary": N_("Summary"), "category": N_("Category"), "year_started": N_("Year started"), "public": N_("Public"),
    "replicated_from_code": N_("Replicated from (region code)"), "replicated_from_name": N_("Replicated from"),
    "replicated_from_title": N_("Original innovation"), "counterpart_code": N_("Counterpart (region code)"),
    "counterpart_name": N_("Counterpart"), "visit_date": N_("Date of the visit"), "days": N_("Days"),
    "participants": N_("Participants"), "delegation": N_("Delegation"), "topics": N_("Topics"),
    "outcomes": N_("Outcomes"), "scope": N_("Scope"), "signed_on": N_("Signed on"), "ends_on": N_("Ends on"),
    "period": N_("Period"), "source": N_("Source"), "respondents": N_("Respondents"), "ikm": N_("IKM"),
    "ignored_columns": N_("Columns ignored"), "year": N_("Year"), "scores": N_("Scores"), "index": N_("Index"),
    "verified": N_("Verified"), "month": N_("Month"), "visitors": N_("Visitors"), "transactions": N_("Transactions"),
    "complaints_received": N_("Complaints received"), "complaints_on_time": N_("Complaints answered on time"),
    "preset": N_("Preset"), "offered": N_("Services offered"), "assigned": N_("Services assigned"),
    "added": N_("Added"), "full_name": N_("Full name"), "label": N_("Label"), "hint": N_("Key begins with"),
    "revoked_at": N_("Revoked at"), "documents_complete": N_("Documents complete"),
    "application_status": N_("Application status"), "retention_days": N_("Retention after the application ends (days)"),
    "file": N_("File"), "village": N_("Village"),
    "rejection_reason": N_("Reason for rejection"),
}
"""Every field a service records (tests check each ``*_FIELDS`` of the services is here)."""

HIDDEN = frozenset({"overrides"})
"""Kept for the record, not shown: the effective values beside them say the same in words."""

CHOICES = {
    "kind": {"opd": N_("Regional government office (OPD)"), "vertikal": N_("National agency"),
             "bumn": N_("State-owned enterprise (BUMN)"), "bumd": N_("Regional enterprise (BUMD)"),
             "mpp": N_("Public service mall"), "pasar": N_("Market service point"), "kantor": N_("Office"),
             "desa": N_("Village service point")},
    "role": {"operator": N_("Counter operator"), "tenant_admin": N_("Administrator"),
             "village_operator": N_("Village operator"), "midwife": N_("Midwife"),
             "host": N_("We hosted them"), "visitor": N_("We visited them")},
    "status": {"onboarding": N_("onboarding"), "live": N_("live"), "suspended": N_("suspended"),
               "planned": N_("Planned"), "pilot": N_("Pilot"), "running": N_("Running"), "stopped": N_("Stopped"),
               "draft": N_("Draft"), "signed": N_("Signed"), "active": N_("Active"), "ended": N_("Ended"),
               "received": N_("Received"), "responded": N_("Answered"), "resolved": N_("Resolved"),
               "closed": N_("Closed")},
    "channel": {"web": N_("Web form"), "phone": N_("Telephone"), "whatsapp": N_("WhatsApp"),
                "box": N_("Complaint box"), "lapor": N_("SP4N-LAPOR!"), "open311": N_("Open311 API")},
    "source": {"summary": N_("published summary"), "responses": N_("answers file")},
    "category": {"pelayanan-terpadu": N_("Integrated services (MPP)"), "kependudukan": N_("Civil registration"),
                 "perizinan": N_("Permits"), "pengaduan": N_("Complaints"), "desa-digital": N_("Digital village"),
                 "tata-kelola": N_("Governance and monitoring"), "lainnya": N_("Other")},
}

NAMED_BY_ID = ("agency_id", "counter_id", "location_id")
"""Fields that hold another row's id; the log shows that row's code or name."""


def entity_name(entity: str) -> str:
    return gettext(ENTITIES[entity]) if entity in ENTITIES else entity


def headline(action: str, entity: str, key: str) -> str:
    """"Service changed: skck-baru"."""
    what = gettext(ACTIONS.get(action, "%(what)s")) % {"what": entity_name(entity)}
    return f"{what}: {key}" if key else what


def value_text(field: str, value: Any, names: Mapping[str, Mapping[int, str]] | None = None) -> str:
    """One stored value as a person reads it."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field in NAMED_BY_ID and isinstance(value, int):
        return (names or {}).get(field, {}).get(value, f"#{value}")
    if field == "cost" and isinstance(value, int):
        return rupiah(value)
    if field == "completion_unit" and isinstance(value, str):
        return unit_name(value)
    if field == "hours" and isinstance(value, Mapping):
        return ", ".join(f"{day_name(day)} {hours}" for day, hours in value.items())
    if isinstance(value, str) and value in CHOICES.get(field, {}):
        return gettext(CHOICES[field][value])
    if isinstance(value, Mapping):
        return "; ".join(f"{gettext(FIELDS[k]) if k in FIELDS else k}: {value_text(k, v, names)}"
                         for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(value_text(field, item, names) for item in value)
    return str(value)


@dataclass(frozen=True)
class Line:
    field: str
    before: str | None  # None: the entry has no before (added) or the field had none
    after: str | None  # None: deleted


@dataclass(frozen=True)
class Shown:
    """One entry as the log shows it."""

    entry: Any
    headline: str
    lines: list[Line]
    actor: str


def actor_name(entry: Any) -> str:
    """Who made the change: staff by their e-mail, a citizen by their application's tracking number."""
    if entry.actor_role == CITIZEN and ":" in entry.actor:
        return gettext("Citizen (application %(number)s)") % {"number": entry.actor.split(":", 1)[1]}
    return entry.actor


def show(entry: Any, names: Mapping[str, Mapping[int, str]] | None = None) -> Shown:
    before, after = entry.before or {}, entry.after or {}
    fields = [name for name in dict.fromkeys([*before, *after]) if name not in HIDDEN]
    lines = [Line(gettext(FIELDS[name]) if name in FIELDS else name,
                  value_text(name, before[name], names) if name in before else None,
                  value_text(name, after[name], names) if name in after else None) for name in fields]
    return Shown(entry, headline(entry.action, entry.entity, entry.entity_key), lines, actor_name(entry))
