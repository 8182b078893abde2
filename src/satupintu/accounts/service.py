"""Rules for accounts: creating them, signing in with lockout, and loading who is signed in."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.accounts.models import PLATFORM_ROLES, STAFF_ROLES, IdentityProvider, PlatformAccount, Role, StaffAccount
from satupintu.audit.service import Change, snapshot
from satupintu.db import tenant_session
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.security import Principal, hash_password, password_problem, seal, verify_password
from satupintu.tenants.models import Tenant, TenantStatus

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,188}\.[A-Za-z]{2,}$")


class AccountError(ValueError):
    """Bad input for an account; the message is for the person at the keyboard, shown beside `field`."""

    def __init__(self, message: str, field: str = "email"):
        super().__init__(message)
        self.field = field


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(_("Enter a valid e-mail address."))
    return email


async def create_staff(session: AsyncSession, *, email: str, name: str, role: str, password: str | None,
                       agency_id: int | None = None) -> StaffAccount:
    email = normalise_email(email)
    if role not in {r.value for r in STAFF_ROLES}:
        raise AccountError(_("Choose a role: operator or tenant admin."), "role")
    if not name.strip():
        raise AccountError(_("Enter the person's name."), "name")
    if await session.scalar(select(StaffAccount).where(StaffAccount.email == email)):
        raise AccountError(_("An account with this e-mail already exists."))
    if password is not None and (problem := password_problem(password, email)):
        raise AccountError(problem, "password")
    account = StaffAccount(email=email, name=name.strip()[:120], role=Role(role), agency_id=agency_id,
                           password_hash=hash_password(password) if password else None)
    session.add(account)
    await session.flush()
    return account


async def create_platform(session: AsyncSession, *, email: str, name: str, role: str,
                          password: str | None) -> PlatformAccount:
    email = normalise_email(email)
    if role not in {r.value for r in PLATFORM_ROLES}:
        raise AccountError(_("Choose a role: ministry viewer or platform admin."), "role")
    if await session.scalar(select(PlatformAccount).where(PlatformAccount.email == email)):
        raise AccountError(_("An account with this e-mail already exists."))
    if password is not None and (problem := password_problem(password, email)):
        raise AccountError(problem, "password")
    account = PlatformAccount(email=email, name=name.strip()[:120] or email, role=Role(role),
                              password_hash=hash_password(password) if password else None)
    session.add(account)
    await session.flush()
    return account


def set_password(account: StaffAccount | PlatformAccount, password: str) -> None:
    if problem := password_problem(password, account.email):
        raise AccountError(problem, "password")
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None


@dataclass
class SignIn:
    account: StaffAccount | PlatformAccount | None
    error: str | None = None


async def _verify(stored: str | None, password: str) -> bool:
    """argon2 takes tens of milliseconds of CPU: in a thread, so other requests go on meanwhile."""
    return await asyncio.to_thread(verify_password, stored, password)


async def _claim_attempt(session: AsyncSession, model: type[StaffAccount] | type[PlatformAccount], email: str,
                         now: datetime) -> int | None:
    """Count this attempt before its password is checked, in one atomic UPDATE (the row lock orders
    parallel attempts): of any number sent at once, at most ``MAX_FAILURES`` get a check, and the
    last of them locks the account (and restarts the count for after the lock). Returns the
    account's id, or None for an unknown or a locked account."""
    locks = model.failed_logins + 1 >= MAX_FAILURES
    return await session.scalar(
        update(model)
        .where(model.email == email, or_(model.locked_until.is_(None), model.locked_until <= now))
        .values(failed_logins=case((locks, 0), else_=model.failed_logins + 1),
                locked_until=case((locks, now + LOCKOUT), else_=None))
        .returning(model.id)
        .execution_options(synchronize_session=False))


async def sign_in(session: AsyncSession, model: type[StaffAccount] | type[PlatformAccount], email: str,
                  password: str) -> SignIn:
    """Check a password, counting failures: five in a row lock the account for fifteen minutes.

    Each attempt is counted atomically before its password is checked (``_claim_attempt``), so
    parallel guesses get no more checks than sequential ones. An unknown e-mail, a wrong password
    and a locked account get the same answer, and the same work (a hash check against a dummy when
    there is nothing to check), so none of them reveals who has an account.
    """
    refused = SignIn(None, _("The e-mail or the password is wrong, or the account is locked for a while after "
                             "too many attempts."))
    try:
        email = normalise_email(email)
    except AccountError:
        await _verify(None, password)
        return refused
    account_id = await _claim_attempt(session, model, email, _now())
    if account_id is None:
        await _verify(None, password)
        return refused
    account = await session.scalar(select(model).where(model.id == account_id)
                                   .execution_options(populate_existing=True))
    if not await _verify(account.password_hash, password) or not account.active:
        return refused
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = _now()
    return SignIn(account)


