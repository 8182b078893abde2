"""Calls pushed to the display boards the moment an operator calls: Litestar channels, with Redis
when SATUPINTU_REDIS_URL is set (every web pod shares the calls) and in memory otherwise (one
process, the embedded default). A board listens through server-sent events.

Channel names carry a digest of the database URL, so deployments (or test databases) that share a
Redis never hear each other, while every pod of one deployment does.

One Redis pub/sub connection carries every board of a process. redis-py opens it on the first
SUBSCRIBE without a lock, so two boards connecting at the same moment would each open one, and the
board whose SUBSCRIBE went out on the connection nobody reads would never hear a call.
:class:`RedisBoardsBackend` therefore sends SUBSCRIBE and UNSUBSCRIBE one at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from typing import Any

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend

from satupintu.config import Settings


class RedisBoardsBackend(RedisChannelsPubSubBackend):
    """Litestar's Redis pub/sub backend whose (un)subscriptions wait for one another, so the first
    one opens the shared pub/sub connection before any other uses it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = asyncio.Lock()

    async def subscribe(self, channels: Iterable[str]) -> None:
        async with self._lock:
            await super().subscribe(channels)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        async with self._lock:
            await super().unsubscribe(channels)


def channels_plugin(settings: Settings) -> ChannelsPlugin:
    if settings.redis_url:
        from redis.asyncio import Redis

        backend = RedisBoardsBackend(redis=Redis.from_url(settings.redis_url))
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True, subscriber_max_backlog=100,
                          subscriber_backlog_strategy="dropleft")


def board_channel(settings: Settings, tenant_id: int, location_id: int) -> str:
    deployment = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    return f"satupintu:{deployment}:board:{tenant_id}:{location_id}"
