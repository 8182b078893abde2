"""OpenID Connect sign-in with Authlib: a regency's own identity provider, and the ministry's.

Authorization code flow with PKCE (S256), ``state`` and ``nonce`` kept in a short-lived sealed
cookie (no stored session per anonymous hit) and used once. The ID token is checked against the
provider's JWKS (signature), and for ``iss``, ``aud``, ``exp`` and ``nonce``; the provider's
discovery document must name the configured issuer. Every fetch goes through ``outbound`` (no
private addresses, a timeout, a size cap).

Linking a person to an account: by (issuer, subject) first; by e-mail only when the provider
asserts ``email_verified`` and the configuration allows it (``IdentityProvider.link_by_email``,
``SATUPINTU_MINISTRY_OIDC_LINK_BY_EMAIL``), and never onto an account already linked to another
identity; two different matching accounts are an error. A new account takes its role from the
claims; an existing account's role changes only when the configuration says the provider manages
roles (``sync_roles``, ``SATUPINTU_MINISTRY_OIDC_SYNC_ROLES``).
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts import outbound
from satupintu.accounts.models import IdentityProvider, PlatformAccount, Role, StaffAccount
from satupintu.config import Settings
from satupintu.i18n import gettext as _

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
LEEWAY = 60
"""Seconds of clock difference tolerated when checking exp and iat."""
clock = time.time


class OIDCError(Exception):
    """Sign-in through the identity provider failed; the message is shown to the person."""


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: str
    role_claim: str
    roles: dict[str, list[str]]  # role value -> claim values that grant it
    link_by_email: bool = False
    sync_roles: bool = False
    allow_loopback: bool = False  # tests only: http:// and 127.0.0.1 (never in production)


def issuer_problem(issuer: str, *, allow_loopback: bool = False) -> str | None:
    parts = urlsplit(issuer)
    local = allow_loopback and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        return _("The issuer must be an https:// address.")
    if not parts.hostname or parts.query or parts.fragment:
        return _("The issuer must be a plain address such as https://sso.example.go.id/realms/pemda.")
    return None


async def tenant_provider(session: AsyncSession) -> IdentityProvider | None:
    return await session.scalar(select(IdentityProvider).where(IdentityProvider.enabled.is_(True)))


def tenant_config(provider: IdentityProvider, settings: Settings) -> ProviderConfig:
    from satupintu.security import unseal

    return ProviderConfig(provider.issuer, provider.client_id, unseal(settings.secret_key, provider.client_secret),
                          provider.role_claim, {Role.TENANT_ADMIN.value: list(provider.admin_values),
                                                Role.OPERATOR.value: list(provider.operator_values)},
                          link_by_email=provider.link_by_email, sync_roles=provider.sync_roles,
                          allow_loopback=settings.oidc_allow_loopback)


def ministry_config(settings: Settings, env: dict[str, str] | None = None) -> ProviderConfig | None:
    env = dict(os.environ if env is None else env)
    issuer = env.get("SATUPINTU_MINISTRY_OIDC_ISSUER")
    if not issuer:
        return None

    def values(name: str) -> list[str]:
        return [v.strip() for v in env.get(name, "").split(",") if v.strip()]

    return ProviderConfig(issuer.rstrip("/"), env.get("SATUPINTU_MINISTRY_OIDC_CLIENT_ID", ""),
                          env.get("SATUPINTU_MINISTRY_OIDC_CLIENT_SECRET", ""),
                          env.get("SATUPINTU_MINISTRY_OIDC_ROLE_CLAIM", "groups"),
                          {Role.PLATFORM_ADMIN.value: values("SATUPINTU_MINISTRY_OIDC_ADMIN_VALUES"),
                           Role.MINISTRY_VERIFIER.value: values("SATUPINTU_MINISTRY_OIDC_VERIFIER_VALUES"),
                           Role.MINISTRY_VIEWER.value: values("SATUPINTU_MINISTRY_OIDC_VIEWER_VALUES")},
                          link_by_email=env.get("SATUPINTU_MINISTRY_OIDC_LINK_BY_EMAIL", "") == "1",
                          sync_roles=env.get("SATUPINTU_MINISTRY_OIDC_SYNC_ROLES", "") == "1",
                          allow_loopback=settings.oidc_allow_loopback)


def ministry_configured() -> bool:
    return bool(os.environ.get("SATUPINTU_MINISTRY_OIDC_ISSUER"))


async def _discover(config: ProviderConfig) -> dict[str, Any]:
    if issuer_problem(config.issuer, allow_loopback=config.allow_loopback):
        raise OIDCError(_("The identity provider cannot be reached. Please try again later."))
    url = config.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(**outbound.client(allow_loopback=config.allow_loopback)) as client:
            response = await client.get(url)
            response.raise_for_status()
            metadata = response.json()
        if not isinstance(metadata, dict):
            raise ValueError("the discovery document is not an object")
    except (httpx.HTTPError, ValueError) as exc:
        raise OIDCError(_("The identity provider cannot be reached. Please try again later.")) from exc
    if metadata.get("issuer", "").rstrip("/") != config.issuer.rstrip("/"):
        raise OIDCError(_("The identity provider answered with a different issuer; sign-in refused."))
    return metadata


async def start(config: ProviderConfig, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider's authorization URL, and what the session must remember for the callback."""
    metadata = await _discover(config)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    client = AsyncOAuth2Client(client_id=config.client_id, redirect_uri=redirect_uri, scope="openid email profile")
    url, _state = client.create_authorization_url(
        metadata["authorization_endpoint"], state=state, nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256",
    )
    await client.aclose()
    return url, {"state": state, "nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri}


async def finish(config: ProviderConfig, pending: dict[str, str] | None, params: dict[str, str],
                 *, leeway: int | None = None) -> dict[str, Any]:
    """Exchange the code and return the ID token's verified claims; raise OIDCError otherwise."""
    if not pending or not params.get("state") or not secrets.compare_digest(params["state"], pending["state"]):
        raise OIDCError(_("This sign-in link has expired or was already used. Please start again."))
    if params.get("error"):
        raise OIDCError(_("The identity provider refused the sign-in."))
    if not params.get("code"):
        raise OIDCError(_("The identity provider sent no authorization code."))
    metadata = await _discover(config)
    client = AsyncOAuth2Client(client_id=config.client_id, client_secret=config.client_secret,
                               redirect_uri=pending["redirect_uri"],
                               **outbound.client(allow_loopback=config.allow_loopback))
    try:
        if any(urlsplit(str(metadata[name])).scheme != "https" and not config.allow_loopback
               for name in ("token_endpoint", "jwks_uri")):
            raise ValueError("the provider's endpoints must be https")
        token = await client.fetch_token(metadata["token_endpoint"], code=params["code"],
                                         code_verifier=pending["verifier"], grant_type="authorization_code")
        jwks = (await client.get(metadata["jwks_uri"])).json()
    except Exception as exc:  # noqa: BLE001 - any failure of the exchange is a refused sign-in
        raise OIDCError(_("The sign-in could not be completed with the identity provider.")) from exc
    finally:
        await client.aclose()
    id_token = token.get("id_token")
    if not id_token:
        raise OIDCError(_("The identity provider sent no ID token."))
    try:
        claims = JsonWebToken(ALGORITHMS).decode(id_token, key=JsonWebKey.import_key_set(jwks), claims_options={
            "iss": {"essential": True, "value": config.issuer},
            "aud": {"essential": True, "value": config.client_id},
            "exp": {"essential": True},
            "sub": {"essential": True},
            "nonce": {"essential": True, "value": pending["nonce"]},
        })
        claims.validate(now=int(clock()), leeway=LEEWAY if leeway is None else leeway)
    except (JoseError, ValueError) as exc:
        raise OIDCError(_("The identity token is not valid (signature, issuer, audience, expiry or nonce).")) from exc
    return dict(claims)


def role_for(config: ProviderConfig, claims: dict[str, Any]) -> Role | None:
    raw = claims.get(config.role_claim, [])
    values = {raw} if isinstance(raw, str) else {str(v) for v in raw} if isinstance(raw, list) else set()
    for role, granting in config.roles.items():
        if values & set(granting):
            return Role(role)
    return None


def _no_role() -> OIDCError:
    return OIDCError(_("Your account at the identity provider has no role in SatuPintu. Ask your admin."))


async def _linked_account(session: AsyncSession, model: type, config: ProviderConfig, claims: dict[str, Any]):
    """The account of this identity: see the module's docstring for the rules."""
    role = role_for(config, claims)
    subject, email = str(claims["sub"]), str(claims.get("email") or "").strip().lower()
    by_subject = (await session.scalars(select(model).where(
        model.oidc_issuer == config.issuer, model.oidc_subject == subject))).all()
    same_email = (await session.scalars(select(model).where(model.email == email))).all() if email else []
    if len(by_subject) > 1 or len(same_email) > 1:
        raise OIDCError(_("More than one account matches this sign-in. Ask your admin to resolve it."))
    account = by_subject[0] if by_subject else None
    other = same_email[0] if same_email and same_email[0] is not account else None
    if other is not None:
        linkable = (config.link_by_email and claims.get("email_verified") is True
                    and other.oidc_subject is None and account is None)
        if account is not None:
            raise OIDCError(_("More than one account matches this sign-in. Ask your admin to resolve it."))
        if not linkable:
            raise OIDCError(_("An account with this e-mail exists but is not linked to this identity provider. "
                              "Ask your admin to link it."))
        account = other
    if account is None:
        if role is None:
            raise _no_role()
        if not email:
            raise OIDCError(_("The identity provider did not share an e-mail address."))
        account = model(email=email, name=str(claims.get("name") or email)[:120], role=role, active=True)
        session.add(account)
    elif config.sync_roles:
        if role is None:
            raise _no_role()
        account.role = role
    if not account.active:
        raise OIDCError(_("This account is deactivated."))
    account.oidc_issuer, account.oidc_subject = config.issuer, subject
    await session.flush()
    return account


async def staff_account(session: AsyncSession, config: ProviderConfig, claims: dict[str, Any]) -> StaffAccount:
    return await _linked_account(session, StaffAccount, config, claims)


async def platform_account(session: AsyncSession, config: ProviderConfig, claims: dict[str, Any]) -> PlatformAccount:
    return await _linked_account(session, PlatformAccount, config, claims)
