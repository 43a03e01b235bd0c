"""One client cannot stall SPARQL: bounded admission, deadlines that include the wait, queries of clients
that left are stopped, and /health and /ask never wait on SPARQL."""

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from api.query_runner import INLINE_BYTES, QueryJob, QueryRunner
from kg.errors import ClientGone, QueryTimeout, ServerBusy, TooManyRequests
from kg.store.quad_store import OxigraphStore

from .conftest import ROOT, live_server_for

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ASK = {"query": "ASK { ?s ?p ?o }"}


def _job(query: str = "ASK { ?s ?p ?o }") -> QueryJob:
    return QueryJob(query, None, None, None, "application/sparql-results+json", None, "", 10)


def test_the_deadline_covers_the_wait_for_a_worker(tmp_path: Path) -> None:
    OxigraphStore(tmp_path / "store").close()
    runner = QueryRunner(tmp_path / "store", timeout=0.5, workers=1)
    busy = runner._idle.get()  # the only worker is taken, as by a long query
    try:
        with pytest.raises(QueryTimeout, match=r"no query process came free within 0\.5 s"):
            runner.run(_job())
    finally:
        runner._idle.put(busy)
        runner.close()


def test_a_query_whose_client_left_is_stopped(tmp_path: Path) -> None:
    OxigraphStore(tmp_path / "store").close()
    runner = QueryRunner(tmp_path / "store", timeout=60, workers=1)
    gone = threading.Event()
    try:
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(runner.run, _job(RUNAWAY), None, gone)
            while runner._idle.qsize():  # until the runaway has its worker
                time.sleep(0.01)
            gone.set()
            with pytest.raises(ClientGone, match="client left"):
                running.result(timeout=30)
        assert runner.run(_job())[1] == b'{"head":{},"boolean":true}'  # a fresh worker answers at once
    finally:
        runner.close()


def test_an_answer_over_a_megabyte_arrives_whole(tmp_path: Path) -> None:
    """Long answers are read off the event loop (in a thread), short ones on it: both arrive whole."""
    store = OxigraphStore(tmp_path / "store")
    store.update("INSERT DATA { " + " ".join(f"<urn:s{i}> <urn:p> {i} ." for i in range(40_000)) + " }")
    store.close()
    runner = QueryRunner(tmp_path / "store", timeout=60, workers=1)
    try:
        _, body = runner.run(replace(_job("SELECT ?s ?o WHERE { ?s <urn:p> ?o }"), max_rows=100_000))
        assert len(body) > INLINE_BYTES
        rows = json.loads(body)["results"]["bindings"]
        assert len(rows) == 40_000 and {int(r["o"]["value"]) for r in rows} == set(range(40_000))
        assert runner.run(_job())[1] == b'{"head":{},"boolean":true}'
    finally:
        runner.close()


def test_a_query_cancelled_mid_flight_leaves_no_answer_behind(tmp_path: Path) -> None:
    """A request cancelled while its worker evaluates (a server shutting down) gets its worker replaced:
    the next query on the only worker gets its own answer, not the cancelled one's."""
    OxigraphStore(tmp_path / "store").close()
    runner = QueryRunner(tmp_path / "store", timeout=60, workers=1)

    async def cancel_then_ask() -> bytes:
        slow = asyncio.ensure_future(runner.answer(_job('SELECT ("late" AS ?x) WHERE { }')))
        await asyncio.sleep(0)  # the job is sent; its answer is not read
        slow.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await slow
        return (await runner.answer(_job()))[1]

    try:
        assert asyncio.run(cancel_then_ask()) == b'{"head":{},"boolean":true}'
    finally:
        runner.close()


def test_admission_is_bounded_overall_and_per_client(tmp_path: Path) -> None:
    OxigraphStore(tmp_path / "store").close()
    runner = QueryRunner(tmp_path / "store", timeout=5, workers=1, queued=2, per_client=2)
    try:
        with runner.admit("a"), runner.admit("a"):
            with pytest.raises(TooManyRequests) as refused, runner.admit("a"):
                pass
            assert refused.value.headers["Retry-After"] == "1"
            with runner.admit("b"):
                with pytest.raises(ServerBusy) as busy, runner.admit("c"):
                    pass
                assert busy.value.status == 503 and busy.value.headers["Retry-After"] == "1"
        with runner.admit("c"), runner.admit("a"):  # places are given back
            pass
    finally:
        runner.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[str]:
    yield from live_server_for(
        tmp_path_factory.mktemp("admission"),
        ROOT / "notes",
        encoder,
        query_workers=1,
        query_queue=2,
        queries_per_client=8,
        query_timeout=30,
    )


def _settled(server: str) -> None:
    """Wait until the previous test's queries are gone (their clients left; the server stops them)."""
    for _ in range(100):
        if httpx.get(f"{server}/sparql", params=ASK, timeout=30).status_code == 200:
            return
        time.sleep(0.2)
    pytest.fail("the server never came free")


def test_a_full_queue_answers_503_at_once_and_other_routes_keep_answering(server: str) -> None:
    _settled(server)
    with ThreadPoolExecutor(4) as pool:
        runaways = [
            pool.submit(httpx.get, f"{server}/sparql", params={"query": RUNAWAY}, timeout=httpx.Timeout(2.0))
            for _ in range(4)
        ]
        for runaway in runaways:
            with contextlib.suppress(httpx.TimeoutException):
                runaway.result()  # the clients give up after 2 s; their queries are stopped (see below)
        refused = [r.result() for r in runaways if not r.exception()]
    # one query running and two waiting fill the server: the fourth found it full and was told at once
    assert [r.status_code for r in refused] == [503]
    assert refused[0].json()["error"]["code"] == "busy" and refused[0].headers["retry-after"] == "1"


def test_queries_of_clients_that_left_do_not_hold_the_server(server: str) -> None:
    _settled(server)
    for _ in range(2):
        with pytest.raises(httpx.TimeoutException):
            httpx.get(f"{server}/sparql", params={"query": RUNAWAY}, timeout=1.0)
    # with one worker and a 30 s time limit, this answers only if the runaways were stopped when their clients left
    answer = httpx.get(f"{server}/sparql", params=ASK, timeout=10)
    assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_health_and_ask_do_not_wait_on_sparql(server: str) -> None:
    _settled(server)
    with ThreadPoolExecutor(3) as pool:
        slow = [pool.submit(httpx.get, f"{server}/sparql", params={"query": RUNAWAY}, timeout=3.0) for _ in range(3)]
        health = httpx.get(f"{server}/health", timeout=10)
        asked = httpx.get(f"{server}/ask", params={"q": "copying a model through its API"}, timeout=10)
        for query in slow:
            query.exception()
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert asked.status_code == 200 and asked.json()["hits"]
