"""Who may act: a regency's staff (tenant-owned), the platform's people, identity providers, sessions.

Staff live inside their tenant (row-level security applies), so an account can never be read or
changed from another regency. Platform accounts (the ministry's viewers, platform admins) carry
no tenant and are limited by their role to aggregates and onboarding.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Index, event, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from satupintu.db import Base, TenantOwned, platform_table, tenant_fk, utcnow


class Role(enum.StrEnum):
    OPERATOR = "operator"
    TENANT_ADMIN = "tenant_admin"
    VILLAGE_OPERATOR = "village_operator"  # a village service point (applications.villages)
    MIDWIFE = "midwife"  # a bidan: submits births on families' behalf through the API, sees only hers
    MINISTRY_VIEWER = "ministry_viewer"
    MINISTRY_VERIFIER = "ministry_verifier"
    PLATFORM_ADMIN = "platform_admin"


STAFF_ROLES = (Role.OPERATOR, Role.TENANT_ADMIN, Role.VILLAGE_OPERATOR, Role.MIDWIFE)
ON_BEHALF_ROLES = (Role.VILLAGE_OPERATOR, Role.MIDWIFE)
"""Staff who submit applications for families away from the counter, with the family's consent, and
use neither the counter console nor the admin console (their guards do not name them)."""
PLATFORM_ROLES = (Role.MINISTRY_VIEWER, Role.MINISTRY_VERIFIER, Role.PLATFORM_ADMIN)
READ_ONLY_ROLES = (Role.MINISTRY_VIEWER,)
"""Roles that may only read: every unsafe request of theirs is refused (``security.read_only``)."""


def _role(length: int = 20) -> Enum:
    return Enum(Role, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class _Credentials:
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    session_generation: Mapped[int] = mapped_column(default=0)
    """Part of every session of this account; a new password or role raises it, which ends the
    account's other sessions (``accounts.service.load_principal`` compares the two)."""


class StaffAccount(_Credentials, TenantOwned, Base):
    """A counter operator (optionally of one agency) or an admin of one regency."""

    __tablename__ = "staff_accounts"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        Index("uq_staff_accounts_oidc_identity", "tenant_id", "oidc_issuer", "oidc_subject", unique=True),
        tenant_fk(["agency_id"], "agencies"),
    )

    role: Mapped[Role] = mapped_column(_role())
    agency_id: Mapped[int | None] = mapped_column(index=True)
    full_name: Mapped[str | None] = mapped_column(String(120))
    """The name on the person's learning certificates, as they confirmed it before the first one
    (``name`` is the account's label, which an admin or the single sign-on chose); nothing else."""


class PlatformAccount(_Credentials, Base):
    """A ministry viewer, a ministry verifier (who also marks self-assessments verified) or a
    platform admin: no tenant, never a citizen's data."""

    __tablename__ = "platform_accounts"
    __table_args__ = (UniqueConstraint("email"),
                      Index("uq_platform_accounts_oidc_identity", "oidc_issuer", "oidc_subject", unique=True),
                      {"info": platform_table(
                          reason="ministry and platform people belong to no regency and read across all of them",
                          writers=("cli", "platform_admin", "anyone"))})

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(_role())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IdentityProvider(TenantOwned, Base):
    """A regency's own single sign-on (OpenID Connect), and how its claims map to roles."""

    __tablename__ = "identity_providers"
    __extra_table_args__ = (UniqueConstraint("tenant_id"),)

    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(Text)
    role_claim: Mapped[str] = mapped_column(String(60), default="groups")
    admin_values: Mapped[list[Any]] = mapped_column(default=list)
    operator_values: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    link_by_email: Mapped[bool] = mapped_column(default=False)
    """Link a first sign-in to an existing, unlinked account with the same e-mail, when the provider
    asserts the address is verified. Off by default: an e-mail claim alone proves nothing."""
    sync_roles: Mapped[bool] = mapped_column(default=False)
    """The provider manages roles: each sign-in sets an existing account's role from the claims."""


class WebSession(Base):
    """Server-side session storage for the embedded default (Redis replaces it when configured)."""

    __tablename__ = "web_sessions"
    __table_args__ = (UniqueConstraint("namespace", "key"),
                      {"info": platform_table(
                          reason="a session exists before anyone signs in, and platform people have no regency; "
                                 "rows are opaque to the app and keyed by an unguessable id",
                          writers=("anyone", "job"))})

    id: Mapped[int] = mapped_column(primary_key=True)
    namespace: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)


def _ends_other_sessions(target: _Credentials, value: Any, oldvalue: Any, _initiator: Any) -> None:
    if oldvalue not in (NO_VALUE, NEVER_SET) and value != oldvalue:
        target.session_generation = (target.session_generation or 0) + 1


for _model in (StaffAccount, PlatformAccount):
    for _attribute in (_model.password_hash, _model.role):
        event.listen(_attribute, "set", _ends_other_sessions, active_history=True)
