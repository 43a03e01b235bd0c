"""Two `kg serve` processes over one real Oxigraph server: writes through one answer on the other,
and a store killed in the middle of imports loses no acknowledged note; no client of the store ever sees a
note without its links."""

import contextlib
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .conftest import OxigraphServer, free_port, start_kg_server, store_server

AUTH = {"Authorization": "Bearer secret-token"}
JSON = {"Accept": "application/sparql-results+json"}
NOTE = """---
title: Watermarks against model extraction {n}
---
# Watermarks against model extraction {n}

Attackers copy a model through its prediction API: [[Model stealing]]. Watermarking outputs (variant {n}) helps.
"""
UNLINKED = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?g WHERE { GRAPH ?g { ?g mlkg:contentHash ?h ; a mlkg:Note }
  FILTER NOT EXISTS { GRAPH ?l { ?l mlkg:linkState ?s } FILTER(STR(?l) = REPLACE(STR(?g), "/id/note/", "/id/links/")) } }"""


def _wait(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until `check` holds; fails after `seconds`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "not within the time allowed"
        time.sleep(0.02)
    return time.monotonic() - started


def _note_ids(server: str) -> set[str]:
    return {note["id"] for note in httpx.get(f"{server}/notes", timeout=30).json()}


def _asks(server: str, note_iri: str) -> bool:
    answer = httpx.get(f"{server}/ask", params={"q": "copying a model through its API", "k": 1}, timeout=30).json()
    return note_iri in str(answer["hits"][0])


@dataclass
class Cluster:
    store: OxigraphServer
    servers: list[str]


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, models_dir: Path, encoder
) -> Iterator[Cluster]:
    """Servers A and B on one store and one note cache (A imports the bundled vault first), shared by
    this module's tests on each store: starting them is most of a test's time."""
    folder = tmp_path_factory.mktemp(f"cluster-{request.param}")
    store = store_server(request.param, folder)
    store.start()
    env = {**store.env, "KG_SHARED_CACHE": str(folder / "cache")}
    servers: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for name in ("a", "b"):
            port = free_port()
            servers.append(start_kg_server(folder / name, models_dir, port, log=folder / f"{name}.log", **env))
            urls.append(f"http://127.0.0.1:{port}")
        yield Cluster(store, urls)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=60)
        store.kill()


@pytest.mark.timeout(600)
def test_a_note_imported_through_one_server_answers_on_the_other(cluster: Cluster) -> None:
    a, b = cluster.servers
    count = "SELECT (COUNT(DISTINCT ?note) AS ?n) WHERE { ?note <https://w3id.org/mlkg/ontology#contentHash> ?h }"

    def counted(server: str) -> int:
        rows = httpx.post(
            f"{server}/sparql", data={"query": count}, headers={"Accept": "application/sparql-results+json"}
        )
        return int(rows.json()["results"]["bindings"][0]["n"]["value"])

    before = counted(b)
    stored = httpx.post(f"{a}/notes", params={"name": "topics/w.md"}, content=NOTE.format(n=1), headers=AUTH)
    assert stored.status_code == 201, stored.text
    iri = stored.json()["notes"][0]["iri"]
    waited = _wait(lambda: _asks(b, iri), 10)
    print(f"B answered with A's note after {waited:.2f} s")
    assert "topics/w" in _note_ids(b)
    # the note cache is shared: B shows the markdown A imported
    assert "Watermarking outputs" in httpx.get(f"{b}/notes/topics/w").json()["markdown"]
    assert counted(b) == before + 1
    similar = 'SELECT ?c WHERE { ?c ?p ?o } ORDER BY DESC(<https://w3id.org/mlkg/ontology#similarity>(?c, "x"))'
    refused = httpx.post(f"{b}/sparql", data={"query": similar})
    assert refused.status_code == 400 and "embedded store only" in refused.json()["error"]["message"]

    assert httpx.delete(f"{b}/notes/topics/w", headers=AUTH).status_code == 204
    _wait(lambda: "topics/w" not in _note_ids(a) and not _asks(a, iri), 10)
    health = [httpx.get(f"{s}/health").json() for s in (a, b)]
    _wait(lambda: all(h["synced_generation"] == h["store_generation"] for h in _healths(a, b)), 10)
    assert {h["store"] for h in health} == {"sparql"}
    assert all(h["sync_age_s"] is not None for h in health)


def _healths(*servers: str) -> list[dict[str, object]]:
    return [httpx.get(f"{s}/health").json() for s in servers]


@pytest.mark.timeout(600)
def test_a_store_killed_during_imports_loses_nothing_acknowledged(cluster: Cluster) -> None:
    a, b = cluster.servers
    acknowledged: list[str] = []
    refused: list[httpx.Response] = []
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            reply = httpx.post(
                f"{a}/notes", params={"name": f"crash/{n}.md"}, content=NOTE.format(n=n), headers=AUTH, timeout=60
            )
            (acknowledged.append(f"crash/{n}") if reply.status_code == 201 else refused.append(reply))
            n += 1

    half_seen: list[object] = []
    looks: list[int] = []

    def read_the_store() -> None:
        """A client of the store itself, looking for a note without its links graph while notes arrive."""
        query_url = cluster.store.settings["store_query_url"]
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                reply = httpx.post(query_url, data={"query": UNLINKED}, headers=JSON, timeout=10)
                if reply.status_code == 200:
                    looks.append(1)
                    half_seen.extend(reply.json()["results"]["bindings"])

    threads = [threading.Thread(target=write), threading.Thread(target=read_the_store)]
    for thread in threads:
        thread.start()
    _wait(lambda: len(acknowledged) >= 3, 60)
    cluster.store.kill()
    _wait(lambda: len(refused) >= 2, 60)
    cluster.store.start()
    before = len(acknowledged)
    _wait(lambda: len(acknowledged) >= before + 3, 60)
    stop.set()
    for thread in threads:
        thread.join()
    assert len(looks) > 10 and half_seen == []  # each note arrived with its links, in one request
    assert refused, "the store was killed while the writer ran, so some imports must have been refused"
    for reply in refused:
        assert reply.status_code == 503 and reply.json()["error"]["code"] == "store_unavailable", reply.text
        assert "cannot be reached" in reply.json()["error"]["message"]
    # both servers catch up with the store; every note in it is linked (a write cut short is repaired)
    in_store = _wait_for_agreement(a, b)
    assert set(acknowledged) <= in_store
    unlinked = httpx.post(
        f"{a}/sparql", data={"query": UNLINKED}, headers={"Accept": "application/sparql-results+json"}
    )
    assert unlinked.json()["results"]["bindings"] == []


def _wait_for_agreement(a: str, b: str) -> set[str]:
    def agree() -> bool:
        try:
            return _note_ids(a) == _note_ids(b) and all(
                h["synced_generation"] == h["store_generation"] for h in _healths(a, b)
            )
        except (httpx.HTTPError, KeyError):
            return False

    _wait(agree, 30)
    return _note_ids(a)


@pytest.mark.timeout(600)
def test_a_server_killed_during_imports_leaves_no_note_unlinked(
    tmp_path: Path, oxigraph_server: OxigraphServer, models_dir: Path, encoder
) -> None:
    env = {**oxigraph_server.env, "KG_SHARED_CACHE": str(tmp_path / "cache")}
    port = free_port()
    server = start_kg_server(tmp_path / "a", models_dir, port, log=tmp_path / "a.log", **env)
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            try:
                reply = httpx.post(
                    f"{base}/notes", params={"name": f"k/{n}.md"}, content=NOTE.format(n=n), headers=AUTH, timeout=60
                )
            except httpx.TransportError:
                return  # the server is gone
            if reply.status_code == 201:
                acknowledged.append(f"k/{n}")
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    _wait(lambda: len(acknowledged) >= 3, 60)
    server.kill()  # SIGKILL, somewhere inside a write
    server.wait()
    stop.set()
    writer.join()
    server = start_kg_server(tmp_path / "a", models_dir, port, log=tmp_path / "a2.log", **env)
    try:
        assert set(acknowledged) <= _note_ids(base)
        unlinked = httpx.post(
            f"{base}/sparql", data={"query": UNLINKED}, headers={"Accept": "application/sparql-results+json"}
        )
        assert unlinked.json()["results"]["bindings"] == []  # the start linked whatever the kill left unlinked
    finally:
        server.terminate()
        server.wait(timeout=60)
