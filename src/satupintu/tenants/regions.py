"""Every kabupaten and kota with its Kemendagri code, province and time zone.

The list is a data file derived from the npm package idn-area-data (see tenants/regions/SOURCE.md
for the regulation, version and how to refresh it). The onboarding wizard starts from it: picking a
regency fills in its official name, code, province and time zone.
"""

from __future__ import annotations

import csv
import functools
import re
import tomllib
from dataclasses import dataclass

from satupintu.config import PROJECT_ROOT

REGIONS_DIR = PROJECT_ROOT / "tenants" / "regions"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    kind: str
    province_code: str
    province: str
    timezone: str

    @property
    def short_name(self) -> str:
        """"Kabupaten Situbondo" -> "Situbondo"; cities keep "Kota"."""
        return self.name.removeprefix("Kabupaten ") if self.kind == "kabupaten" else self.name

    @property
    def slug(self) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", self.short_name.lower()).strip("-")
        return base[:40].strip("-")


@functools.cache
def regions() -> dict[str, Region]:
    with (REGIONS_DIR / "regencies.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: Region(**row) for row in csv.DictReader(handle)}


@functools.cache
def source() -> dict:
    return tomllib.loads((REGIONS_DIR / "source.toml").read_text(encoding="utf-8"))


def by_province() -> dict[str, list[Region]]:
    grouped: dict[str, list[Region]] = {}
    for region in regions().values():
        grouped.setdefault(region.province, []).append(region)
    return grouped


def search(query: str) -> list[Region]:
    """Regions whose name, province or code contains every word of ``query`` (case ignored), in the
    list's order."""
    words = query.casefold().split()
    if not words:
        return []
    found = [r for r in regions().values()
             if all(w in f"{r.name} {r.province} {r.code}".casefold() for w in words)]
    return found
