"""Running the async service layer from Dramatiq's worker threads.

Actors are plain functions in threads; the services are coroutines that need an event loop and
a database engine bound to it. Each worker process keeps one loop in a daemon thread with its own
engine, and actors hand their coroutine to it. Messages carry ids and slugs, never objects.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.config import Settings
from satupintu.db import make_engine, make_sessionmaker

T = TypeVar("T")


class _Runtime:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._maker: async_sessionmaker[AsyncSession] | None = None
        self._url: str | None = None

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="satupintu-jobs", daemon=True).start()
                self._loop = loop
            return self._loop

    def use(self, url: str | None) -> None:
        """Point this process's jobs at a database (the in-process worker of ``serve`` and tests)."""
        self._override = url

    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        url = getattr(self, "_override", None) or Settings.from_env().database_url
        if self._maker is None or url != self._url:
            self._maker, self._url = make_sessionmaker(make_engine(url)), url
        return self._maker

    def run(self, func: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
        loop = self._start()

        async def call() -> T:
            return await func(self.sessionmaker())

        return asyncio.run_coroutine_threadsafe(call(), loop).result()

    def reset(self) -> None:
        """Forget the engine (tests point workers at a fresh database)."""
        if self._maker is not None and self._loop is not None:
            engine = self._maker.kw["bind"]
            asyncio.run_coroutine_threadsafe(engine.dispose(), self._loop).result()
        self._maker = None


runtime = _Runtime()


def run(func: Callable[[async_sessionmaker[AsyncSession]], Awaitable[Any]]) -> Any:
    return runtime.run(func)
