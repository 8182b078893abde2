"""Courier delivery of a finished document (Kota Metro's "delivered free by motorbike courier").

The applicant asks for delivery once the document is done (or ready for pick-up), proving it is them
with their NIK (compared by its keyed digest, never stored again); the address is sealed with the
app's key, staff lists show a masked form, and it is erased when the document is handed over or the
delivery is cancelled (and with the application: the row cascades). Delivery is offered for the
services whose switch ``delivery`` is on (``tenant_services``: on at import where the regency's policy
``courier_delivery`` is, and set per service in its pack or the console); a request for another service is
refused. It is free when the regency's policy ``courier_delivery`` says so; otherwise the courier's fee is
paid on hand-over.

The applicant receives a six-character hand-over code once (in the answer to their request); only its
keyed digest is kept. The courier asks for it at the door, and the hand-over is recorded only with
the right code: then the delivery is done, the application is ``delivered`` (its timeline and the
audit log say so) and the address is erased.

Courier partners are adapters (:class:`CourierPartner`): ``dispatch`` hands an order to the partner
and returns its reference. The default, :class:`StaffHandover`, is the regency's own courier: staff
dispatch the parcel in the console and record the hand-over there with the code the courier brings
back.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import String, Text, UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from satupintu import security
from satupintu.applications import service
from satupintu.applications.models import Application, ApplicationStatus
from satupintu.audit.service import Change
from satupintu.catalogue.models import TenantService
from satupintu.db import Base, TenantOwned, readable_code, str_enum, tenant_fk
from satupintu.forms import Invalid, has_control
from satupintu.i18n import N_
from satupintu.i18n import gettext as _
from satupintu.security import Principal
from satupintu.tenants.models import TenantPolicy

SEAL_PURPOSE = "delivery-address"
CODE_LENGTH = 6
MIN_ADDRESS, MAX_ADDRESS = 10, 300
DELIVERABLE = (ApplicationStatus.DONE, ApplicationStatus.READY)


class DeliveryStatus(enum.StrEnum):
    REQUESTED = "requested"
    DISPATCHED = "dispatched"  # with the courier
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


ACTIVE = (DeliveryStatus.REQUESTED, DeliveryStatus.DISPATCHED)
STATUS_NAMES = {DeliveryStatus.REQUESTED: N_("delivery requested"), DeliveryStatus.DISPATCHED: N_("with the courier"),
                DeliveryStatus.DELIVERED: N_("delivered"), DeliveryStatus.CANCELLED: N_("delivery cancelled")}


class Delivery(TenantOwned, Base):
    """A finished document on its way to the applicant's address."""

    __tablename__ = "application_deliveries"
    __table_info__ = {"bumps_revision": False}  # no cached public page shows a delivery
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "application_id"),
        tenant_fk(["application_id"], "applications", ondelete="CASCADE"),
        tenant_fk(["handed_over_by"], "staff_accounts", ondelete="SET NULL"),
    )

    application_id: Mapped[int] = mapped_column()
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, 12),
        default=DeliveryStatus.REQUESTED)
    address: Mapped[str | None] = mapped_column(Text)  # sealed; erased at hand-over or cancellation
    address_masked: Mapped[str] = mapped_column(String(120), default="")
    free: Mapped[bool] = mapped_column(default=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(40), default="staff")
    partner_ref: Mapped[str | None] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column()
    dispatched_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    handed_over_by: Mapped[int | None] = mapped_column()


# --- the courier partner -------------------------------------------------------------------------


@dataclass(frozen=True)
class Order:
    """What a courier partner is told: where to, what, and which application (never the NIK)."""

    tracking_number: str
    address: str
    service: str

    def __repr__(self) -> str:  # never the address in clear, also not in a traceback
        return f"Order({self.tracking_number!r})"


class CourierPartner(Protocol):
    name: str

    async def dispatch(self, order: Order) -> str | None:
        """Hand the order to the partner; its reference for the order (None: it has none)."""


class StaffHandover:
    """The default: the regency's own courier, dispatched and confirmed by staff in the console."""

    name = "staff"

    async def dispatch(self, order: Order) -> str | None:
        return None


