"""Schemathesis over the published OpenAPI schema, in process against the ASGI application.

Every operation of the JSON API (``/api/``) gets a few generated requests (bounded and deterministic, so
the run is short and repeatable); none may answer 5xx, on SQLite and PostgreSQL. The HTML pages are
walked by tests/platform/test_bad_input.py.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.python import asgi

from satupintu.app import create_app, wrap

EXAMPLES = 25


def test_no_operation_of_the_api_answers_5xx(database):
    app = wrap(create_app(database.settings()))
    with asgi.get_client(app) as client:  # one client (and one lifespan) for the whole run
        schema = schemathesis.openapi.from_asgi("/api/schema/openapi.json", app)
        operations = [op for op in (result.ok() for result in schema.get_all_operations())
                      if op.path.startswith("/api/")]
        assert any(op.path == "/api/v1/tenants/{slug}/services" for op in operations)
        failures: list[str] = []
        for operation in operations:
            @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def check(case) -> None:  # noqa: ANN001
                response = case.call(session=client)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}")

            check()
        assert not failures, "\n".join(failures[:40])
