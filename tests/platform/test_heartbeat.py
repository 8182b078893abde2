"""Liveness of the pods without HTTP: worker and scheduler touch a file only while they work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from satupintu.heartbeat import Heartbeat, dramatiq_worker_alive


def test_a_worker_beats_only_while_its_threads_run(tmp_path: Path) -> None:
    broker = StubBroker()
    broker.declare_queue("default")
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    beat = Heartbeat(tmp_path / "alive", dramatiq_worker_alive(worker))
    assert beat.beat() is False, "a worker that has not started is not alive"
    worker.start()
    try:
        assert beat.beat() is True
        assert (tmp_path / "alive").exists()
    finally:
        worker.stop()
    (tmp_path / "alive").unlink()
    assert beat.beat() is False, "a stopped worker's threads are gone"
    assert not (tmp_path / "alive").exists()


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}: {process.stdout.read()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} was never touched")
        time.sleep(0.1)


@pytest.mark.parametrize("role", ["worker", "scheduler"])
def test_the_commands_keep_their_liveness_file(role: str, tmp_path: Path) -> None:
    redis = os.environ.get("SATUPINTU_TEST_REDIS_URL")
    if role == "worker" and not redis:
        pytest.skip("SATUPINTU_TEST_REDIS_URL not set (CI sets it); the worker needs a real broker")
    alive = tmp_path / "alive"
    env = {**os.environ, "SATUPINTU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'app.db'}",
           "SATUPINTU_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
           "SATUPINTU_BROKER_URL": redis or "memory://"}
    process = subprocess.Popen([sys.executable, "-m", "satupintu.cli", role, "--heartbeat", str(alive)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(alive, process)
        assert time.time() - alive.stat().st_mtime < 30
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
