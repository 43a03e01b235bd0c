"""SERVICE and LOAD stay refused however they are written, and query workers cannot connect out anyway."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from api.query_runner import QueryJob, QueryRunner
from api.remote_guard import refuse_remote
from kg.errors import BadRequest, Forbidden, KGError
from kg.store.quad_store import OxigraphStore

SECRET = "listener-secret-row"
TOKEN_HEADERS = {"Authorization": "Bearer secret-token"}


class Listener(ThreadingHTTPServer):
    """Another service on loopback that answers any SPARQL request with one row, counting visits."""

    visits = 0


class _Answer(BaseHTTPRequestHandler):
    def _reply(self) -> None:
        self.server.visits += 1  # type: ignore[attr-defined]
        body = json.dumps(
            {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": SECRET}}]}}
        )
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST = _reply  # noqa: N815 (the names http.server looks up)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def attacks(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/x"
    return [
        f"PREFIX ex: <urn:ex:> SELECT ?x WHERE {{ BIND(ex:a\\#b AS ?z) SERVICE <{url}> {{?x ?p ?q}} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?svc) FILTER(1<2)SERVICE?svc{{?x?p?o}}FILTER(2>1) }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}> {{ ?x ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c LATERAL {{ SERVICE <{url}> {{ ?x ?p ?o }} }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?x ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o # }}\n SERVICE <{url}> {{ ?x ?p ?o }} }}",
    ]


def update_attacks(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/data.ttl"
    return [
        f"LOAD <{url}>",
        f"PREFIX ex: <urn:ex:> INSERT DATA {{ ex:a\\#b ex:p 1 }} ; LOAD <{url}> INTO GRAPH <urn:g>",
        f"INSERT DATA {{ <urn:a> <urn:b> 1 }};load silent<{url}>",
        f"DELETE WHERE {{ SERVICE <{url}> {{ ?a ?b ?c }} }}",
    ]


@pytest.mark.parametrize("index", range(7))
def test_each_way_of_writing_service_is_refused(index: int) -> None:
    with pytest.raises((Forbidden, BadRequest)):
        refuse_remote(attacks(9999)[index])


@pytest.mark.parametrize("index", range(4))
def test_each_way_of_writing_load_is_refused(index: int) -> None:
    with pytest.raises((Forbidden, BadRequest)):
        refuse_remote(update_attacks(9999)[index], update=True)


@pytest.mark.parametrize(
    "operation",
    [
        "SELECT ?service ?load WHERE { ?service ?p ?load }",
        "ASK { ?s ?p 'SERVICE' }",
        'ASK { ?s ?p """LOAD\nx""" }',
        "PREFIX ex: <http://x/> ASK { ex:LOAD ex:service ?o }",
        "ASK { <http://x/SERVICE> ?p ?o } # LOAD it",
        'SELECT ?c WHERE { ?c ?p ?label FILTER(CONTAINS(?label, "service")) }',
    ],
)
def test_the_words_elsewhere_are_fine(operation: str) -> None:
    refuse_remote(operation)


def test_a_plain_service_is_named_in_the_refusal() -> None:
    with pytest.raises(Forbidden, match="SERVICE is disabled"):
        refuse_remote("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }")
    with pytest.raises(Forbidden, match="LOAD is disabled"):
        refuse_remote("LOAD <http://x/d.ttl>", update=True)


def test_the_attacks_reach_nothing_through_the_server(live_server: str, listener: Listener) -> None:
    port = listener.server_address[1]
    for query in attacks(port):
        answer = httpx.get(f"{live_server}/sparql", params={"query": query}, timeout=30)
        assert answer.status_code in (400, 403), (query, answer.text)
        assert answer.json()["error"]["code"] in ("bad_request", "forbidden")
        assert SECRET not in answer.text
    for update in update_attacks(port):
        answer = httpx.post(
            f"{live_server}/sparql",
            content=update,
            headers={"Content-Type": "application/sparql-update", **TOKEN_HEADERS},
            timeout=30,
        )
        assert answer.status_code in (400, 403), (update, answer.text)
    assert listener.visits == 0


def _service_job(port: int) -> QueryJob:
    query = f"SELECT ?x WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?x ?p ?o }} }}"
    return QueryJob(query, None, None, None, "application/sparql-results+json", None, "", 10)


def test_query_workers_cannot_connect_even_when_the_check_is_bypassed(tmp_path: Path, listener: Listener) -> None:
    OxigraphStore(tmp_path / "store").close()
    offline = QueryRunner(tmp_path / "store", timeout=20, workers=1, offline=True)
    try:
        with pytest.raises(KGError) as refused:
            offline.run(_service_job(listener.server_address[1]))
        assert SECRET not in refused.value.message
    finally:
        offline.close()
    assert listener.visits == 0
    online = QueryRunner(tmp_path / "store", timeout=20, workers=1, offline=False)
    try:
        _, body = online.run(_service_job(listener.server_address[1]))
    finally:
        online.close()
    assert listener.visits >= 1 and SECRET in body.decode()
