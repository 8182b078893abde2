"""The web platform: health, readiness, language, self-hosted assets, headers, structured logs."""

from __future__ import annotations

import json
import os
import re

import pytest


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_reports_an_unreachable_database(tmp_path):
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap
    from satupintu.config import Settings

    settings = Settings.from_env({
        "SATUPINTU_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none",
        "SATUPINTU_SECRET_KEY": "k" * 40,
    })
    with TestClient(app=wrap(create_app(settings)), raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")


def test_pages_are_indonesian_by_default_and_english_by_choice(client):
    page = client.get("/banyuwangi/")
    assert page.status_code == 200
    assert '<html lang="id">' in page.text
    assert "Layanan" in page.text
    english = client.get("/banyuwangi/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    switched = client.get("/bahasa/en", params={"next": "/banyuwangi/"}, follow_redirects=False)
    assert switched.status_code in (302, 303, 307)
    assert switched.headers["location"] == "/banyuwangi/"
    again = client.get("/banyuwangi/")
    assert '<html lang="en">' in again.text
    client.get("/bahasa/id")
    assert '<html lang="id">' in client.get("/banyuwangi/", headers={"Accept-Language": "en"}).text


def test_language_switch_refuses_open_redirects(client):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.get("/bahasa/en", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"
    assert client.get("/bahasa/fr").status_code == 404


def test_htmx_and_stylesheet_are_self_hosted(client):
    page = client.get("/banyuwangi/").text
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css)[^"]*)"', page)
    assert sources and all(s.startswith("/static/") for s in sources)
    htmx = client.get(next(s for s in sources if "htmx" in s))
    assert htmx.status_code == 200 and "htmx" in htmx.text[:2000]
    assert client.get(next(s for s in sources if s.endswith(".css") or ".css?" in s)).status_code == 200


def test_security_headers_on_pages_errors_and_api(client):
    for path in ("/banyuwangi/", "/tidak-ada/", "/api/v1/tenants"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"]
        assert headers["x-request-id"]


def test_logs_carry_request_id_and_tenant(client, capsys):
    from satupintu import logs

    logs.configure(json=True)
    client.get("/banyuwangi/layanan", headers={"X-Request-ID": "req-abcdef123"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line.get("event") == "request" and line.get("request_id") == "req-abcdef123"]
    assert request_lines, lines
    assert request_lines[-1]["tenant"] == "banyuwangi"
    assert request_lines[-1]["status"] == 200


@pytest.mark.parametrize("variable", ["SATUPINTU_TEST_REDIS_URL", "SATUPINTU_TEST_AMQP_URL"])
def test_readyz_checks_the_real_broker(database, variable):
    """With Redis or RabbitMQ configured, readiness pings it; an unreachable broker is reported as
    degraded, and the pod stays ready while its database answers (pages work without the broker)."""
    url = os.environ.get(variable)
    if not url:
        pytest.skip(f"{variable} not set (CI sets it)")
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap

    with TestClient(app=wrap(create_app(database.settings(SATUPINTU_BROKER_URL=url)))) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["broker"] == "ok"
    scheme = url.split("://")[0]
    with TestClient(app=wrap(create_app(database.settings(SATUPINTU_BROKER_URL=f"{scheme}://127.0.0.1:1/")))) as client:
        down = client.get("/readyz")
    assert down.status_code == 200, "a broker outage must not take every web pod out of service"
    assert down.json()["status"] == "degraded" and down.json()["checks"]["broker"].startswith("error")


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("path", ["/banyuwangi/", "/api/v1/tenants/banyuwangi/services"])
def test_an_unreachable_database_answers_503_quickly(path: str) -> None:
    """A database (or pooler) that is down is not a bug: a clear 503 with Retry-After, in the
    reader's language, and no traceback in the log; the pool reconnects by itself afterwards."""
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap
    from satupintu.config import Settings

    settings = Settings.from_env({
        "SATUPINTU_DATABASE_URL": f"postgresql+asyncpg://app@127.0.0.1:{_closed_port()}/satupintu",
        "SATUPINTU_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    })
    with TestClient(app=wrap(create_app(settings)), raise_server_exceptions=False) as client:
        response = client.get(path, headers={"accept-language": "id"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "Basis data kami sedang tidak dapat dihubungi" in response.text


def test_an_unreachable_session_store_answers_503() -> None:
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap
    from satupintu.config import Settings

    settings = Settings.from_env({
        "SATUPINTU_DATABASE_URL": "sqlite+aiosqlite:///:memory:",
        "SATUPINTU_REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
        "SATUPINTU_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    })
    with TestClient(app=wrap(create_app(settings)), raise_server_exceptions=False) as client:
        client.cookies.set("satupintu_sesi", "a" * 43)
        response = client.get("/masuk", headers={"accept-language": "id"})
    assert response.status_code == 503, response.text[:300]
    assert response.headers["retry-after"] == "5"
