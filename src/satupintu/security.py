"""Passwords (argon2id), secrets sealed at rest, and the guards every protected route declares."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.rate_limit import DurationUnit, RateLimitConfig

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("satupintu-dummy-password")
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not the account exists, so timing does not reveal who has one."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    from satupintu.i18n import gettext as _

    if len(password) < MIN_PASSWORD:
        return _("The password must be at least %(n)d characters long.") % {"n": MIN_PASSWORD}
    if email and email.split("@")[0].lower() in password.lower():
        return _("The password must not contain the e-mail name.")
    return None


def _fernet(secret_key: str, purpose: str) -> Fernet:
    digest = hashlib.sha256(f"satupintu-{purpose}:".encode() + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret_key: str, value: str, purpose: str = "seal") -> str:
    """Encrypt and sign with the app's key: a stored credential (an identity provider's client
    secret), or a value the browser keeps for us (``purpose`` keeps the two apart)."""
    return _fernet(secret_key, purpose).encrypt(value.encode()).decode()


def unseal(secret_key: str, token: str, purpose: str = "seal", max_age: int | None = None) -> str:
    """The sealed value; ValueError when it was not sealed with this key and purpose or is older
    than ``max_age`` seconds."""
    try:
        return _fernet(secret_key, purpose).decrypt(token.encode(), ttl=max_age).decode()
    except InvalidToken as exc:
        raise ValueError("the sealed value cannot be decrypted with this SATUPINTU_SECRET_KEY") from exc


def client_address(connection: ASGIConnection) -> str:
    """The client's address as the server saw it (forwarded headers count only from trusted proxies)."""
    return connection.client.host if connection.client else "unknown"


def rate_limit(purpose: str, unit: DurationUnit, limit: int,
               exempt: Callable[[ASGIConnection], bool] | None = None) -> RateLimitConfig:
    """At most ``limit`` requests per ``unit`` and client address for one purpose (each purpose counts
    apart), kept in the app's ``rate_limit`` store. Requests for which ``exempt`` says True (signed-in
    staff working for many citizens) are not counted."""

    async def counted(request: ASGIConnection) -> bool:
        return not exempt(request)

    return RateLimitConfig(rate_limit=(unit, limit), store="rate_limit",
                           identifier_for_request=lambda request: f"{purpose}:{client_address(request)}",
                           check_throttle_handler=counted if exempt is not None else None)


@dataclass(frozen=True)
class Principal:
    """The signed-in person, as routes and guards see them (loaded fresh on every request)."""

    kind: str  # "staff" or "platform"
    id: int
    email: str
    name: str
    role: str
    tenant_id: int | None = None
    tenant_slug: str | None = None
    agency_id: int | None = None


def current_principal(connection: ASGIConnection) -> Principal | None:
    return connection.scope.get("principal")


def _require(connection: ASGIConnection) -> Principal:
    principal = current_principal(connection)
    if principal is None:
        raise NotAuthorizedException()
    return principal


def tenant_staff(*roles: str):  # noqa: ANN201 - a Litestar guard factory
    """Guard: signed in as staff of the tenant in the URL, with one of ``roles``."""

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        principal = _require(connection)
        slug = connection.path_params.get("slug")
        if principal.kind != "staff" or principal.tenant_slug != slug or principal.role not in roles:
            raise PermissionDeniedException()

    guard.__name__ = f"tenant_staff({', '.join(roles)})"
    return guard


def platform(*roles: str):  # noqa: ANN201
    """Guard: signed in as a platform account with one of ``roles``."""

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        principal = _require(connection)
        if principal.kind != "platform" or principal.role not in roles:
            raise PermissionDeniedException()

    guard.__name__ = f"platform({', '.join(roles)})"
    return guard


async def read_only(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """App-wide guard: a read-only role (the ministry viewer) sends no unsafe request, whatever the
    route's own guards say, unless the handler declares ``opt={"read_only_may": True}`` (signing
    in and out). Guards are coroutines: Litestar runs a plain function in a worker thread, a thread
    hop on every request."""
    from satupintu.accounts.models import READ_ONLY_ROLES

    principal = current_principal(connection)
    if (principal is not None and principal.kind == "platform" and principal.role in READ_ONLY_ROLES
            and connection.scope.get("method") not in SAFE_METHODS and not handler.opt.get("read_only_may")):
        raise PermissionDeniedException()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
tenant_admin = tenant_staff("tenant_admin")
tenant_operator = tenant_staff("operator", "tenant_admin")
ministry_viewer = platform("ministry_viewer", "ministry_verifier", "platform_admin")
ministry_verifier = platform("ministry_verifier")
platform_admin = platform("platform_admin")
