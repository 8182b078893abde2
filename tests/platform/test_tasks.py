"""The provisioning actor runs end to end: on the in-process broker always, on Redis when configured."""

from __future__ import annotations

import os

import dramatiq
import pytest
from sqlalchemy import func, select

from satupintu import jobs
from satupintu.catalogue.models import TenantService
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from satupintu.tenants.tasks import provision_tenant
from tests.conftest import PACKS, run


async def _count(url: str, slug: str) -> tuple[bool, int]:
    engine = make_engine(url)
    try:
        maker = make_sessionmaker(engine)
        async with tenant_session(maker, None) as session:
            tenant = await tenants_service.get_by_slug(session, slug)
        if tenant is None:
            return False, 0
        async with tenant_session(maker, tenant.id) as session:
            return True, await session.scalar(
                select(func.count()).select_from(TenantService).where(TenantService.enabled.is_(True)))
    finally:
        await engine.dispose()


@pytest.fixture
def worker_database(empty_database, monkeypatch):
    from satupintu import migrate

    migrate.upgrade(empty_database.owner_url, app_role="satupintu_test_app" if empty_database.backend == "postgresql" else None)
    monkeypatch.setenv("SATUPINTU_DATABASE_URL", empty_database.url)
    jobs.runtime.reset()
    yield empty_database
    jobs.runtime.reset()


def _run_on(broker: dramatiq.Broker, pack: str) -> None:
    original = provision_tenant.broker
    broker.declare_actor(provision_tenant)
    provision_tenant.broker = broker
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        provision_tenant.send(pack)
        provision_tenant.send(pack)  # delivered twice: the actor is idempotent
        broker.join(provision_tenant.queue_name, timeout=60_000)
        worker.join()
    finally:
        worker.stop()
        provision_tenant.broker = original


def test_provision_actor_on_the_in_process_broker(worker_database):
    """On an in-process broker made as the app makes it, but its own: the global one may hold other
    tests' retried jobs in its delay queue, which `join` would wait for (CI timed out on it once)."""
    from satupintu import broker as broker_module

    pack = next(p for p in PACKS if p.endswith("purbalingga"))
    assert run(_count(worker_database.url, "purbalingga")) == (False, 0)
    _run_on(broker_module.make_broker("memory://"), pack)
    created, services = run(_count(worker_database.url, "purbalingga"))
    assert created and services > 0


@pytest.mark.skipif(not os.environ.get("SATUPINTU_TEST_REDIS_URL"), reason="SATUPINTU_TEST_REDIS_URL not set (CI sets it)")
def test_provision_actor_on_real_redis(worker_database):
    from dramatiq.brokers.redis import RedisBroker

    from satupintu.broker import with_asyncio

    broker = with_asyncio(RedisBroker(url=os.environ["SATUPINTU_TEST_REDIS_URL"],
                                      namespace=f"satupintu-test-{os.getpid()}"))
    broker.flush_all()
    pack = next(p for p in PACKS if p.endswith("bangkalan"))
    _run_on(broker, pack)
    created, services = run(_count(worker_database.url, "bangkalan"))
    assert created and services > 0
    broker.flush_all()
    broker.close()


def test_an_async_actor_past_its_time_limit_is_cancelled():
    """Actors are coroutines on Dramatiq's own event-loop thread, so its time limit really stops one
    (the hand-made loop bridge left the coroutine running while the worker thread gave up)."""
    import asyncio
    import threading
    import uuid

    from dramatiq.middleware.time_limit import TimeLimitExceeded

    from satupintu.broker import make_broker

    broker = make_broker("memory://")
    cancelled = threading.Event()

    @dramatiq.actor(broker=broker, queue_name=f"slow-{uuid.uuid4().hex[:8]}", time_limit=200, max_retries=0)
    async def never_ends() -> None:
        try:
            await asyncio.Event().wait()  # nothing sets it: only the time limit can end this job
        except asyncio.CancelledError:
            cancelled.set()
            raise

    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        never_ends.send()
        with pytest.raises(TimeLimitExceeded):
            broker.join(never_ends.queue_name, fail_fast=True, timeout=60_000)
    finally:
        worker.stop()
    assert cancelled.is_set(), "the coroutine was cancelled, not left running"
