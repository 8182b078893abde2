"""Fixtures for tests that sign in through a real OpenID Connect provider (see README.md).

``oidc_provider`` is a provider with one client, ``satupintu-test`` (random secret, redirect URIs
from ``oidc_redirect_uris``, which a test module overrides), and the accounts of
``oidc_accounts``. ``start_oidc_provider`` is the factory behind it, for tests that must choose the
redirect URIs at run time (e.g. the port of a live app server), the client authentication method,
extra clients or the ID token lifetime. Each provider lives for one test.

Without ``node`` these fixtures skip, except when SATUPINTU_REQUIRE_OIDC=1, where that is an error.
Test packages outside tests/oidc use them with, in their conftest.py::

    from tests.oidc.conftest import *  # noqa: F401,F403
"""

from __future__ import annotations

import contextlib
import copy
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest

from tests.oidc.harness import NodeUnavailable, Provider, run_provider

__all__ = ["DEFAULT_ACCOUNTS", "DEFAULT_CLIENT_ID", "DEFAULT_REDIRECT_URI", "oidc_accounts",
           "oidc_provider", "oidc_redirect_uris", "skip_without_node", "start_oidc_provider"]

DEFAULT_CLIENT_ID = "satupintu-test"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8000/auth/oidc/callback"
DEFAULT_ACCOUNTS: dict[str, dict[str, Any]] = {
    "budi": {
        "email": "budi@banyuwangikab.go.id",
        "email_verified": True,
        "name": "Budi Santoso",
        "preferred_username": "budi",
        "groups": ["satupintu-admin"],
    },
    "siti": {
        "email": "siti@banyuwangikab.go.id",
        "email_verified": True,
        "name": "Siti Rahayu",
        "preferred_username": "siti",
        "groups": ["satupintu-petugas"],
    },
    "tanpa-grup": {
        "email": "warga@example.org",
        "email_verified": False,
        "name": "Warga Tanpa Grup",
        "groups": [],
    },
}


def _required() -> bool:
    return os.environ.get("SATUPINTU_REQUIRE_OIDC", "") == "1"


def skip_without_node(exc: NodeUnavailable) -> None:
    """Skip the current test for a missing node/npm, or fail it when SATUPINTU_REQUIRE_OIDC=1."""
    if _required():
        pytest.fail(f"SATUPINTU_REQUIRE_OIDC=1 but the OIDC provider cannot run: {exc}")
    pytest.skip(f"OIDC provider tests need Node.js: {exc}")


@pytest.fixture
def oidc_redirect_uris() -> list[str]:
    """The default client's redirect URIs; override this fixture in a test module."""
    return [DEFAULT_REDIRECT_URI]


@pytest.fixture
def oidc_accounts() -> dict[str, dict[str, Any]]:
    """Account id -> claims for the provider; override to change who can sign in."""
    return copy.deepcopy(DEFAULT_ACCOUNTS)


@pytest.fixture
def start_oidc_provider(oidc_accounts) -> Iterator[Callable[..., Provider]]:
    """Factory: ``start_oidc_provider(redirect_uris, *, accounts=None, id_token_ttl=None,
    client_id="satupintu-test", client_secret=None,
    token_endpoint_auth_method="client_secret_basic", extra_clients=())`` starts a provider that
    stops at the end of the test. ``accounts=None`` means the ``oidc_accounts`` fixture."""
    with contextlib.ExitStack() as stack:

        def start(redirect_uris: Sequence[str], *,
                  accounts: Mapping[str, Mapping[str, Any]] | None = None,
                  id_token_ttl: int | None = None, client_id: str = DEFAULT_CLIENT_ID,
                  client_secret: str | None = None,
                  token_endpoint_auth_method: str = "client_secret_basic",
                  extra_clients: Sequence[Mapping[str, Any]] = ()) -> Provider:
            client = {
                "client_id": client_id,
                "client_secret": client_secret or secrets.token_urlsafe(32),
                "redirect_uris": list(redirect_uris),
                "token_endpoint_auth_method": token_endpoint_auth_method,
            }
            try:
                return stack.enter_context(run_provider(
                    [client, *extra_clients], oidc_accounts if accounts is None else accounts,
                    id_token_ttl))
            except NodeUnavailable as exc:
                skip_without_node(exc)

        yield start


@pytest.fixture
def oidc_provider(start_oidc_provider, oidc_redirect_uris) -> Provider:
    """A running provider with the default client and accounts."""
    return start_oidc_provider(oidc_redirect_uris)
