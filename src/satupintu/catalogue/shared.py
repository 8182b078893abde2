"""The shared national catalogue, read from ``tenants/catalogue/`` and validated as a whole."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from satupintu.catalogue.fees import fee_problem
from satupintu.config import PROJECT_ROOT
from satupintu.catalogue.schemas import (
    AgencyFile,
    AgencyTemplate,
    CatalogueHeader,
    Category,
    LifeEvent,
    LifeEventFile,
    ServiceFile,
    ServiceSpec,
    untranslated,
)
from satupintu.datafiles import DataFileError, load_toml, locate

DEFAULT_CATALOGUE_DIR = PROJECT_ROOT / "tenants" / "catalogue"


@dataclass(frozen=True)
class SharedCatalogue:
    version: str
    released: str
    default_complaint_channel: str
    default_complaint_channel_en: str
    categories: dict[str, Category]
    agencies: dict[str, AgencyTemplate]
    services: dict[str, ServiceSpec]
    life_events: dict[str, LifeEvent] = field(default_factory=dict)

    def service_data(self, code: str) -> dict:
        """The shared text of one service as a plain dict: what a tenant stores as its merge base."""
        data = msgspec.structs.asdict(self.services[code])
        if not data["complaint_channel"]:
            data["complaint_channel"] = self.default_complaint_channel
            data["complaint_channel_en"] = self.default_complaint_channel_en
        return data


def _services_from(path: Path, categories: dict[str, Category], agencies: dict[str, AgencyTemplate],
                   seen: dict[str, str]) -> list[ServiceSpec]:
    parsed = load_toml(path, ServiceFile)
    text = path.read_text(encoding="utf-8")
    out = []
    for index, spec in enumerate(parsed.services):
        def fail(name: str, problem: str) -> DataFileError:
            return DataFileError(path, locate(text, ["services", index, name]), f"services[{index}].{name}", problem)

        if spec.code in seen:
            raise fail("code", f"duplicate service code {spec.code!r} (already in {seen[spec.code]})")
        if not spec.category:
            spec = msgspec.structs.replace(spec, category=path.stem)
        if spec.category not in categories:
            raise fail("category", f"unknown category {spec.category!r}")
        template = agencies.get(spec.provider)
        if template is None:
            raise fail("provider", f"unknown provider {spec.provider!r}; add it to agencies.toml")
        if template.kind != spec.provider_kind:
            raise fail("provider_kind", f"{spec.provider!r} is {template.kind!r}, not {spec.provider_kind!r}")
        missing = untranslated(spec)
        if missing:
            raise fail(missing, f"English is missing: {missing} must translate {missing[:-3]} "
                                "(lists item by item)")
        problem = fee_problem(spec.cost, spec.cost_note, spec.cost_note_en)
        if problem:
            raise fail("cost_note", problem)
        seen[spec.code] = path.name
        out.append(spec)
    return out


def load_catalogue(root: Path | str = DEFAULT_CATALOGUE_DIR) -> SharedCatalogue:
    """Read and validate every file of a catalogue directory; raises DataFileError.

    The catalogue shipped with the code is read once per process (pages ask for it on every request,
    and it changes only with a deployment); any other directory is re-read when a file changes.
    """
    if Path(root) == DEFAULT_CATALOGUE_DIR:
        return _shipped()
    return _load(str(Path(root).resolve()), *_stamp(Path(root)))


@functools.cache
def _shipped() -> SharedCatalogue:
    return _load(str(DEFAULT_CATALOGUE_DIR.resolve()), *_stamp(DEFAULT_CATALOGUE_DIR))


def _stamp(root: Path) -> tuple[float, ...]:
    return tuple(p.stat().st_mtime for p in sorted(root.rglob("*.toml")))


@functools.lru_cache(maxsize=8)
def _load(root_str: str, *_mtimes: float) -> SharedCatalogue:
    root = Path(root_str)
    if not (root / "catalogue.toml").exists():
        raise DataFileError(root / "catalogue.toml", None, None, "the catalogue header file is missing")
    header = load_toml(root / "catalogue.toml", CatalogueHeader)
    categories = {c.code: c for c in header.categories}
    agency_file = load_toml(root / "agencies.toml", AgencyFile)
    agencies: dict[str, AgencyTemplate] = {}
    for agency in agency_file.agencies:
        if agency.key in agencies:
            raise DataFileError(root / "agencies.toml", None, "key", f"duplicate agency key {agency.key!r}")
        agencies[agency.key] = agency
    seen: dict[str, str] = {}
    services: dict[str, ServiceSpec] = {}
    for path in sorted((root / "services").glob("*.toml")):
        for spec in _services_from(path, categories, agencies, seen):
            services[spec.code] = spec
    life_events: dict[str, LifeEvent] = {}
    events_path = root / "life_events.toml"
    if events_path.exists():
        text = events_path.read_text(encoding="utf-8")
        for index, event in enumerate(load_toml(events_path, LifeEventFile).life_events):
            missing = [code for code in event.services if code not in services]
            if missing:
                raise DataFileError(
                    events_path, locate(text, ["life_events", index, "services"]),
                    f"life_events[{index}].services", f"unknown service codes: {', '.join(missing)}",
                )
            life_events[event.code] = event
    return SharedCatalogue(
        version=header.version,
        released=header.released.isoformat(),
        default_complaint_channel=header.default_complaint_channel,
        default_complaint_channel_en=header.default_complaint_channel_en,
        categories=categories,
        agencies=agencies,
        services=services,
        life_events=life_events,
    )
