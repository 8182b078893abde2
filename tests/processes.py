"""Separate processes for the concurrency tests (as several web workers or pods would be), started
cheaply and watched.

They are forked from one server process that imported the app once (multiprocessing's
``forkserver`` with the app's modules preloaded), so eight workers cost milliseconds each instead of
eight fresh imports of the app; each worker is still a process of its own, with its own connections.
A worker that dies fails the test at once, with its exit code, instead of leaving the test waiting
for a result that will never come; the others are stopped.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable, Sequence
from multiprocessing.context import BaseContext
from typing import Any

PRELOAD = ["satupintu.app", "tests.conftest", "tests.queue.conftest", "tests.queue.test_booking",
           "tests.queue.test_concurrency"]


def context() -> BaseContext:
    made = multiprocessing.get_context("forkserver")
    made.set_forkserver_preload(PRELOAD)
    return made


def gather(made: BaseContext, target: Callable[..., None], arguments: Sequence[tuple[Any, ...]], results: Any,
           *, timeout: float = 300) -> list[Any]:
    """Run ``target(*args, results)`` in one process per entry of ``arguments``; each puts one result
    on ``results``. Returns them in the order they came."""
    workers = [made.Process(target=target, args=(*args, results)) for args in arguments]  # type: ignore[attr-defined]
    for worker in workers:
        worker.start()
    outcomes: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(outcomes) < len(workers):
            try:
                outcomes.append(results.get(timeout=0.5))
            except queue.Empty:
                dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
                assert not dead, f"a worker process died (exit code {dead[0]}) before giving its result"
                assert time.monotonic() < deadline, f"no result from every worker within {timeout} s"
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0, f"a worker process ended with exit code {worker.exitcode}"
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    return outcomes
