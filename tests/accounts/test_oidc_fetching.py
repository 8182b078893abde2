"""No server-side request forgery through single sign-on: https issuers only, addresses checked when
connecting (loopback, private, link-local and metadata refused), a size cap, and an anonymous start
of sign-in that is rate-limited and stores no session."""

from __future__ import annotations

import asyncio
import http.server
import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update

from satupintu.accounts import outbound
from satupintu.accounts.models import IdentityProvider
from satupintu.config import ConfigError, Settings
from satupintu.security import seal
from tests.accounts.test_oidc_sign_in import CALLBACK, configure
from tests.conftest import app_client, csrf_of, in_tenant, run, sign_in

SECRET = "test-secret-key-that-is-long-enough-0123456789"


async def _point_provider_at(url: str, issuer: str) -> None:
    """Store an issuer directly, as an older version of the form (or a hand-edited row) may have."""
    async with in_tenant(url, "banyuwangi") as session:
        await session.execute(update(IdentityProvider).values(issuer=issuer, client_id="c", enabled=True,
                                                              client_secret=seal(SECRET, "s")))


@pytest.fixture
def strict_client(database) -> Iterator:
    """The app as deployed: no exception for loopback."""
    yield from app_client(database)


def test_issuers_must_be_https_unless_a_test_setting_allows_loopback(strict_client, people):
    assert sign_in(strict_client, people["admin_a"], "banyuwangi").status_code == 303
    response = strict_client.post("/banyuwangi/admin/sso", data={
        "_csrf_token": csrf_of(strict_client), "issuer": "http://127.0.0.1:9999", "client_id": "c",
        "client_secret": "s", "role_claim": "groups", "admin_values": "admin", "enabled": "on"})
    assert response.status_code == 422 and "https://" in response.text
    with pytest.raises(ConfigError, match="SATUPINTU_OIDC_ALLOW_LOOPBACK"):
        Settings.from_env({"SATUPINTU_ENV": "production", "SATUPINTU_SECRET_KEY": SECRET,
                           "SATUPINTU_OIDC_ALLOW_LOOPBACK": "1"})


def test_a_host_name_that_resolves_to_loopback_is_refused_when_connecting(strict_client):
    """https://localhost passes the form's check; the connection is refused on the resolved address."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        run(_point_provider_at(strict_client.database.url, f"https://localhost:{port}"))
        response = strict_client.get("/banyuwangi/masuk/oidc", follow_redirects=False)
        assert response.status_code == 400 and "tidak dapat dihubungi" in response.text
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.5.4/",
    "http://100.64.0.1/", "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/", "http://0.0.0.0/",
    "http://[fe80::1]/", "http://224.0.0.1/",
])
def test_private_link_local_and_metadata_addresses_are_never_fetched(url):
    async def fetch() -> None:
        async with httpx.AsyncClient(**outbound.client(allow_loopback=True)) as client:
            await client.get(url)

    with pytest.raises(httpx.ConnectError, match="not allowed"):
        asyncio.run(fetch())


class _Big(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"issuer": f"http://127.0.0.1:{self.server.server_port}",
                           "padding": "x" * (2 * outbound.MAX_RESPONSE_BYTES)}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_an_oversized_answer_is_refused(client):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Big)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run(_point_provider_at(client.database.url, f"http://127.0.0.1:{server.server_port}"))
        response = client.get("/banyuwangi/masuk/oidc", follow_redirects=False)
        assert response.status_code == 400 and "tidak dapat dihubungi" in response.text
    finally:
        server.shutdown()
        server.server_close()


def test_starting_sign_in_is_rate_limited_and_stores_no_session(start_oidc_provider, client, people):
    provider = start_oidc_provider([CALLBACK])
    configure(client, people["admin_a"], provider.issuer, provider)
    for _ in range(10):
        response = client.get("/banyuwangi/masuk/oidc", follow_redirects=False)
        assert response.status_code == 303
        assert "satupintu_sesi" not in response.headers.get("set-cookie", ""), "no stored session per hit"
        assert "satupintu_oidc=" in response.headers["set-cookie"]
    assert client.get("/banyuwangi/masuk/oidc", follow_redirects=False).status_code == 429
