"""Fuzzing the API from its own OpenAPI document (schemathesis), with every role's token: no
5xx, and every response matches the documented schema, status and media type.

Bounded to fit in CI: a few generated requests per operation, each sent as every role and as
nobody, on a database with parcels in several states so that requests reach the services.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api import create_app
from tests.factories import ROLES, World

EXAMPLES = 4
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]


@pytest.fixture
def fuzzed(runtime):
    world = World(runtime)
    for state in ("planned", "approved", "in_use", "registered"):
        world.parcel_in(state)
    return create_app(runtime=runtime, testing=True), world


def fuzz_api(app, world, examples: int = EXAMPLES, only: str | None = None) -> list[int]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    if only:
        operations = [op for op in operations if op.label == only]
    tokens = [{"Authorization": f"Bearer {world.tokens[r]}"} for r in ROLES] + [{}]
    calls: list[int] = []
    for operation in operations:
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            for headers in tokens:
                response = case.call(headers=headers)
                calls.append(response.status_code)
                case.validate_response(response, checks=CHECKS)

        fuzz()
    assert len(calls) >= len(operations) * len(tokens)
    return calls


def test_the_api_keeps_its_contract_under_fuzzing(fuzzed):
    app, world = fuzzed
    calls = fuzz_api(app, world)
    # The fuzzing reached past authentication and validation into the services.
    assert any(200 <= c < 300 for c in calls) and 403 in calls and 401 in calls


def test_the_fuzzer_catches_a_server_error(fuzzed, monkeypatch):
    from workflow import queries

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "list_parcels", broken)
    app, world = fuzzed
    with pytest.raises(Exception):  # noqa: B017 - any failure report will do
        fuzz_api(app, world, examples=2, only="GET /api/v1/parcels")
