from collections.abc import Iterator

import pytest

from tests.conftest import Database, app_client
from tests.oidc.conftest import *  # noqa: F401,F403


@pytest.fixture
def client(database: Database) -> Iterator:
    """The app, allowed to reach the tests' identity provider on 127.0.0.1 over http."""
    yield from app_client(database, SATUPINTU_OIDC_ALLOW_LOOPBACK="1")
