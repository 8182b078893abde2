"""Tenant packs: ``tenants/<slug>/tenant.toml``, a regency's whole configuration as reviewable text.

A pack names the regency, its MPP locations and hours, its agencies and counters, which services
of the shared catalogue it imports, what it changes locally, and its local policies.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from satupintu.agencies.hours import DAYS
from satupintu.catalogue.schemas import Code, NonEmpty, ProviderKind, Unit
from satupintu.config import PROJECT_ROOT
from satupintu.datafiles import DataFileError, load_toml, locate
from satupintu.tenants import identity
from satupintu.tenants.slugs import RESERVED_SLUGS, SLUG_PATTERN

PACKS_DIR = PROJECT_ROOT / "tenants"
Slug = Annotated[str, Meta(pattern=SLUG_PATTERN)]
_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def Text(max_length: int, min_length: int = 1) -> type[str]:  # noqa: N802 - a type
    """A text field no longer than its database column, so a pack is refused before it is written."""
    return Annotated[str, Meta(min_length=min_length, max_length=max_length)]  # type: ignore[return-value]


LONG = 20_000


class PolicySpec(Struct, forbid_unknown_fields=True):
    permit_first: bool = False
    document_deadline_days: Annotated[int, Meta(ge=1, le=365)] | None = None
    courier_delivery: bool = False
    courier_note: Text(300, 0) = ""
    complaint_response_hours: Annotated[int, Meta(ge=1, le=720)] = 24
    complaint_resolution_hours: Annotated[int, Meta(ge=1, le=2000)] = 40
    complaint_around_the_clock: bool = False
    complaint_regent_email: Text(254, 0) = ""
    notes: Text(LONG, 0) = ""


class LocationSpec(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
    name: Text(200)
    kind: Literal["mpp", "pasar", "kantor", "desa"]
    address: Text(1000, 0) = ""
    phone: Annotated[str, Meta(pattern=r"^[0-9+() -]{0,30}$")] = ""
    latitude: Annotated[float, Meta(ge=-11.5, le=6.5)] | None = None
    longitude: Annotated[float, Meta(ge=94.5, le=141.5)] | None = None
    hours: dict[str, Text(100)] = msgspec.field(default_factory=dict)
    notes: Text(LONG, 0) = ""


class AgencySpec(Struct, forbid_unknown_fields=True):
    key: Code
    name: Text(200)
    kind: ProviderKind
    short: Text(60, 0) = ""
    template: Code | None = None


class CounterSpec(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(pattern=r"^[A-Za-z0-9-]{1,20}$")]
    name: Text(200)
    location: Code
    agency: Code


class OverrideSpec(Struct, forbid_unknown_fields=True):
    code: Code
    cost: Annotated[int, Meta(ge=0, le=1_000_000_000)] | None = None
    cost_note: Text(1000, 0) | None = None
    cost_note_en: Text(1000, 0) | None = None
    completion_value: Annotated[int, Meta(gt=0, le=10_000)] | None = None
    completion_unit: Unit | None = None
    extra_requirements: Annotated[list[Text(300)], Meta(max_length=30)] = msgspec.field(default_factory=list)
    extra_requirements_en: Annotated[list[Text(300)], Meta(max_length=30)] = msgspec.field(default_factory=list)
    agency: Code | None = None
    counter: str | None = None
    permit_first: bool | None = None
    """Issue this service's permit first (default: on for permits when the policy ``permit_first`` is)."""
    delivery: bool | None = None
    """Offer courier delivery of this service's document (default: the policy ``courier_delivery``)."""


class HolidaySpec(Struct, forbid_unknown_fields=True):
    day: date
    name: Text(120)
    location: Code | None = None


class ServiceSelection(Struct, forbid_unknown_fields=True):
    """Which shared services to import: ``include`` takes ``"*"``, ``"category:<code>"`` or codes.

    ``assign`` gives a catalogue provider to one of the regency's agencies; ``counters`` sends
    services to one counter (``D2 = ["sim-a-baru", ...]``) where their agency has several.
    """

    include: Annotated[list[NonEmpty], Meta(min_length=1)]
    exclude: list[Code] = msgspec.field(default_factory=list)
    assign: dict[str, str] = msgspec.field(default_factory=dict)
    counters: dict[str, list[Code]] = msgspec.field(default_factory=dict)

    def counter_of(self) -> dict[str, str]:
        """Service code -> counter code."""
        return {code: counter for counter, codes in self.counters.items() for code in codes}


