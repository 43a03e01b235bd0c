"""/metrics in the Prometheus text format, request ids on answers and log lines, JSON logs from `kg serve`."""

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import KG, MODELS, ROOT, free_port, live_server_for

QUERY = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[str]:
    yield from live_server_for(tmp_path_factory.mktemp("metrics"), ROOT / "notes", encoder)


def scrape(server: str) -> Samples:
    answer = httpx.get(f"{server}/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_requests_sparql_outcomes_and_writes_are_counted(server: str) -> None:
    before = scrape(server)
    for _ in range(3):
        assert httpx.get(f"{server}/ask", params={"q": "copying a model through its API"}).status_code == 200
    for _ in range(2):
        assert httpx.get(f"{server}/sparql", params={"query": QUERY}).status_code == 200
    assert httpx.get(f"{server}/sparql", params={"query": "SELECT WHERE {"}).status_code == 400
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"
    assert httpx.get(f"{server}/sparql", params={"query": service}).status_code == 403
    stored = httpx.post(
        f"{server}/notes",
        params={"name": "counted.md"},
        content="# Counted\n\nModel stealing through a public API.\n",
        headers={"Authorization": "Bearer secret-token"},
    )
    assert stored.status_code == 201
    after = scrape(server)
    assert delta(before, after, "mlkg_http_requests_total", route="/ask", method="GET", status="200") == 3
    assert delta(before, after, "mlkg_http_request_duration_seconds_count", route="/ask", method="GET") == 3
    assert delta(before, after, "mlkg_http_requests_total", route="/sparql", method="GET", status="200") == 2
    assert delta(before, after, "mlkg_sparql_operations_total", operation="query", outcome="ok") == 2
    assert delta(before, after, "mlkg_sparql_operations_total", operation="query", outcome="query_syntax_error") == 1
    assert delta(before, after, "mlkg_sparql_operations_total", operation="query", outcome="forbidden") == 1
    assert delta(before, after, "mlkg_note_writes_total", action="import", status="added") == 1
    health = httpx.get(f"{server}/health").json()
    assert after[("mlkg_store_triples", ())] == health["triples"]
    assert after[("mlkg_store_notes", ())] == health["notes"] == 2
    assert after[("mlkg_index_texts", ())] == health["index_size"] > 0


def test_every_answer_has_a_request_id(server: str) -> None:
    made = httpx.get(f"{server}/health").headers["x-request-id"]
    assert len(made) == 32 and made != httpx.get(f"{server}/health").headers["x-request-id"]
    assert httpx.get(f"{server}/health", headers={"X-Request-ID": "trace-42"}).headers["x-request-id"] == "trace-42"
    hostile = httpx.get(f"{server}/nowhere", headers={"X-Request-ID": "a b\u00e9<script>".encode()})
    assert hostile.status_code == 404 and len(hostile.headers["x-request-id"]) == 32


def test_kg_serve_prints_its_token_once_and_logs_json_lines(tmp_path: Path, cli_models: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KG_DATA_DIR": str(tmp_path / "data"),
        "KG_PORT": str(port),
        "KG_LOG_FORMAT": "json",
        "KG_MODEL_CACHE": str(MODELS[-1]),
        "KG_INGEST_WORKERS": "1",
    }
    env.pop("KG_API_TOKEN", None)

    def serve_once(request_id: str) -> tuple[str, list[dict[str, str]]]:
        server = subprocess.Popen([KG, "serve"], env=env, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                assert time.monotonic() < deadline and server.poll() is None, "kg serve did not start"
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", headers={"X-Request-ID": request_id}).is_success:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
        finally:
            server.send_signal(signal.SIGINT)
            _, stderr = server.communicate(timeout=60)
        lines = [line for line in stderr.splitlines() if line.startswith("{")]
        return stderr, [json.loads(line) for line in lines]

    first, logged = serve_once("first-start")
    token = (tmp_path / "data" / "api-token").read_text().strip()
    assert f"write token: {token}" in first
    access = [line for line in logged if line["request_id"] == "first-start"]
    assert access and access[-1]["message"].startswith("GET /health 200") and access[-1]["logger"] == "mlkg.access"
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in logged)
    second, _ = serve_once("second-start")
    assert token not in second and "api-token" in second
