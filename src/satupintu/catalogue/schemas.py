"""Shapes of the shared catalogue's files and of the catalogue API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

Code = Annotated[str, Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=48)]
NonEmpty = Annotated[str, Meta(min_length=1)]
Unit = Literal["menit", "jam", "hari"]
ProviderKind = Literal["opd", "vertikal", "bumn", "bumd"]

UNIT_MINUTES = {"menit": 1, "jam": 60, "hari": 8 * 60}
"""A working day (hari kerja) counts as eight working hours when durations are compared."""


class Category(Struct, forbid_unknown_fields=True):
    code: Code
    name_id: NonEmpty
    name_en: NonEmpty


class CatalogueHeader(Struct, forbid_unknown_fields=True):
    version: Annotated[str, Meta(pattern=r"^\d{4}\.\d+$")]
    released: date
    default_complaint_channel: NonEmpty
    default_complaint_channel_en: NonEmpty
    categories: Annotated[list[Category], Meta(min_length=1)]


class AgencyTemplate(Struct, forbid_unknown_fields=True):
    key: Code
    kind: ProviderKind
    name_id: NonEmpty
    name_en: NonEmpty
    short: str = ""


class AgencyFile(Struct, forbid_unknown_fields=True):
    agencies: list[AgencyTemplate]


class ServiceSpec(Struct, forbid_unknown_fields=True, omit_defaults=False):
    """One service with the components of a service standard (PermenPANRB 15/2014).

    Every text a citizen reads has an English twin (``*_en``); ``requirements_en`` and ``steps_en``
    translate the Indonesian lists item by item. Legal bases are cited by their official titles.
    """

    code: Code
    name_id: NonEmpty
    name_en: NonEmpty
    provider_kind: ProviderKind
    provider: Code
    summary_id: NonEmpty
    summary_en: NonEmpty
    requirements: Annotated[list[NonEmpty], Meta(min_length=1)]
    steps: Annotated[list[NonEmpty], Meta(min_length=1)]
    completion_value: Annotated[int, Meta(gt=0, le=10_000)]
    completion_unit: Unit
    cost: Annotated[int, Meta(ge=0, le=1_000_000_000)]
    product: NonEmpty
    category: str = ""
    cost_note: str = ""
    legal_basis: list[str] = msgspec.field(default_factory=list)
    keywords: list[str] = msgspec.field(default_factory=list)
    complaint_channel: str = ""
    requirements_en: list[str] = msgspec.field(default_factory=list)
    steps_en: list[str] = msgspec.field(default_factory=list)
    cost_note_en: str = ""
    product_en: str = ""
    complaint_channel_en: str = ""


TRANSLATED = ("name", "summary", "requirements", "steps", "cost_note", "product", "complaint_channel")
"""Citizen-facing fields: ``<field>`` (Indonesian, ``name_id``/``summary_id`` for the first two) and ``<field>_en``."""


def untranslated(spec: ServiceSpec) -> str | None:
    """The first citizen-facing field of a service whose English is missing or does not match, or None."""
    for name in ("requirements", "steps"):
        indonesian, english = getattr(spec, name), getattr(spec, f"{name}_en")
        if len(english) != len(indonesian) or not all(item.strip() for item in english):
            return f"{name}_en"
    for name in ("cost_note", "product", "complaint_channel"):
        if getattr(spec, name).strip() and not getattr(spec, f"{name}_en").strip():
            return f"{name}_en"
    return None


class ServiceFile(Struct, forbid_unknown_fields=True):
    services: list[ServiceSpec]


class LifeEvent(Struct, forbid_unknown_fields=True):
    code: Code
    name_id: NonEmpty
    name_en: NonEmpty
    summary_id: NonEmpty
    summary_en: NonEmpty
    services: Annotated[list[Code], Meta(min_length=1)]


class LifeEventFile(Struct, forbid_unknown_fields=True):
    life_events: list[LifeEvent]


class ServiceOut(Struct):
    """A tenant's effective service, as the JSON API shows it."""

    code: str
    name: str
    name_id: str
    name_en: str
    category: str
    provider_kind: str
    agency: str | None
    summary: str
    requirements: list[str]
    steps: list[str]
    completion_value: int
    completion_unit: str
    cost: int
    cost_note: str
    product: str
    legal_basis: list[str]
    complaint_channel: str
    counter: str | None = None
    location: str | None = None
    score: float | None = None
