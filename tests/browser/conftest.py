"""Browser-test harness: Playwright drives Debian's Chromium against a live server on loopback.

Playwright never downloads a browser here: it launches /usr/bin/chromium (package ``chromium``,
installed by .ci/run). Without it the tests skip with that reason, except in CI
(SATUPINTU_REQUIRE_BROWSER=1), where a missing browser is an error.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SATUPINTU_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def browser(templates) -> Iterator:
    """Playwright's sync API runs an event loop in this thread while it is open, so it is opened
    per test, after the database templates exist, and browser tests run last (see root conftest)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("SATUPINTU_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}; install Debian's package `chromium` to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def live_database(templates, tmp_path):
    from tests.conftest import fresh_database

    return next(fresh_database("sqlite", tmp_path, templates["sqlite"]))


@pytest.fixture
def live_server(live_database) -> Iterator[str]:
    """The app on a real loopback port, with its in-process worker, on a private copy of the
    loaded SQLite database."""
    import uvicorn

    from satupintu.app import create_app, wrap

    port = _free_port()
    app = create_app(live_database.settings(SATUPINTU_PUBLIC_URL=f"http://127.0.0.1:{port}"), run_worker=True)
    server = uvicorn.Server(uvicorn.Config(wrap(app), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser, request) -> Iterator:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def shots(request) -> Path:
    """Where a test saves its screenshots (test-results/<test name>/)."""
    folder = Path(__file__).parents[2] / "test-results" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_invitation(database, region_code: str, email: str) -> str:
    """An invitation made directly through the service (before the browser opens, whose event loop
    then owns this thread); returns the link's path."""
    import asyncio

    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.onboarding import service

    async def invite() -> str:
        engine = make_engine(database.settings().database_url)
        try:
            async with tenant_session(make_sessionmaker(engine), None) as session:
                _, token = await service.create_invitation(session, region_code, email, "test")
        finally:
            await engine.dispose()
        return f"/onboarding/undangan/{token}"

    return asyncio.run(invite())


def sign_in(page, base: str, email: str, slug: str | None = None) -> None:
    """Sign in through the form, as a person would, and wait for the page that follows."""
    from tests.conftest import PASSWORD

    page.goto(f"{base}/{slug}/masuk" if slug else f"{base}/masuk")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


AXE_PACKAGE = Path(__file__).parent / "axe"
# What axe reports, kept short: the rule, how bad, and where (at most five places per rule).
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => ({rule: v.id, impact: v.impact, help: v.help,
              where: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from npm (pinned in tests/browser/axe/package-lock.json, installed by `npm ci` like the
    OIDC provider's packages); it is evaluated in the page by Playwright, never served by the app."""
    from tests.oidc.harness import NodeUnavailable, ensure_node_modules

    try:
        ensure_node_modules(AXE_PACKAGE)
    except NodeUnavailable as exc:
        if os.environ.get("SATUPINTU_REQUIRE_BROWSER"):
            pytest.fail(f"SATUPINTU_REQUIRE_BROWSER=1 but axe-core cannot be installed: {exc}")
        pytest.skip(f"the accessibility checks need npm: {exc}")
    return (AXE_PACKAGE / "node_modules" / "axe-core" / "axe.min.js").read_text()


def serious_violations(page, axe_source: str) -> list[dict]:
    """Serious and critical axe violations of the page as it is now."""
    page.evaluate(axe_source)
    return page.evaluate(AXE_RUN)
