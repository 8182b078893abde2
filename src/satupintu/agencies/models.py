"""The mall's physical shape in one regency: its agencies, service locations and counters."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Enum, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, tenant_fk


class AgencyKind(enum.StrEnum):
    """Who provides a service: the regency's own OPD, a vertical (national) agency, or a state firm."""

    OPD = "opd"
    VERTIKAL = "vertikal"
    BUMN = "bumn"
    BUMD = "bumd"


def _enum(cls: type[enum.StrEnum], length: int) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Agency(TenantOwned, Base):
    __tablename__ = "agencies"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    short: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, 10))
    template: Mapped[str | None] = mapped_column(String(60))


class LocationKind(enum.StrEnum):
    MPP = "mpp"
    PASAR = "pasar"
    KANTOR = "kantor"
    DESA = "desa"


class Location(TenantOwned, Base):
    """A place where citizens are served: the mall itself, a market counter, a village point."""

    __tablename__ = "locations"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LocationKind] = mapped_column(_enum(LocationKind, 10))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")

    @property
    def map_url(self) -> str:
        """A plain OpenStreetMap link: the point when known, otherwise a search for the name and address."""
        if self.latitude is not None and self.longitude is not None:
            return (f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}"
                    f"#map=18/{self.latitude}/{self.longitude}")
        return "https://www.openstreetmap.org/search?" + urlencode({"query": f"{self.name}, {self.address}"})


class Counter(TenantOwned, Base):
    """A loket: one desk in one location, staffed by one agency."""

    __tablename__ = "counters"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk(["location_id"], "locations", ondelete="CASCADE"),
        tenant_fk(["agency_id"], "agencies", ondelete="CASCADE"),
    )

    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    location_id: Mapped[int] = mapped_column(index=True)
    agency_id: Mapped[int] = mapped_column(index=True)


class Holiday(TenantOwned, Base):
    """A day the mall (or one location) is closed: national holidays, cuti bersama, local events."""

    __tablename__ = "holidays"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "day", "location_id"),
        tenant_fk(["location_id"], "locations", ondelete="CASCADE"),
    )

    day: Mapped[date] = mapped_column()
    name: Mapped[str] = mapped_column(String(120))
    location_id: Mapped[int | None] = mapped_column(index=True)
