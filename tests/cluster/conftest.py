"""The cluster the tests share (see machine.py): two web processes, two workers, PostgreSQL behind
PgBouncer, Redis and RabbitMQ, with Banyuwangi and Bangkalan loaded and an admin for Banyuwangi.
Queues are open around the clock, so a ticket can be taken whatever the hour the tests run."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.cluster.machine import ROOT, Cluster, missing_programs, running_cluster

ADMIN = "admin@banyuwangi.test"


def _admin(cluster: Cluster) -> None:
    cluster.cli("users", "create", "--email", ADMIN, "--name", "Admin Banyuwangi", "--role", "tenant_admin",
                "--tenant", "banyuwangi")


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if missing := missing_programs():
        if os.environ.get("CI"):
            pytest.fail(f"the cluster test needs {', '.join(missing)} (CI installs pgbouncer)")
        pytest.skip(f"the cluster test needs {', '.join(missing)}")
    with running_cluster([str(ROOT / "tenants" / "banyuwangi"), str(ROOT / "tenants" / "bangkalan")],
                         env={"SATUPINTU_QUEUE_ALWAYS_OPEN": "1"}, prepare=_admin) as made:
        yield made
