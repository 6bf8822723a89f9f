"""Schemathesis sends generated requests, valid and invalid, to the operations in the OpenAPI document.

On SQLite and on PostgreSQL (NUL bytes and the like reach the database only there). Whatever it
sends, the API must answer without a 5xx, with a documented status, and with a body
that matches the documented schema. Not checked: that schema-valid requests succeed. To a schema,
any bytes are a valid upload, and random bytes are no photo: refusing them (415, 422) is right.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

# One entry per blueprint (its OpenAPI tag); a new resource adds its own.
TAGS = ["detect", "models", "health", "images", "feedback", "review_queue", "evaluations", "stats"]


@pytest.fixture
def fuzzed_app(make_app, database_url: str, tmp_path):
    """An app on this test's own SQLite or PostgreSQL database, storing into its own folder, its model loaded.

    Until the default model has loaded, /readyz rightly answers 503 `not_ready`; fuzzing starts after.
    """
    app = make_app(database_url=database_url, images_dir=tmp_path / "images")
    client = app.test_client()
    deadline = time.monotonic() + 120
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the default model did not load within 120 s"
        time.sleep(0.2)
    return app


@pytest.mark.parametrize("tag", TAGS)
def test_generated_requests_never_get_a_server_error(fuzzed_app, tag):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app).include(tag=tag)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