def partner() -> CourierPartner:
    """The courier partner of this deployment (staff-recorded hand-overs until one is contracted)."""
    return StaffHandover()


# --- requesting ----------------------------------------------------------------------------------


def _code_digest(secret_key: str, code: str) -> str:
    key = hashlib.sha256(f"satupintu-{SEAL_PURPOSE}-code:".encode() + secret_key.encode()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def normalise_code(value: str) -> str:
    return "".join(c for c in (value or "").upper() if c.isalnum())[:20]


def mask_address(address: str) -> str:
    """What lists show of an address: its first word and the initial of each other (Jl. M••• 1•••)."""
    words = address.split()
    return " ".join([words[0], *(f"{w[0]}•••" for w in words[1:])])[:120] if words else ""


async def of_application(session: AsyncSession, application: Application) -> Delivery | None:
    return await session.scalar(select(Delivery).where(Delivery.application_id == application.id))


async def is_free(session: AsyncSession) -> bool:
    policy = await session.scalar(select(TenantPolicy))
    return bool(policy and policy.courier_delivery)


@dataclass(frozen=True)
class Requested:
    delivery: Delivery
    code: str  # shown to the applicant once


@dataclass(frozen=True)
class Offer:
    """What the applicant's page says about delivery: the request made (if any), and whether one may be made."""

    delivery: Delivery | None
    may_request: bool
    free: bool


async def offer(session: AsyncSession, application: Application) -> Offer | None:
    """Delivery as the applicant sees it; None when the service offers none and none was requested."""
    existing = await of_application(session, application)
    the_service = await session.get(TenantService, application.service_id)
    offered = the_service is not None and the_service.delivery
    if not offered and existing is None:
        return None
    may = (offered and application.status in DELIVERABLE and application.erased_at is None
           and (existing is None or existing.status == DeliveryStatus.CANCELLED))
    return Offer(existing, may, existing.free if existing is not None else await is_free(session))


async def request(session: AsyncSession, application: Application, nik: str | None, address: str, *,
                  secret_key: str, now: datetime | None = None) -> Requested:
    """The applicant asks for their finished document to be delivered to ``address``, proving it is
    them with their NIK; ``nik=None`` when they proved it already (the tracking page's proof)."""
    now = service._now(now)
    errors: dict[str, str] = {}
    number = "".join(c for c in (nik or "") if c.isdigit())
    if nik is not None and (has_control(nik) or not hmac.compare_digest(service.nik_digest(secret_key, number),
                                                                         application.nik_digest or "")):
        errors["nik"] = _("This NIK is not the applicant's.")
    clean = " ".join((address or "").split())
    if has_control(address or ""):
        errors["address"] = _("This field contains characters that are not allowed.")
    elif not MIN_ADDRESS <= len(clean) <= MAX_ADDRESS:
        errors["address"] = _("Give the full address (street, number, RT/RW, village): %(min)d to %(max)d characters.") % {
            "min": MIN_ADDRESS, "max": MAX_ADDRESS}
    if errors:
        raise Invalid(errors)
    the_service = await session.get(TenantService, application.service_id)
    if the_service is None or not the_service.delivery:
        raise service.Refused(_("This service does not offer courier delivery; pick the document up at the mall."))
    if application.status not in DELIVERABLE:
        raise service.Refused(_("Only a finished document can be delivered."))
    existing = await of_application(session, application)
    if existing is not None and existing.status != DeliveryStatus.CANCELLED:
        raise service.Refused(_("Delivery of this document was already requested."))
    code = readable_code(CODE_LENGTH)
    values = dict(status=DeliveryStatus.REQUESTED, address=security.seal(secret_key, clean, SEAL_PURPOSE),
                  address_masked=mask_address(clean), free=await is_free(session),
                  code_digest=_code_digest(secret_key, code), partner=partner().name, partner_ref=None,
                  requested_at=now, dispatched_at=None, delivered_at=None, handed_over_by=None)
    if existing is None:
        existing = Delivery(application_id=application.id, **values)
        session.add(existing)
    else:
        for name, value in values.items():
            setattr(existing, name, value)
    await session.flush()
    return Requested(existing, code)


# --- staff ---------------------------------------------------------------------------------------


def address_of(delivery: Delivery, secret_key: str) -> str | None:
    return security.unseal(secret_key, delivery.address, SEAL_PURPOSE) if delivery.address else None


@dataclass(frozen=True)
class Row:
    delivery: Delivery
    application: Application
    service: TenantService


async def deliveries(session: AsyncSession, *, active_only: bool = True, limit: int = 200) -> list[Row]:
    statement = (select(Delivery, Application, TenantService)
                 .join(Application, Application.id == Delivery.application_id)
                 .join(TenantService, TenantService.id == Application.service_id))
    if active_only:
        statement = statement.where(Delivery.status.in_(ACTIVE))
    rows = (await session.execute(statement.order_by(Delivery.requested_at, Delivery.id).limit(limit))).all()
    return [Row(d, a, s) for d, a, s in rows]


async def find(session: AsyncSession, number: str) -> tuple[Application, Delivery] | None:
    application = await service.by_tracking_number(session, number)
    delivery = await of_application(session, application) if application is not None else None
    return None if delivery is None else (application, delivery)


async def dispatch(session: AsyncSession, application: Application, delivery: Delivery, courier: CourierPartner,
                   staff: Principal, *, secret_key: str, now: datetime | None = None) -> Change:
    """The parcel leaves with the courier (the partner is told where to)."""
    now = service._now(now)
    if delivery.status != DeliveryStatus.REQUESTED:
        raise service.Refused(_("This delivery is not waiting to be dispatched."))
    the_service = await session.get(TenantService, application.service_id)
    reference = await courier.dispatch(Order(application.tracking_number, address_of(delivery, secret_key) or "",
                                             the_service.name_id))
    delivery.status, delivery.dispatched_at = DeliveryStatus.DISPATCHED, now
    delivery.partner, delivery.partner_ref = courier.name, (reference or None) and reference[:100]
    await session.flush()
    return Change("update", "delivery", application.tracking_number, {"status": DeliveryStatus.REQUESTED.value},
                  {"status": DeliveryStatus.DISPATCHED.value})


async def hand_over(session: AsyncSession, application: Application, delivery: Delivery, code: str,
                    staff: Principal, *, secret_key: str, now: datetime | None = None) -> Change:
    """Record the hand-over with the code the applicant gave the courier: the delivery is done, the
    application delivered, and the address erased. A wrong code changes nothing."""
    now = service._now(now)
    if delivery.status not in ACTIVE:
        raise service.Refused(_("This delivery is already closed."))
    entered = normalise_code(code)
    if not entered:
        raise Invalid({"code": _("This field is required.")})
    if not hmac.compare_digest(_code_digest(secret_key, entered), delivery.code_digest):
        raise Invalid({"code": _("This is not the hand-over code of this delivery.")})
    claimed = await session.scalar(
        update(Delivery).where(Delivery.id == delivery.id, Delivery.status.in_(ACTIVE))
        .values(status=DeliveryStatus.DELIVERED, delivered_at=now, handed_over_by=staff.id, address=None,
                updated_at=now).returning(Delivery.id).execution_options(synchronize_session=False))
    if claimed is None:
        raise service.Refused(_("This delivery is already closed."))
    await session.refresh(delivery)
    before = {"status": DeliveryStatus.DISPATCHED.value, "application_status": application.status.value}
    if application.status != ApplicationStatus.DELIVERED:
        await service.advance(session, application, ApplicationStatus.DELIVERED, staff, now=now)
    return Change("update", "delivery", application.tracking_number, before,
                  {"status": DeliveryStatus.DELIVERED.value, "application_status": application.status.value})


async def cancel(session: AsyncSession, application: Application, delivery: Delivery) -> Change:
    """Call a delivery off (the applicant picks the document up instead): the address is erased."""
    if delivery.status not in ACTIVE:
        raise service.Refused(_("This delivery is already closed."))
    before = delivery.status.value
    delivery.status, delivery.address = DeliveryStatus.CANCELLED, None
    await session.flush()
    return Change("update", "delivery", application.tracking_number, {"status": before},
                  {"status": DeliveryStatus.CANCELLED.value})


def status_name(status: DeliveryStatus) -> str:
    return _(STATUS_NAMES[status])

