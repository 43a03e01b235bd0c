"""A runaway SPARQL query is stopped at KG_QUERY_TIMEOUT and the server keeps answering."""

import time
from collections.abc import Iterator

import httpx
import pytest

from .conftest import ROOT, live_server_for

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def impatient_server(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[str]:
    yield from live_server_for(
        tmp_path_factory.mktemp("timeout"), ROOT / "notes", encoder, query_timeout=1.0, max_result_rows=50
    )


def test_a_runaway_query_is_stopped_with_a_clear_error(impatient_server: str):
    started = time.monotonic()
    response = httpx.get(f"{impatient_server}/sparql", params={"query": RUNAWAY}, timeout=30)
    waited = time.monotonic() - started
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "query_timeout" and "KG_QUERY_TIMEOUT" in error["message"]
    assert waited < 5
    for _ in range(3):  # the stopped worker was replaced: queries keep being answered
        ok = httpx.get(f"{impatient_server}/sparql", params={"query": "ASK { ?s a ?t }"}, timeout=30)
        assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_an_answer_over_the_row_cap_is_refused_and_one_under_it_served(impatient_server: str):
    many = httpx.get(f"{impatient_server}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=30)
    assert many.status_code == 400
    assert many.json()["error"]["code"] == "too_many_rows" and "KG_MAX_RESULT_ROWS" in many.json()["error"]["message"]
    graph = httpx.get(f"{impatient_server}/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, timeout=30)
    assert graph.status_code == 400
    few = httpx.get(f"{impatient_server}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 50"}, timeout=30)
    assert few.status_code == 200 and len(few.json()["results"]["bindings"]) == 50


def test_a_dead_worker_is_replaced(tmp_path):
    import os
    import signal

    from api.query_runner import QueryJob, QueryRunner
    from kg.errors import QueryWorkerFailed
    from kg.store.quad_store import OxigraphStore

    OxigraphStore(tmp_path / "store").close()
    runner = QueryRunner(tmp_path / "store", timeout=10, workers=1)
    job = QueryJob("ASK { ?s ?p ?o }", None, None, None, "", None, 0, 10)
    assert runner.run(job)[1] == b'{"head":{},"boolean":true}'  # the ontology graph is there
    worker = runner._idle.queue[0]
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.join()
    with pytest.raises(QueryWorkerFailed):
        runner.run(job)
    assert runner.run(job)[0] == "application/sparql-results+json"
    runner.close()
