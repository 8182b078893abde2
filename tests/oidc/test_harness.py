"""The harness itself, end to end, with Authlib as the relying party: discovery, a PKCE code flow
through the scripted login form, the token exchange, and ID token verification against the JWKS."""

from __future__ import annotations

import contextlib
import socket
import time
import warnings
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import authlib.deprecate  # sets its own "always" filter when imported, so import it first

# Authlib 1.9 deprecates authlib.jose (for joserfc) and its httpx integration (for httpx2).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import InvalidClaimError

from tests.oidc.conftest import DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, skip_without_node
from tests.oidc.harness import LoginError, NodeUnavailable, login, run_provider

pytestmark = pytest.mark.filterwarnings(
    "ignore::authlib.deprecate.AuthlibDeprecationWarning")

SCOPE = "openid email profile"
ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"]


def _relying_party(provider, **kwargs) -> OAuth2Client:
    client = provider.client()
    return OAuth2Client(client_id=client["client_id"], client_secret=client["client_secret"],
                        token_endpoint_auth_method=client["token_endpoint_auth_method"],
                        scope=SCOPE, redirect_uri=client["redirect_uris"][0],
                        code_challenge_method="S256", **kwargs)


def _authorize(provider, rp: OAuth2Client, **params) -> tuple[str, str, str, str]:
    """(authorization URL, state, nonce, code_verifier)"""
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = rp.create_authorization_url(provider.metadata["authorization_endpoint"],
                                             code_verifier=verifier, nonce=nonce, **params)
    return url, state, nonce, verifier


def _sign_in(provider, rp: OAuth2Client, browser: httpx.Client, account: str, **params):
    """The whole code flow for ``account``: (token response, nonce)."""
    url, _, nonce, verifier = _authorize(provider, rp, **params)
    redirect = login(browser, url, account)
    token = rp.fetch_token(provider.metadata["token_endpoint"], authorization_response=redirect,
                           code_verifier=verifier)
    return token, nonce


