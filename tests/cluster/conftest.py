"""The cluster the tests share (see machine.py): two web processes, two workers, PostgreSQL behind
PgBouncer, Redis and RabbitMQ, with Banyuwangi and Bangkalan loaded, an admin and an operator of
Banyuwangi. Queues are open around the clock, so a ticket can be taken whatever the hour."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from tests.cluster.machine import PASSWORD, ROOT, Cluster, missing_programs, running_cluster

ADMIN = "admin@banyuwangi.test"
OPERATOR = "kunci@banyuwangi.test"  # locked out by a test


def _accounts(cluster: Cluster) -> None:
    """Made in this process, as `satupintu users create` makes them (two interpreters fewer to start)."""
    from satupintu.cli import _create_user
    from satupintu.config import Settings

    settings = Settings.from_env(cluster.env)
    for email, name, role in ((ADMIN, "Admin Banyuwangi", "tenant_admin"), (OPERATOR, "Uji Kunci", "operator")):
        asyncio.run(_create_user(settings, email, name, role, "banyuwangi", PASSWORD))


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if missing := missing_programs():
        if os.environ.get("CI"):
            pytest.fail(f"the cluster test needs {', '.join(missing)} (CI installs pgbouncer)")
        pytest.skip(f"the cluster test needs {', '.join(missing)}")
    with running_cluster([str(ROOT / "tenants" / "banyuwangi"), str(ROOT / "tenants" / "bangkalan")],
                         env={"SATUPINTU_QUEUE_ALWAYS_OPEN": "1"}, prepare=_accounts) as made:
        yield made
