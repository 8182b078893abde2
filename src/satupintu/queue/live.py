"""Calls pushed to the display boards the moment an operator calls: Litestar channels, with Redis
when SATUPINTU_REDIS_URL is set (every web pod shares the calls) and in memory otherwise (one
process, the embedded default). A board listens through server-sent events.

Channel names carry a digest of the database URL, so deployments (or test databases) that share a
Redis never hear each other, while every pod of one deployment does.
"""

from __future__ import annotations

import hashlib

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend

from satupintu.config import Settings


def channels_plugin(settings: Settings) -> ChannelsPlugin:
    if settings.redis_url:
        from redis.asyncio import Redis

        backend = RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url))
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True, subscriber_max_backlog=100,
                          subscriber_backlog_strategy="dropleft")


def board_channel(settings: Settings, tenant_id: int, location_id: int) -> str:
    deployment = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    return f"satupintu:{deployment}:board:{tenant_id}:{location_id}"