def session_data(account: StaffAccount | PlatformAccount) -> dict[str, Any]:
    kind = "staff" if isinstance(account, StaffAccount) else "platform"
    return {"kind": kind, "uid": account.id, "tid": getattr(account, "tenant_id", None),
            "gen": account.session_generation or 0}


async def load_principal(maker: async_sessionmaker[AsyncSession], data: dict[str, Any]) -> Principal | None:
    """Who the session belongs to, read fresh so a deactivated account or a changed role counts now;
    nobody when the account's password or role changed since this session began."""
    kind, uid, tenant_id, generation = data.get("kind"), data.get("uid"), data.get("tid"), data.get("gen", 0)
    if not isinstance(uid, int):
        return None
    if kind == "platform":
        async with tenant_session(maker, None) as session:
            account = await session.get(PlatformAccount, uid)
            if account is None or not account.active or account.session_generation != generation:
                return None
            return Principal("platform", account.id, account.email, account.name, account.role.value)
    if kind == "staff" and isinstance(tenant_id, int):
        async with tenant_session(maker, None) as session:
            tenant = await session.get(Tenant, tenant_id)
        if tenant is None or tenant.status == TenantStatus.SUSPENDED:
            return None
        async with tenant_session(maker, tenant_id) as session:
            staff = await session.scalar(select(StaffAccount).where(StaffAccount.id == uid))
            if staff is None or not staff.active or staff.session_generation != generation:
                return None
            return Principal("staff", staff.id, staff.email, staff.name, staff.role.value, tenant.id, tenant.slug,
                             staff.agency_id)
    return None


# -- a regency's staff and identity provider, as its admins manage them in the console -------------

STAFF_FIELDS = ("email", "name", "role", "agency_id", "active")
SSO_FIELDS = ("issuer", "client_id", "role_claim", "admin_values", "operator_values", "enabled", "link_by_email",
              "sync_roles")


async def staff(session: AsyncSession) -> list[StaffAccount]:
    return list((await session.scalars(select(StaffAccount).order_by(StaffAccount.name))).all())


async def get_staff(session: AsyncSession, staff_id: int) -> StaffAccount | None:
    return await session.scalar(select(StaffAccount).where(StaffAccount.id == staff_id))


async def add_staff(session: AsyncSession, **fields: Any) -> Change:
    """``create_staff``, as a change for the audit log; bad input is refused under the e-mail field."""
    try:
        account = await create_staff(session, **fields)
    except AccountError as exc:
        raise Invalid({exc.field: str(exc)}) from exc
    return Change("create", "staff", account.email, None, snapshot(account, STAFF_FIELDS))


async def update_staff(session: AsyncSession, account: StaffAccount, *, acting_id: int, name: str, role: str,
                       agency_id: int | None, active: bool, password: str) -> Change:
    """Change a staff member; admins cannot demote or deactivate themselves (someone must stay admin)."""
    if account.id == acting_id and (not active or role != Role.TENANT_ADMIN.value):
        raise Invalid({"role": _("You cannot remove your own admin role or deactivate yourself.")})
    if password and (problem := password_problem(password, account.email)):
        raise Invalid({"password": problem})
    before = snapshot(account, STAFF_FIELDS)
    account.name, account.role, account.active, account.agency_id = name, Role(role), active, agency_id
    if password:
        set_password(account, password)
    await session.flush()
    after = snapshot(account, STAFF_FIELDS)
    if password:
        before, after = {**before, "password": "-"}, {**after, "password": _("changed")}
    return Change("update", "staff", account.email, before, after)


async def identity_provider(session: AsyncSession) -> IdentityProvider | None:
    return await session.scalar(select(IdentityProvider))


async def save_identity_provider(session: AsyncSession, values: dict[str, Any], secret: str,
                                 secret_key: str) -> Change:
    """Create or change the regency's OpenID Connect provider; the client secret is kept sealed."""
    provider = await identity_provider(session)
    if provider is None and not secret:
        raise Invalid({"client_secret": _("This field is required.")})
    before = snapshot(provider, SSO_FIELDS) if provider else None
    if provider is None:
        provider = IdentityProvider(client_secret="")
        session.add(provider)
    for name, value in values.items():
        setattr(provider, name, value)
    if secret:
        provider.client_secret = seal(secret_key, secret)
    await session.flush()
    after = snapshot(provider, SSO_FIELDS)
    if secret:
        after["client_secret"] = _("changed")
    return Change("update" if before else "create", "sso", provider.issuer, before, after)
