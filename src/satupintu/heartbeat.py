"""A file whose age tells Kubernetes that a background process still works.

Worker and scheduler pods serve no HTTP, so their liveness probe reads the age of a file that
the process touches every few seconds, but only while it is really working: a worker only while
its consumer and worker threads are alive, the scheduler from inside its own job loop. A process
that hangs or loses its threads stops touching the file, and the probe restarts the pod.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

INTERVAL_SECONDS = 10


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)


class Heartbeat:
    """Touches ``path`` every ``interval`` seconds while ``alive()`` answers True."""

    def __init__(self, path: Path, alive: Callable[[], bool], interval: float = INTERVAL_SECONDS) -> None:
        self.path = path
        self.alive = alive
        self.interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def beat(self) -> bool:
        """One beat: touch the file if the process is alive; says whether it did."""
        if not self.alive():
            return False
        touch(self.path)
        return True

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.beat()
            self._stopped.wait(self.interval)


def dramatiq_worker_alive(worker) -> Callable[[], bool]:  # noqa: ANN001 - dramatiq.Worker
    """True while every consumer and worker thread of a started Dramatiq worker runs."""

    def alive() -> bool:
        threads = [*worker.consumers.values(), *worker.workers]
        return bool(threads) and all(thread.is_alive() for thread in threads)

    return alive
