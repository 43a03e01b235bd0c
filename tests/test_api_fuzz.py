"""schemathesis against the live OpenAPI schema: no 5xx and no response that breaks the schema."""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import response_schema_conformance

from .conftest import ROOT, live_server_for

READ_ONLY = {"GET"}
AUTH = {"Authorization": "Bearer secret-token"}


@pytest.fixture(scope="module")
def operations(live_server: str) -> list[schemathesis.APIOperation]:
    """Every read operation of the live schema (writes have their own tests and need the token)."""
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if op.method.upper() in READ_ONLY]


def test_the_schema_lists_the_read_routes(operations):
    paths = {op.path for op in operations}
    assert {"/ask", "/sparql", "/health", "/concerns/{slug}", "/graph/path", "/notes/{note_id}"} <= paths


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_server_errors_and_schema_conformance(operations, data) -> None:
    operation = data.draw(st.sampled_from(operations))
    case = data.draw(operation.as_strategy())
    response = case.call(timeout=30)
    assert response.status_code < 500, (case.method, case.path, case.query, response.status_code, response.text[:300])
    content_type = (response.headers.get("content-type") or [""])[0]
    if response.status_code < 300 and content_type.startswith("application/json"):
        case.validate_response(response, checks=[response_schema_conformance])


@pytest.fixture(scope="module")
def all_operations(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[list[schemathesis.APIOperation]]:
    """Every operation, writes included, on a server of its own (fuzzed writes change its store)."""
    for url in live_server_for(tmp_path_factory.mktemp("fuzz-writes"), ROOT / "notes", encoder):
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        yield [result.ok() for result in schema.get_all_operations()]


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_writes_too_never_fail_with_5xx(all_operations, data) -> None:
    operation = data.draw(st.sampled_from(all_operations))
    case = data.draw(operation.as_strategy())
    for headers in ({}, AUTH):
        response = case.call(headers=headers, timeout=60)
        assert response.status_code < 500, (
            case.method,
            case.path,
            case.query,
            response.status_code,
            response.text[:300],
        )
