"""OpenID Connect sign-in, end to end against a real provider (npm oidc-provider) on loopback.

Good case: PKCE code flow, ID token verified, claims mapped to a role, console opens. Bad cases
each end on a clear error page with no session: wrong issuer, bad signature, expired token,
replayed or mismatched state, mismatched nonce, and a person whose claims map to no role.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from satupintu.accounts import oidc
from tests.conftest import csrf_of, sign_in
from tests.oidc.harness import login

CALLBACK = "http://testserver.local/banyuwangi/masuk/oidc/callback"


def configure(client, admin_email: str, issuer: str, provider) -> None:
    assert sign_in(client, admin_email, "banyuwangi").status_code == 303
    response = client.post("/banyuwangi/admin/sso", data={
        "_csrf_token": csrf_of(client), "issuer": issuer, "client_id": provider.client_id,
        "client_secret": provider.client_secret, "role_claim": "groups", "admin_values": "satupintu-admin",
        "operator_values": "satupintu-petugas", "enabled": "on"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    client.post("/banyuwangi/keluar", data={"_csrf_token": csrf_of(client)})
    client.cookies.clear()


def begin(client) -> str:
    response = client.get("/banyuwangi/masuk/oidc", follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return f"{parts.path}?{parts.query}"


def refused(client, response, message: str) -> None:
    assert response.status_code == 400, response.text
    assert message in response.text
    assert "satupintu_sesi=" not in response.headers.get("set-cookie", "").replace("satupintu_sesi=null", "")
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403


@pytest.fixture
def provider(start_oidc_provider, client, people):
    started = start_oidc_provider([CALLBACK])
    configure(client, people["admin_a"], started.issuer, started)
    return started


def test_sign_in_through_the_regencys_provider(client, provider):
    with httpx.Client() as browser:
        back = login(browser, begin(client), "budi")
    done = client.get(callback_path(back), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/banyuwangi/admin/", done.text[-1500:]
    console = client.get("/banyuwangi/admin/staf")
    assert console.status_code == 200 and "budi@banyuwangikab.go.id" in console.text
    assert "Budi Santoso" in console.text


def test_operator_role_from_claims_cannot_open_the_admin_console(client, provider):
    with httpx.Client() as browser:
        back = login(browser, begin(client), "siti")
    assert client.get(callback_path(back), follow_redirects=False).status_code == 303
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403
    assert "Siti Rahayu" in client.get("/banyuwangi/").text, "signed in, as an operator"


def test_claims_that_map_to_no_role_are_refused(client, provider):
    with httpx.Client() as browser:
        back = login(browser, begin(client), "tanpa-grup")
    refused(client, client.get(callback_path(back), follow_redirects=False), "tidak memiliki peran")


def test_replayed_callback_is_refused(client, provider):
    with httpx.Client() as browser:
        back = login(browser, begin(client), "budi")
    assert client.get(callback_path(back), follow_redirects=False).status_code == 303
    client.post("/banyuwangi/keluar", data={"_csrf_token": csrf_of(client)})
    refused(client, client.get(callback_path(back), follow_redirects=False), "sudah dipakai")


def test_mismatched_state_is_refused(client, provider):
    with httpx.Client() as browser:
        back = login(browser, begin(client), "budi")
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "bukan-state-yang-dikirim"
    tampered = urlunsplit(parts._replace(query=urlencode(query)))
    refused(client, client.get(callback_path(tampered), follow_redirects=False), "sudah dipakai")


def test_mismatched_nonce_is_refused(client, provider):
    authorize = urlsplit(begin(client))
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    query["nonce"] = "nonce-lain"
    with httpx.Client() as browser:
        back = login(browser, urlunsplit(authorize._replace(query=urlencode(query))), "budi")
    refused(client, client.get(callback_path(back), follow_redirects=False), "Token identitas tidak sah")


def test_expired_id_token_is_refused(start_oidc_provider, client, people, monkeypatch):
    """The token lives 60 s; the app checks it as if 2 minutes had passed (leeway 0)."""
    short = start_oidc_provider([CALLBACK], id_token_ttl=60)
    configure(client, people["admin_a"], short.issuer, short)
    monkeypatch.setattr(oidc, "LEEWAY", 0)
    monkeypatch.setattr(oidc, "clock", lambda: time.time() + 120)
    with httpx.Client() as browser:
        back = login(browser, begin(client), "budi")
    refused(client, client.get(callback_path(back), follow_redirects=False), "Token identitas tidak sah")


def test_bad_signature_is_refused(client, provider, monkeypatch):
    """The provider's keys are swapped for another key set: its signature no longer verifies."""
    from authlib.jose import JsonWebKey

    stranger = JsonWebKey.generate_key("RSA", 2048, is_private=True)
    stranger.as_dict()
    original = JsonWebKey.import_key_set
    monkeypatch.setattr(JsonWebKey, "import_key_set",
                        staticmethod(lambda _jwks: original({"keys": [stranger.as_dict(is_private=False) |
                                                                      {"kid": _jwks["keys"][0].get("kid", "x")}]})))
    with httpx.Client() as browser:
        back = login(browser, begin(client), "budi")
    refused(client, client.get(callback_path(back), follow_redirects=False), "Token identitas tidak sah")


def test_wrong_issuer_is_refused(start_oidc_provider, client, people):
    started = start_oidc_provider([CALLBACK])
    wrong = started.issuer.replace("127.0.0.1", "localhost")
    configure(client, people["admin_a"], wrong, started)
    response = client.get("/banyuwangi/masuk/oidc", follow_redirects=False)
    refused(client, response, "issuer yang berbeda")


def test_ministry_signs_in_with_its_own_provider(start_oidc_provider, client, monkeypatch):
    ministry_callback = "http://testserver.local/masuk/oidc/callback"
    accounts = {"pengamat": {"email": "pengamat@menpan.go.id", "name": "Pengamat KemenPANRB",
                             "groups": ["satupintu-kementerian"]}}
    started = start_oidc_provider([ministry_callback], accounts=accounts)
    for name, value in {"ISSUER": started.issuer, "CLIENT_ID": started.client_id,
                        "CLIENT_SECRET": started.client_secret, "VIEWER_VALUES": "satupintu-kementerian"}.items():
        monkeypatch.setenv(f"SATUPINTU_MINISTRY_OIDC_{name}", value)
    start = client.get("/masuk/oidc", follow_redirects=False)
    assert start.status_code == 303
    with httpx.Client() as browser:
        back = login(browser, start.headers["location"], "pengamat")
    parts = urlsplit(back)
    done = client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/kementerian/"
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403, "a ministry viewer is no tenant admin"
