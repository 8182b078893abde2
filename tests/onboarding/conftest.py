from __future__ import annotations

import re
from collections.abc import Iterator

import pytest


@pytest.fixture
def worker_client(database) -> Iterator:
    """A client whose app runs the in-process Dramatiq worker, as `make demo` does."""
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap

    app = create_app(database.settings(), run_worker=True)
    with TestClient(app=wrap(app), raise_server_exceptions=False) as client:
        client.litestar_app = app
        client.database = database
        yield client


def invite(client, region_code: str, email: str) -> str:
    """As the platform admin (already signed in), invite a regency; returns the link's path."""
    from tests.conftest import csrf_of

    page = client.post("/platform/undangan", data={"_csrf_token": csrf_of(client), "region_code": region_code,
                                                   "email": email})
    assert page.status_code == 200, page.text[-2000:]
    return re.search(r"<code>https?://[^/]+(/onboarding/undangan/[^<]+)</code>", page.text).group(1)
