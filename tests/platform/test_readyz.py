"""/readyz waits for its checks without holding up the event loop, and a broker that is down or hangs
makes the pod "degraded", never unready (its pages work without the broker).

The broker's ping is replaced by one that blocks its thread until the test releases it, so the order
of events is driven by the test: while the ping hangs, other requests on the same app are answered.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from satupintu import broker
from tests.conftest import serving


class HangingPing:
    """A broker ping that blocks its thread until released (or gives up after ``limit`` seconds)."""

    def __init__(self, limit: float = 20.0) -> None:
        self.entered, self.released, self.limit = threading.Event(), threading.Event(), limit

    def __call__(self, _broker: object) -> None:
        self.entered.set()
        self.released.wait(self.limit)


@pytest.fixture
def hanging(monkeypatch: pytest.MonkeyPatch) -> HangingPing:
    ping = HangingPing()
    monkeypatch.setattr(broker, "ping", ping)
    yield ping
    ping.released.set()


async def test_other_requests_are_served_while_the_broker_check_hangs(database, hanging):
    async with serving(database) as client:
        ready = asyncio.create_task(client.get("/readyz"))
        assert await asyncio.to_thread(hanging.entered.wait, 10), "the broker check never started"
        health = await client.get("/healthz")
        page = await client.get("/api/v1/tenants")
        assert health.status_code == 200 and page.status_code == 200
        assert not ready.done(), "the other requests were answered while /readyz was still waiting for the broker"
        hanging.released.set()
        answer = await ready
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


async def test_a_hanging_broker_times_out_as_degraded(database, hanging, monkeypatch):
    from satupintu.tenants import routes

    monkeypatch.setattr(routes, "READY_TIMEOUT", 0.2)
    async with serving(database) as client:
        answer = await client.get("/readyz")
        hanging.released.set()  # the app's shutdown waits for the ping's thread: let it end now
    assert hanging.entered.is_set()
    assert answer.status_code == 200
    assert answer.json() == {"status": "degraded", "checks": {"database": "ok", "broker": "error: timeout"}}


async def test_only_the_broker_down_is_degraded_not_unready(database, monkeypatch):
    def refused(_broker: object) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(broker, "ping", refused)
    async with serving(database) as client:
        answer = await client.get("/readyz")
        page = await client.get("/banyuwangi/")
    assert answer.status_code == 200, "a broker outage must not take every web pod out of service"
    assert answer.json() == {"status": "degraded", "checks": {"database": "ok", "broker": "error: ConnectionRefusedError"}}
    assert page.status_code == 200