class PackSpec(Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Text(120)
    region_code: Annotated[str, Meta(pattern=r"^\d{2}\.\d{2}$")]
    province: Text(80)
    timezone: Literal["WIB", "WITA", "WIT"]
    services: ServiceSelection
    status: Literal["onboarding", "live", "suspended"] = "live"
    policies: PolicySpec = msgspec.field(default_factory=PolicySpec)
    locations: list[LocationSpec] = msgspec.field(default_factory=list)
    agencies: list[AgencySpec] = msgspec.field(default_factory=list)
    counters: list[CounterSpec] = msgspec.field(default_factory=list)
    overrides: list[OverrideSpec] = msgspec.field(default_factory=list)
    holidays: list[HolidaySpec] = msgspec.field(default_factory=list)


def pack_path(slug_or_path: str | Path) -> Path:
    """``banyuwangi`` -> ``tenants/banyuwangi/tenant.toml``; a directory or file path as given."""
    path = Path(slug_or_path)
    if path.suffix == ".toml":
        return path
    if path.is_dir():
        return path / "tenant.toml"
    return PACKS_DIR / str(slug_or_path) / "tenant.toml"


def available_packs(root: Path = PACKS_DIR) -> list[Path]:
    return sorted(p for p in root.glob("*/tenant.toml"))


def load_pack(path: Path) -> PackSpec:
    """Parse a pack and check what the schema alone cannot: unique keys and internal references."""
    if not path.exists():
        raise DataFileError(path, None, None, "no such tenant pack")
    pack = load_toml(path, PackSpec)
    text = path.read_text(encoding="utf-8")
    if pack.slug in RESERVED_SLUGS:
        raise DataFileError(path, locate(text, ["slug"]), "slug", f"slug {pack.slug!r} is reserved for the platform")
    problem = identity.official_problem(pack.region_code, pack.name, pack.province)
    if problem is not None:
        raise DataFileError(path, locate(text, [problem.field]), problem.field, problem.english())

    def unique(table: str, items: list, attr: str) -> set[str]:
        seen: set[str] = set()
        for index, item in enumerate(items):
            value = getattr(item, attr)
            if value in seen:
                raise DataFileError(path, locate(text, [table, index, attr]), f"{table}[{index}].{attr}",
                                    f"duplicate {attr} {value!r}")
            seen.add(value)
        return seen

    locations = unique("locations", pack.locations, "code")
    agencies = unique("agencies", pack.agencies, "key")
    unique("counters", pack.counters, "code")
    unique("overrides", pack.overrides, "code")
    for index, location in enumerate(pack.locations):
        for day, hours in location.hours.items():
            if day not in DAYS:
                raise DataFileError(path, locate(text, ["locations", index, "hours"]),
                                    f"locations[{index}].hours", f"unknown day {day!r}; use {', '.join(DAYS)}")
            if hours != "tutup" and not all(_HOURS.match(part.strip()) for part in hours.split(",")):
                raise DataFileError(path, locate(text, ["locations", index, "hours"]),
                                    f"locations[{index}].hours.{day}",
                                    f"{hours!r} is not like \"08:00-15:00\" or \"tutup\"")
    for index, counter in enumerate(pack.counters):
        for attr, known in (("location", locations), ("agency", agencies)):
            if getattr(counter, attr) not in known:
                raise DataFileError(path, locate(text, ["counters", index, attr]), f"counters[{index}].{attr}",
                                    f"unknown {attr} {getattr(counter, attr)!r}")
    for index, override in enumerate(pack.overrides):
        if override.extra_requirements_en and len(override.extra_requirements_en) != len(override.extra_requirements):
            raise DataFileError(path, locate(text, ["overrides", index, "extra_requirements_en"]),
                                f"overrides[{index}].extra_requirements_en",
                                "translate extra_requirements item by item (as many items, same order)")
        if override.agency is not None and override.agency not in agencies:
            raise DataFileError(path, locate(text, ["overrides", index, "agency"]), f"overrides[{index}].agency",
                                f"unknown agency {override.agency!r}")
    counter_codes = {c.code for c in pack.counters}
    placed = {o.code for o in pack.overrides if o.counter}
    for counter, codes in pack.services.counters.items():
        where = locate(text, ["services", "counters"])
        if counter not in counter_codes:
            raise DataFileError(path, where, f"services.counters.{counter}", f"unknown counter {counter!r}")
        for code in codes:
            if code in placed:
                raise DataFileError(path, where, f"services.counters.{counter}",
                                    f"{code!r} is already given a counter")
            placed.add(code)
    for template, key in pack.services.assign.items():
        if key not in agencies:
            raise DataFileError(path, locate(text, ["services", "assign"]), f"services.assign.{template}",
                                f"unknown agency {key!r}")
    return pack
