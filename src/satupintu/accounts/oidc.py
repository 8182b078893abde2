"""OpenID Connect sign-in with Authlib: a regency's own identity provider, and the ministry's.

Authorization code flow with PKCE (S256), ``state`` and ``nonce`` kept in the server-side session
and used once. The ID token is checked against the provider's JWKS (signature), and for ``iss``,
``aud``, ``exp`` and ``nonce``; the provider's discovery document must name the configured issuer.
Claims map to a role (a regency's admins and operators; the ministry's viewers); a person whose
claims map to no role gets a clear refusal and no session.
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
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts.models import IdentityProvider, PlatformAccount, Role, StaffAccount
from satupintu.i18n import gettext as _

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
TIMEOUT = httpx.Timeout(10.0)
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


def issuer_problem(issuer: str) -> str | None:
    parts = urlsplit(issuer)
    local = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        return _("The issuer must be an https:// address.")
    if not parts.hostname or parts.query or parts.fragment:
        return _("The issuer must be a plain address such as https://sso.example.go.id/realms/pemda.")
    return None


async def tenant_provider(session: AsyncSession) -> IdentityProvider | None:
    return await session.scalar(select(IdentityProvider).where(IdentityProvider.enabled.is_(True)))


def tenant_config(provider: IdentityProvider, secret_key: str) -> ProviderConfig:
    from satupintu.security import unseal

    return ProviderConfig(provider.issuer, provider.client_id, unseal(secret_key, provider.client_secret),
                          provider.role_claim, {Role.TENANT_ADMIN.value: list(provider.admin_values),
                                                Role.OPERATOR.value: list(provider.operator_values)})


def ministry_config(env: dict[str, str] | None = None) -> ProviderConfig | None:
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
                           Role.MINISTRY_VIEWER.value: values("SATUPINTU_MINISTRY_OIDC_VIEWER_VALUES")})


def ministry_configured() -> bool:
    return ministry_config() is not None


async def _discover(config: ProviderConfig) -> dict[str, Any]:
    url = config.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.get(url)
            response.raise_for_status()
            metadata = response.json()
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
                               redirect_uri=pending["redirect_uri"], timeout=TIMEOUT)
    try:
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


def role_for(config: ProviderConfig, claims: dict[str, Any]) -> str:
    raw = claims.get(config.role_claim, [])
    values = {raw} if isinstance(raw, str) else {str(v) for v in raw} if isinstance(raw, list) else set()
    for role, granting in config.roles.items():
        if values & set(granting):
            return role
    raise OIDCError(_("Your account at the identity provider has no role in SatuPintu. Ask your admin."))


async def _linked_account(session: AsyncSession, model: type, config: ProviderConfig, claims: dict[str, Any]):
    """Find (by issuer and subject, then e-mail) or create the account; the provider's role wins."""
    role = Role(role_for(config, claims))
    subject, email = str(claims["sub"]), str(claims.get("email") or "").lower()
    account = await session.scalar(select(model).where(or_(
        (model.oidc_issuer == config.issuer) & (model.oidc_subject == subject),
        model.email == email if email else False,
    )))
    if account is None:
        if not email:
            raise OIDCError(_("The identity provider did not share an e-mail address."))
        account = model(email=email, name=str(claims.get("name") or email)[:120], role=role, active=True)
        session.add(account)
    if not account.active:
        raise OIDCError(_("This account is deactivated."))
    account.role, account.oidc_issuer, account.oidc_subject = role, config.issuer, subject
    await session.flush()
    return account


async def staff_account(session: AsyncSession, config: ProviderConfig, claims: dict[str, Any]) -> StaffAccount:
    return await _linked_account(session, StaffAccount, config, claims)


async def platform_account(session: AsyncSession, config: ProviderConfig, claims: dict[str, Any]) -> PlatformAccount:
    return await _linked_account(session, PlatformAccount, config, claims)
