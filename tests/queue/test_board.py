"""Display boards: the page a TV shows, and calls pushed to it the moment an operator calls, also
from another app instance (two web servers sharing Redis), never to another regency's board."""

from __future__ import annotations

import asyncio
import json
import os
import queue as queues
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import _free_port
from tests.conftest import create_account, fresh_database
from tests.queue.conftest import listen_to_board
from tests.queue.test_console import _line

REDIS = os.environ.get("SATUPINTU_TEST_REDIS_URL")


def test_the_board_page(client, clock):
    page = client.get("/banyuwangi/layar/mpp")
    assert page.status_code == 200
    assert re.search(r'<script src="/static/board\.\w+\.js" defer></script>', page.text)
    assert "<script>" not in page.text and "onclick" not in page.text
    assert 'data-events="/banyuwangi/layar/mpp/events"' in page.text
    assert 'class="slide is-shown"' in page.text and 'src="data:image/svg+xml' in page.text
    assert client.get("/banyuwangi/layar/bulan").status_code == 404
    script = client.get("/static/board.js").text
    assert "speechSynthesis" in script and '"id-ID"' in script and "EventSource" in script


def _serve(app) -> tuple[object, threading.Thread, str]:
    import uvicorn

    from satupintu.app import wrap

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(wrap(app), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(params=["memory", "redis"])
def two_instances(request, templates, tmp_path) -> Iterator[tuple[object, str, str]]:
    """Instance A (operators) and instance B (boards): one app with in-memory channels, or two apps
    that share only the database and Redis."""
    from satupintu.app import create_app

    database = next(fresh_database("sqlite", tmp_path, templates["sqlite"]))
    if request.param == "redis":
        if not REDIS:
            pytest.skip("SATUPINTU_TEST_REDIS_URL is not set (CI always sets it)")
        settings = database.settings(SATUPINTU_REDIS_URL=REDIS)
        servers = [_serve(create_app(settings)), _serve(create_app(settings))]
    else:
        servers = [_serve(create_app(database.settings()))]
    yield database, servers[0][2], servers[-1][2]
    for server, thread, _url in servers:
        server.should_exit = True
        thread.join(timeout=10)


def _operator_calls(base: str, slug: str, email: str, counter: str) -> None:
    from tests.conftest import PASSWORD

    with httpx.Client(base_url=base, timeout=30) as browser:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', browser.get("/masuk").text).group(1)
        signed = browser.post(f"/{slug}/masuk", data={"email": email, "password": PASSWORD, "_csrf_token": token})
        assert signed.status_code in (200, 303), signed.text[:300]
        for path, data in (("buka", {"counter": counter}), ("panggil", {})):
            answer = browser.post(f"/{slug}/loket/{path}", data={"_csrf_token": token, **data})
            assert answer.status_code == 303, answer.text[:500]


def test_a_board_hears_a_call_made_on_another_instance(two_instances, clock):
    database, operators, boards = two_instances
    mine_code, mine_counters = _line(database)
    theirs_code, theirs_counters = _line(database, "bangkalan", need=1)
    mine = httpx.post(f"{operators}/api/v1/tenants/banyuwangi/queue/tickets", json={"service": mine_code}).json()
    theirs = httpx.post(f"{operators}/api/v1/tenants/bangkalan/queue/tickets", json={"service": theirs_code}).json()
    create_account(database, "loket@banyuwangi.test", "operator", "banyuwangi")
    create_account(database, "loket@bangkalan.test", "operator", "bangkalan")

    heard: queues.Queue = queues.Queue()
    urls = {slug: f"{boards}/{slug}/layar/{ticket['location']}/events"
            for slug, ticket in (("banyuwangi", mine), ("bangkalan", theirs))}
    listeners = [threading.Thread(target=listen_to_board, args=(url, heard), daemon=True) for url in urls.values()]
    for listener in listeners:
        listener.start()
    assert {heard.get(timeout=30)[1] for _ in listeners} == {"ready"}

    _operator_calls(operators, "banyuwangi", "loket@banyuwangi.test", mine_counters[0])
    url, event, data = heard.get(timeout=30)
    call = json.loads(data)
    assert (url, event) == (urls["banyuwangi"], "call")
    assert call["number"] == mine["number"] and call["counter"] == mine_counters[0]
    assert call["speech"].startswith("Nomor antrean ") and ", silakan ke loket " in call["speech"]
    assert " nol nol satu," in call["speech"]

    _operator_calls(operators, "bangkalan", "loket@bangkalan.test", theirs_counters[0])
    url, event, data = heard.get(timeout=30)
    assert (url, event, json.loads(data)["number"]) == (urls["bangkalan"], "call", theirs["number"])
    for listener in listeners:
        listener.join(timeout=10)


async def test_boards_connecting_at_the_same_moment_each_hear_their_calls(tmp_path):
    """Two boards of one process subscribing at once (a hall's TVs switched on together, or the
    second board of the redis test above under load) share one Redis pub/sub connection; neither is
    left deaf on a connection nobody reads."""
    from litestar.channels import ChannelsPlugin

    from satupintu.app import create_app
    from satupintu.config import Settings
    from satupintu.queue import live

    if not REDIS:
        pytest.skip("SATUPINTU_TEST_REDIS_URL is not set (CI always sets it)")
    settings = Settings.from_env({"SATUPINTU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/boards.db",
                                  "SATUPINTU_REDIS_URL": REDIS})
    channels = create_app(settings).plugins.get(ChannelsPlugin)
    boards = [live.board_channel(settings, tenant_id, 1) for tenant_id in (1, 2)]
    async with channels:
        subscribers = await asyncio.gather(*(channels.subscribe([board]) for board in boards))
        for board in boards:
            await channels.wait_published(f"call on {board}", [board])
        for subscriber, board in zip(subscribers, boards, strict=True):
            heard = await asyncio.wait_for(anext(subscriber.iter_events()), 10)
            assert heard == f"call on {board}".encode()
        for subscriber, board in zip(subscribers, boards, strict=True):
            await channels.unsubscribe(subscriber, [board])


def test_numbers_are_spoken_digit_by_digit():
    from satupintu.queue.service import spelled

    assert spelled("A-007") == "A nol nol tujuh"
    assert spelled("2") == "dua"
    assert spelled("d3") == "D tiga"
