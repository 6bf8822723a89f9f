"""Schemathesis sends generated requests, valid and invalid, to the operations in the OpenAPI document.

Whatever it sends, the API must answer without a 5xx, with a documented status, and with a body
that matches the documented schema. Not checked: that schema-valid requests succeed. To a schema,
any bytes are a valid upload, and random bytes are no photo: refusing them (415, 422) is right.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

# One entry per blueprint (its OpenAPI tag); a new resource adds its own.
TAGS = ["detect", "models", "health", "images", "feedback", "evaluations", "stats"]


@pytest.mark.parametrize("tag", TAGS)
def test_generated_requests_never_get_a_server_error(app, tag):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).include(tag=tag)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
