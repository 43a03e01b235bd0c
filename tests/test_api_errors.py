"""Every error, whatever raised it, has the same shape: {"error": {"code", "message", "problems"}}."""

import httpx
import pytest


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "problems"}
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    assert isinstance(error["problems"], list)
    return error


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "code"),
    [
        ("GET", "/no/such/route", {}, 404, "http_404"),
        ("DELETE", "/sparql", {}, 405, "http_405"),
        ("GET", "/ask", {"q": "drift", "k": "0"}, 422, "invalid_request"),
        ("GET", "/ask", {}, 422, "invalid_request"),
        ("GET", "/ask", {"q": "drift", "type": "planet"}, 400, "bad_request"),
        ("GET", "/concerns/nothing", {}, 404, "not_found"),
        ("GET", "/notes/nothing", {}, 404, "not_found"),
        ("GET", "/sparql", {"query": "SELECT"}, 400, "query_syntax_error"),
        ("GET", "/graph/path", {"from": "urn:a", "to": "urn:b"}, 404, "not_found"),
    ],
)
def test_one_error_shape(live_server: str, method: str, path: str, params: dict[str, str], status: int, code: str):
    assert_error_shape(httpx.request(method, f"{live_server}{path}", params=params), status, code)


def test_validation_errors_name_the_field(live_server: str):
    error = assert_error_shape(httpx.get(f"{live_server}/ask", params={"q": "x", "k": "500"}), 422, "invalid_request")
    assert any("k" in str(p["path"]) for p in error["problems"])  # type: ignore[index, union-attr]


def test_an_unexpected_failure_still_answers_in_the_error_shape(tmp_path, encoder):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from kg.settings import Settings

    from .conftest import ROOT

    app = create_app(
        Settings(data_dir=tmp_path, vault=ROOT / "notes", ingest_workers=1, allowed_hosts=["testserver"]), encoder
    )

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
        error = assert_error_shape(response, 500, "internal_error")
        assert "a bug" not in str(error["message"])  # internals stay in the log
        assert client.get("/health").json()["notes"] == 1


def test_a_non_ascii_token_is_refused_not_a_crash(live_server: str):
    import httpx

    response = httpx.post(
        f"{live_server}/sparql",
        content=b"INSERT DATA { <urn:a> <urn:b> 1 }",
        headers={"Authorization": "Bearer é".encode(), "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 403 and "Authorization" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/health",
        "/",
        "/docs",
        "/ontology",
        "/ask?q=drift",
        "/notes/nothing-here",
        "/static/app.js",
        "/metrics",
        "/void",
    ],
)
def test_every_answer_forbids_sniffing_referrers_and_framing(live_server: str, path: str):
    import httpx

    answer = httpx.get(f"{live_server}{path}", headers={"Accept": "text/html,*/*;q=0.8"})
    headers = answer.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    if answer.headers["content-type"].startswith("text/html"):
        assert "script-src 'self'" in policy and "http" not in policy  # the page's scripts, and nothing remote
    else:
        assert policy.startswith("default-src 'none'")
