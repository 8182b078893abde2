"""The Dramatiq broker, chosen by SATUPINTU_BROKER_URL.

Importing this module sets the global broker, and every ``tasks.py`` imports it first:
``@dramatiq.actor`` binds to whatever broker is global at import time, and with none set it
would quietly create a RabbitMQ broker of its own.

- ``memory://`` (default): an in-process broker; ``satupintu serve`` runs worker threads
  beside the web server, so one machine needs nothing else.
- ``redis://...``: Redis. ``amqp://...``: RabbitMQ.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from satupintu.config import ConfigError, Settings


def make_broker(url: str) -> dramatiq.Broker:
    scheme = url.split("://", 1)[0]
    if scheme == "memory":
        broker: dramatiq.Broker = StubBroker()
        broker.emit_after("process_boot")
    elif scheme in ("redis", "rediss"):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)
    elif scheme in ("amqp", "amqps"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ConfigError(f"unsupported broker URL {url!r}")
    from satupintu.joblog import JobLog

    broker.add_middleware(JobLog())
    return with_asyncio(broker)


def with_asyncio(broker: dramatiq.Broker) -> dramatiq.Broker:
    """Dramatiq's own asyncio support: actors are coroutines run on the worker's event-loop thread,
    and their time limits cancel them. The jobs' database connections close before that loop stops."""
    from satupintu.jobs import CloseDatabase

    broker.add_middleware(AsyncIO())
    broker.add_middleware(CloseDatabase())
    return broker


def ping(broker: dramatiq.Broker) -> None:
    """Raise if the broker cannot be reached (used by /readyz)."""
    kind = type(broker).__name__
    if kind == "RedisBroker":
        broker.client.ping()
    elif kind == "RabbitmqBroker":
        broker.connection  # noqa: B018 - opening the connection is the check


def setup(url: str | None = None) -> dramatiq.Broker:
    global url_in_use
    url_in_use = url or Settings.from_env().broker_url
    broker = make_broker(url_in_use)
    dramatiq.set_broker(broker)
    return broker


def for_url(url: str) -> dramatiq.Broker:
    """The global broker when the URL is the one it was made from, else a broker of its own."""
    return broker if url == url_in_use else make_broker(url)


url_in_use = ""
broker = setup()
