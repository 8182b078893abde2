"""Life-event bundles: one form for a life event (the 4-in-1 birth: the baby's NIK through the new KK,
the birth certificate and the KIA; a marriage; ...) that fans out into one application per service.

The life events and their services come from the shared catalogue (``life_events.toml``); a bundle
takes the services of the event that the regency offers. Every application is an ordinary one
(checklist, due date, timeline, staff queue, notices) and carries the bundle's number in
``bundle_key``; the bundle is tracked by that number (random, like a tracking number) and is done
when every application is done (done, ready for pick-up or delivered).

Answers fan out: a plain key (``"nama_bayi"``) goes to every application, a key prefixed with a
service's code (``"akta-kelahiran.saksi_1"``) only to that service's. A midwife, village operator or
other staff member may submit on the family's behalf only with the family's consent, which is
recorded (when, by whom) on the bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.applications import service
from satupintu.applications.models import (TRACKING_LENGTH, Application, ApplicationStatus, Channel, Submitter,
                                           tracking_number)
from satupintu.catalogue.models import TenantService
from satupintu.catalogue.schemas import LifeEvent
from satupintu.catalogue.shared import load_catalogue
from satupintu.db import Base, TenantOwned, str_enum, tenant_fk
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.tenants.models import Tenant

FINISHED = (ApplicationStatus.DONE, ApplicationStatus.READY, ApplicationStatus.DELIVERED)


class Bundle(TenantOwned, Base):
    """One life event's form, submitted once; its applications point at it by ``bundle_key``."""

    __tablename__ = "application_bundles"
    __table_info__ = {"bumps_revision": False}  # no cached public page shows a bundle
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        tenant_fk(["staff_id"], "staff_accounts", ondelete="SET NULL"),
    )

    number: Mapped[str] = mapped_column(String(TRACKING_LENGTH), default=tracking_number)
    life_event: Mapped[str] = mapped_column(String(60))
    submitted_by: Mapped[Submitter] = mapped_column(
        str_enum(Submitter, 20),
        default=Submitter.CITIZEN)
    staff_id: Mapped[int | None] = mapped_column()
    consent_at: Mapped[datetime | None] = mapped_column()  # the family's consent, when someone submitted for them
    submitted_at: Mapped[datetime] = mapped_column()


def life_events() -> dict[str, LifeEvent]:
    return load_catalogue().life_events


def answers_for(code: str, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers one service's application takes: the shared ones and its own (prefix removed)."""
    shared = {k: v for k, v in answers.items() if "." not in k}
    own = {k.split(".", 1)[1]: v for k, v in answers.items() if k.startswith(f"{code}.") and k != f"{code}."}
    return {**shared, **own}


async def offered(session: AsyncSession, event: LifeEvent) -> list[TenantService]:
    """The event's services this regency offers, in the event's order."""
    found = {s.code: s for s in (await session.scalars(select(TenantService).where(
        TenantService.code.in_(event.services), TenantService.enabled.is_(True)))).all()}
    return [found[code] for code in event.services if code in found]


async def submit(session: AsyncSession, tenant: Tenant, event_code: str, nik: str, name: str, *,
                 phone: str | None = None, email: str | None = None, answers: dict[str, Any] | None = None,
                 submitted_by: Submitter = Submitter.CITIZEN, staff_id: int | None = None, consent: bool = False,
                 channel: Channel = Channel.API, language: str = "id", secret_key: str,
                 now: datetime | None = None) -> tuple[Bundle, list[Application]]:
    """The bundle and one application per offered service of the life event, in one transaction."""
    now = service._now(now)
    event = life_events().get((event_code or "")[:60])
    if event is None:
        raise Invalid({"life_event": _("There is no such life event.")})
    services = await offered(session, event)
    if not services:
        raise Invalid({"life_event": _("This regency offers none of this life event's services.")})
    if submitted_by != Submitter.CITIZEN and not consent:
        raise Invalid({"consent": _("Record that the family agreed to this being submitted on their behalf.")})
    service.check_answers(answers)
    bundle = Bundle(number=tracking_number(), life_event=event.code, submitted_by=submitted_by, staff_id=staff_id,
                    consent_at=now if submitted_by != Submitter.CITIZEN else None, submitted_at=now)
    while await session.scalar(select(Bundle.id).where(Bundle.number == bundle.number)) is not None:
        bundle.number = tracking_number()
    session.add(bundle)
    made = []
    for one in services:
        application = await service.submit(
            session, tenant, one.code, nik, name, phone=phone, email=email,
            answers=answers_for(one.code, answers or {}), submitted_by=submitted_by, staff_id=staff_id,
            consent=consent, channel=channel, language=language, secret_key=secret_key, now=now)
        application.bundle_key = bundle.number
        made.append(application)
    await session.flush()
    return bundle, made


@dataclass(frozen=True)
class Part:
    application: Application
    service: TenantService


@dataclass(frozen=True)
class State:
    bundle: Bundle
    event: LifeEvent | None
    parts: list[Part]

    @property
    def done(self) -> bool:
        return bool(self.parts) and all(p.application.status in FINISHED for p in self.parts)


async def by_number(session: AsyncSession, number: str) -> Bundle | None:
    wanted = "".join(c for c in (number or "") if c.isalnum()).upper()[:20]
    if len(wanted) != TRACKING_LENGTH:
        return None
    return await session.scalar(select(Bundle).where(Bundle.number == wanted))


async def state(session: AsyncSession, bundle: Bundle) -> State:
    rows = (await session.execute(
        select(Application, TenantService).join(TenantService, TenantService.id == Application.service_id)
        .where(Application.bundle_key == bundle.number).order_by(Application.id))).all()
    return State(bundle, life_events().get(bundle.life_event), [Part(a, s) for a, s in rows])
