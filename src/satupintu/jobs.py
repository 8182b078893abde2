"""Running the async service layer in Dramatiq's workers.

Actors are ``async def``: Dramatiq's AsyncIO middleware (added to every broker in ``broker.py``)
runs them on one event-loop thread per worker process, so Dramatiq's own time limits, shutdown and
retries apply to them like to any actor (a coroutine past its time limit is cancelled). An actor
asks ``sessionmaker()`` for the worker's database; the engine is made in the running loop on first
use and made again when the loop or the database changes. Messages carry ids and slugs, never objects.
"""

from __future__ import annotations

import asyncio

import dramatiq
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.config import Settings
from satupintu.db import make_engine, make_sessionmaker


class _Runtime:
    def __init__(self) -> None:
        self._override: str | None = None
        self._maker: async_sessionmaker[AsyncSession] | None = None
        self._key: tuple[str, int] | None = None

    def use(self, url: str | None) -> None:
        """Point this process's jobs at a database (the in-process worker of ``serve`` and tests)."""
        self._override = url

    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        url = self._override or Settings.from_env().database_url
        key = (url, id(asyncio.get_running_loop()))
        if self._maker is None or key != self._key:
            self._maker, self._key = make_sessionmaker(make_engine(url)), key
        return self._maker

    async def dispose(self) -> None:
        if self._maker is not None:
            await self._maker.kw["bind"].dispose()
        self.reset()

    def reset(self) -> None:
        """Forget the engine (tests point workers at a fresh database)."""
        self._maker, self._key = None, None


runtime = _Runtime()


def sessionmaker() -> async_sessionmaker[AsyncSession]:
    return runtime.sessionmaker()


class CloseDatabase(dramatiq.Middleware):
    """Close the jobs' connections on the event loop they were opened in, before it stops."""

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        from dramatiq.asyncio import get_event_loop_thread

        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            loop_thread.run_coroutine(runtime.dispose())
