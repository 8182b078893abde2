"""Village service points (Smart Kampung): a regency's villages, their operators, and what each sends.

The official region list the project ships (``tenants/regions``) goes down to kabupaten and kota only,
so a village's code is checked by its shape: the Kemendagri code ``PP.RR.KK.DDDD`` under the regency's
own ``PP.RR`` prefix, the village part beginning with 1 (kelurahan) or 2 (desa).

A village operator is a staff account with the role ``village_operator`` assigned to one village; a
midwife (role ``midwife``) may be assigned to the village she serves the same way. An application a
village operator or such a midwife submits (the web form, the API or a life-event bundle) carries that
village's code (``applications.village_code``) and is marked as submitted by a village operator (or a
midwife). The regency sees the volume and completion per village as counts only.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from sqlalchemy import String, UniqueConstraint, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.accounts.models import ON_BEHALF_ROLES, StaffAccount
from satupintu.applications.models import Application, ApplicationStatus, Submitter
from satupintu.audit.service import Change
from satupintu.db import Base, TenantOwned, str_enum, tenant_fk
from satupintu.forms import Invalid, has_control
from satupintu.i18n import gettext as _
from satupintu.tenants.models import Tenant

CODE = re.compile(r"^(\d{2}\.\d{2})\.(\d{2})\.([12])\d{3}$")
FINISHED = (ApplicationStatus.DONE, ApplicationStatus.READY, ApplicationStatus.DELIVERED)


class VillageKind(enum.StrEnum):
    KELURAHAN = "kelurahan"
    DESA = "desa"


class Village(TenantOwned, Base):
    __tablename__ = "villages"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(13))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[VillageKind] = mapped_column(
        str_enum(VillageKind, 10))


class VillageOperator(TenantOwned, Base):
    """A village operator's village (one village per operator)."""

    __tablename__ = "village_operators"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "staff_id"),
        tenant_fk(["staff_id"], "staff_accounts", ondelete="CASCADE"),
        tenant_fk(["village_id"], "villages", ondelete="CASCADE"),
    )

    staff_id: Mapped[int] = mapped_column()
    village_id: Mapped[int] = mapped_column(index=True)


def check_code(tenant: Tenant, code: str) -> str:
    """The village code, checked by shape under the regency's prefix (Invalid otherwise)."""
    clean = (code or "").strip()
    match = CODE.match(clean)
    if has_control(code or "") or match is None:
        raise Invalid({"code": _("Enter the village's Kemendagri code, e.g. %(example)s.")
                               % {"example": f"{tenant.region_code}.01.2001"}})
    if match.group(1) != tenant.region_code:
        raise Invalid({"code": _("This village is not in %(regency)s (its code begins with %(prefix)s).")
                               % {"regency": tenant.name, "prefix": tenant.region_code}})
    return clean


async def villages(session: AsyncSession) -> list[Village]:
    return list((await session.scalars(select(Village).order_by(Village.name, Village.code))).all())


async def add(session: AsyncSession, tenant: Tenant, code: str, name: str) -> Change:
    errors: dict[str, str] = {}
    try:
        code = check_code(tenant, code)
    except Invalid as exc:
        errors.update(exc.errors)
    clean_name = " ".join((name or "").split())
    if not clean_name or len(clean_name) > 120 or has_control(name or ""):
        errors["name"] = _("Enter the village's name (at most %(n)d characters).") % {"n": 120}
    if not errors and await session.scalar(select(Village.id).where(Village.code == code)) is not None:
        errors["code"] = _("This village is registered already.")
    if errors:
        raise Invalid(errors)
    kind = VillageKind.KELURAHAN if CODE.match(code).group(3) == "1" else VillageKind.DESA
    session.add(Village(code=code, name=clean_name, kind=kind))
    await session.flush()
    return Change("create", "village", code, None, {"name": clean_name, "kind": kind.value})


async def operators(session: AsyncSession) -> list[StaffAccount]:
    return list((await session.scalars(select(StaffAccount).where(
        StaffAccount.role.in_(ON_BEHALF_ROLES)).order_by(StaffAccount.name))).all())


async def assign(session: AsyncSession, village_id: str, staff_id: str) -> Change:
    """Make a village operator or a midwife serve one village (moving them from another)."""
    village = await session.get(Village, int(village_id)) if str(village_id).isdigit() else None
    staff = await session.get(StaffAccount, int(staff_id)) if str(staff_id).isdigit() else None
    errors = {}
    if village is None:
        errors["village_id"] = _("Choose a registered village.")
    if staff is None or staff.role not in ON_BEHALF_ROLES:
        errors["staff_id"] = _("Choose a staff account with the role village operator or midwife.")
    if errors:
        raise Invalid(errors)
    current = await session.scalar(select(VillageOperator).where(VillageOperator.staff_id == staff.id))
    before = None
    if current is None:
        session.add(VillageOperator(staff_id=staff.id, village_id=village.id))
    else:
        before = {"village": (await session.get(Village, current.village_id)).code}
        current.village_id = village.id
    await session.flush()
    return Change("update" if before else "create", "village_operator", staff.email, before, {"village": village.code})


async def village_of(session: AsyncSession, staff_id: int | None) -> Village | None:
    if staff_id is None:
        return None
    return await session.scalar(select(Village).join(VillageOperator, VillageOperator.village_id == Village.id)
                                .where(VillageOperator.staff_id == staff_id))


async def stamp(session: AsyncSession, application: Application) -> None:
    """An application a village operator or a midwife submitted carries their village."""
    village = await village_of(session, application.submitted_by_staff_id)
    if village is not None:
        application.village_code = village.code
        if application.submitted_by == Submitter.STAFF:
            application.submitted_by = Submitter.VILLAGE_OPERATOR


@dataclass(frozen=True)
class Figures:
    village: Village
    applications: int
    finished: int
    open: int
    operators: int


async def figures(session: AsyncSession) -> list[Figures]:
    """Volume and completion per registered village: counts only, one aggregate query."""
    ended = (ApplicationStatus.REJECTED, ApplicationStatus.REVOKED)
    counts = {code: (total, int(finished or 0), int(closed or 0)) for code, total, finished, closed in (
        await session.execute(
            select(Application.village_code, func.count(),
                   func.sum(case((Application.status.in_(FINISHED), 1), else_=0)),
                   func.sum(case((Application.status.in_(ended), 1), else_=0)))
            .where(Application.village_code.is_not(None)).group_by(Application.village_code))).all()}
    staffed = dict((await session.execute(select(VillageOperator.village_id, func.count())
                                          .group_by(VillageOperator.village_id))).all())
    out = []
    for village in await villages(session):
        total, finished, closed = counts.get(village.code, (0, 0, 0))
        out.append(Figures(village, total, finished, total - finished - closed, staffed.get(village.id, 0)))
    return out
