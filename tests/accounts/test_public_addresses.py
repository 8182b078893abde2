"""Absolute addresses (invitation links, the single sign-on redirect_uri) come only from configured
host names (SATUPINTU_PUBLIC_URL, SATUPINTU_TENANT_HOSTS), never from what a client puts in Host."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from satupintu.config import ConfigError, Settings
from tests.accounts.test_oidc_sign_in import CALLBACK, configure
from tests.conftest import app_client, csrf_of, sign_in

EVIL = {"host": "penyerang.example"}


def test_an_invitation_link_ignores_a_forged_host(client, people):
    assert sign_in(client, people["platform"]).status_code == 303
    page = client.post("/platform/undangan", headers=EVIL, data={
        "_csrf_token": csrf_of(client), "region_code": "35.12", "email": "kominfo@situbondokab.go.id"})
    assert page.status_code == 200
    link = re.search(r"<code>([^<]+/onboarding/undangan/[^<]+)</code>", page.text).group(1)
    assert link.startswith("http://testserver.local/onboarding/undangan/") and "penyerang" not in page.text


def _redirect_uri(response) -> str:
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["redirect_uri"][0]


def test_the_sign_on_redirect_uri_ignores_a_forged_host(start_oidc_provider, client, people):
    provider = start_oidc_provider([CALLBACK])
    configure(client, people["admin_a"], provider.issuer, provider)
    assert _redirect_uri(client.get("/banyuwangi/masuk/oidc", headers=EVIL, follow_redirects=False)) == CALLBACK


def test_a_regencys_own_host_name_is_used_when_configured(start_oidc_provider, database, people):
    own = "mpp.banyuwangikab.go.id"
    clients = app_client(database, SATUPINTU_OIDC_ALLOW_LOOPBACK="1", SATUPINTU_TENANT_HOSTS=f"{own}=banyuwangi")
    client = next(clients)
    try:
        provider = start_oidc_provider([CALLBACK, f"http://{own}/banyuwangi/masuk/oidc/callback"])
        configure(client, people["admin_a"], provider.issuer, provider)
        answer = client.get("/masuk/oidc", headers={"host": own}, follow_redirects=False)
        assert _redirect_uri(answer) == f"http://{own}/banyuwangi/masuk/oidc/callback"
    finally:
        clients.close()


def test_production_needs_an_https_public_address():
    base = {"SATUPINTU_ENV": "production", "SATUPINTU_SECRET_KEY": "x" * 40}
    with pytest.raises(ConfigError, match="SATUPINTU_PUBLIC_URL"):
        Settings.from_env(base)
    with pytest.raises(ConfigError, match="https"):
        Settings.from_env({**base, "SATUPINTU_PUBLIC_URL": "http://mpp.example.go.id"})
    assert Settings.from_env({**base, "SATUPINTU_PUBLIC_URL": "https://mpp.example.go.id/"}).public_url == \
        "https://mpp.example.go.id"