def _verify_id_token(provider, id_token: str, nonce: str, audience: str | None = None):
    jwks = httpx.get(provider.metadata["jwks_uri"], timeout=10).json()
    claims = JsonWebToken(ALGORITHMS).decode(
        id_token, key=JsonWebKey.import_key_set(jwks),
        claims_options={
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": audience or provider.client_id},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        })
    claims.validate(leeway=5)  # raises on a wrong iss / aud / nonce or an expired token
    return claims


def test_discovery_document(oidc_provider):
    issuer = oidc_provider.issuer
    assert issuer == f"http://127.0.0.1:{oidc_provider.port}"
    metadata = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert metadata["issuer"] == issuer
    assert metadata["jwks_uri"] == f"{issuer}/jwks"
    assert metadata["authorization_endpoint"].startswith(issuer + "/")
    assert metadata["token_endpoint"].startswith(issuer + "/")
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "email", "profile"} <= set(metadata["scopes_supported"])
    assert {"email", "name", "groups"} <= set(metadata["claims_supported"])
    assert {"client_secret_basic", "client_secret_post"} <= set(
        metadata["token_endpoint_auth_methods_supported"])
    keys = httpx.get(metadata["jwks_uri"], timeout=10).json()["keys"]
    assert keys and all(key.get("kid") and "d" not in key for key in keys)  # public halves only


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_sign_in_end_to_end(start_oidc_provider, auth_method):
    provider = start_oidc_provider([DEFAULT_REDIRECT_URI], token_endpoint_auth_method=auth_method)
    assert provider.client_id == DEFAULT_CLIENT_ID
    with _relying_party(provider) as rp, httpx.Client(timeout=10) as browser:
        url, state, nonce, verifier = _authorize(provider, rp)
        assert "code_challenge_method=S256" in url

        redirect = login(browser, url, "budi")
        assert redirect.startswith(DEFAULT_REDIRECT_URI + "?")
        query = parse_qs(urlsplit(redirect).query)
        assert query["state"] == [state] and query["code"] and query["iss"] == [provider.issuer]
        # the provider's session cookie was kept in the "browser" jar
        assert {"op_session", "op_session.sig"} <= {cookie.name for cookie in browser.cookies.jar}

        token = rp.fetch_token(provider.metadata["token_endpoint"],
                               authorization_response=redirect, code_verifier=verifier)
        assert token["token_type"].lower() == "bearer"

        claims = _verify_id_token(provider, token["id_token"], nonce)
        assert claims["sub"] == "budi"
        assert claims["email"] == "budi@banyuwangikab.go.id"
        assert claims["email_verified"] is True
        assert claims["name"] == "Budi Santoso"
        assert claims["groups"] == ["satupintu-admin"]
        assert claims["exp"] > time.time() > claims["iat"] - 5

        userinfo = rp.get(provider.metadata["userinfo_endpoint"]).json()
        assert userinfo["sub"] == "budi" and userinfo["groups"] == ["satupintu-admin"]


def test_id_token_rejected_for_wrong_nonce_or_audience(oidc_provider):
    with _relying_party(oidc_provider) as rp, httpx.Client(timeout=10) as browser:
        token, nonce = _sign_in(oidc_provider, rp, browser, "siti")
    id_token = token["id_token"]
    assert _verify_id_token(oidc_provider, id_token, nonce)["groups"] == ["satupintu-petugas"]
    with pytest.raises(InvalidClaimError, match="nonce"):
        _verify_id_token(oidc_provider, id_token, "another-nonce")
    with pytest.raises(InvalidClaimError, match="aud"):
        _verify_id_token(oidc_provider, id_token, nonce, audience="another-client")


def test_unknown_account_is_refused(oidc_provider):
    with _relying_party(oidc_provider) as rp, httpx.Client(timeout=10) as browser:
        url, *_ = _authorize(oidc_provider, rp)
        with pytest.raises(LoginError) as refused:
            login(browser, url, "mallory")
    assert refused.value.status_code == 400
    assert "unknown account" in refused.value.body


def test_pkce_is_required_and_checked(oidc_provider):
    endpoint = oidc_provider.metadata["authorization_endpoint"]
    with _relying_party(oidc_provider) as rp, httpx.Client(timeout=10) as browser, \
            OAuth2Client(client_id=oidc_provider.client_id, scope=SCOPE,
                         redirect_uri=DEFAULT_REDIRECT_URI) as without_pkce:
        # no code_challenge at all: the provider sends the browser back with an error
        url, _ = without_pkce.create_authorization_url(endpoint, nonce="n")
        query = parse_qs(urlsplit(login(browser, url, "budi")).query)
        assert query["error"] == ["invalid_request"] and "PKCE" in query["error_description"][0]

        # a wrong code_verifier at the token endpoint
        url, *_ = _authorize(oidc_provider, rp)
        redirect = login(browser, url, "budi")
        with pytest.raises(OAuthError, match="invalid_grant"):
            rp.fetch_token(oidc_provider.metadata["token_endpoint"],
                           authorization_response=redirect, code_verifier=generate_token(48))


def test_existing_session_is_not_silently_reused(oidc_provider):
    with _relying_party(oidc_provider) as rp, httpx.Client(timeout=10) as browser:
        login(browser, _authorize(oidc_provider, rp)[0], "budi")
        with pytest.raises(LoginError, match="existing provider session"):
            login(browser, _authorize(oidc_provider, rp)[0], "siti")
        url = _authorize(oidc_provider, rp)[0]
        assert "code=" in login(browser, url, "budi", allow_existing_session=True)
        # prompt=login shows the form again; switching accounts makes the provider end budi's
        # session through a self-submitting page, which login() submits like a browser
        token, nonce = _sign_in(oidc_provider, rp, browser, "siti", prompt="login")
    assert _verify_id_token(oidc_provider, token["id_token"], nonce)["sub"] == "siti"


def test_id_token_ttl_and_clean_shutdown(oidc_accounts):
    client = {"client_id": "ttl-client", "client_secret": "s3cret-s3cret-s3cret",
              "redirect_uris": ["http://127.0.0.1:9/cb"]}
    with contextlib.ExitStack() as running:
        try:
            provider = running.enter_context(run_provider([client], oidc_accounts, id_token_ttl=42))
        except NodeUnavailable as exc:
            skip_without_node(exc)
        with _relying_party(provider) as rp, httpx.Client(timeout=10) as browser:
            token, nonce = _sign_in(provider, rp, browser, "tanpa-grup")
        claims = _verify_id_token(provider, token["id_token"], nonce)
        assert claims["exp"] - claims["iat"] == 42
        assert claims["groups"] == [] and claims["email_verified"] is False
    assert provider.process.returncode == 0, provider.log()  # SIGTERM -> clean exit
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", provider.port), timeout=1):
        pass
