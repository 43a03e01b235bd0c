"""A snapshot lives as long as a query that holds it, however many writes publish newer ones."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from api.service import reads, writes
from api.service.core import KEPT_SNAPSHOTS, build_services
from api.service.snapshot_leases import SnapshotLeases
from kg.settings import Settings
from kg.store.quad_store import OxigraphStore

from .conftest import ROOT, live_server_for

TOKEN = {"Authorization": "Bearer secret-token"}
# seconds on the seed: every pair of triples, with string work on each
SLOW = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(CONCAT(STR(?c), STR(?f)) != "x") }'


def _note(i: int) -> bytes:
    return f"# Write {i}\n\nModel stealing through a public prediction API, note {i}.\n".encode()


def test_a_retired_folder_goes_when_its_last_holder_lets_go(tmp_path: Path) -> None:
    leases = SnapshotLeases()
    held, free = tmp_path / "held", tmp_path / "free"
    held.mkdir()
    free.mkdir()
    leases.acquire(held)
    leases.acquire(held)
    leases.retire([held, free])
    assert held.exists() and not free.exists()
    leases.release(held)
    assert held.exists()
    leases.release(held)
    assert not held.exists() and leases.held() == {}
    assert list(tmp_path.iterdir()) == []  # nothing left aside while it was being removed


def test_a_leased_snapshot_outlives_five_writes(tmp_path: Path, encoder) -> None:
    services = build_services(Settings(data_dir=tmp_path, ingest_workers=1), encoder=encoder, snapshots=True)
    writes.import_paths(services, [ROOT / "notes"])
    services.start()
    try:
        notes = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/mlkg/ontology#Note> }"
        before = next(services.store.query(notes))[0].value  # type: ignore[call-overload]
        with reads.leased_snapshot(services) as folder:
            for i in range(KEPT_SNAPSHOTS + 2):
                writes.import_note(services, f"write-{i}.md", _note(i))
            assert folder not in sorted(services.settings.snapshots_dir.iterdir())[-KEPT_SNAPSHOTS:]
            store = OxigraphStore(folder, read_only=True)
            answer = store.query(notes)
            assert isinstance(answer, ox.QuerySolutions) and next(answer)[0].value == before  # none of the writes
            assert next(services.store.query(notes))[0].value != before  # type: ignore[call-overload]
            store.close()
        assert not folder.exists()
    finally:
        services.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, encoder):
    data = tmp_path_factory.mktemp("leases")
    for base in live_server_for(data, ROOT / "notes", encoder, query_timeout=60, query_workers=2, queries_per_client=8):
        yield base, data


def test_queued_queries_survive_snapshot_rotation(server: tuple[str, Path]) -> None:
    base, data = server
    with ThreadPoolExecutor(8) as pool:
        slow = [pool.submit(httpx.get, f"{base}/sparql", params={"query": SLOW}, timeout=90) for _ in range(2)]
        time.sleep(0.5)
        asks = [
            pool.submit(httpx.get, f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=90) for _ in range(3)
        ]
        time.sleep(0.5)
        for i in range(5):
            stored = httpx.post(f"{base}/notes", params={"name": f"rotate-{i}.md"}, content=_note(i), headers=TOKEN)
            assert stored.status_code == 201, stored.text
        waiting = sum(not ask.done() for ask in asks)
        slow_running = sum(not query.done() for query in slow)
        on_disk = len(list((data / "snapshots").iterdir()))
        answers = [ask.result() for ask in asks] + [query.result() for query in slow]
    # the race happened: the ASKs waited behind the slow queries while their snapshot was retired
    assert slow_running == 2 and waiting == 3 and on_disk > KEPT_SNAPSHOTS
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert "snapshots" not in answer.text
    assert len(list((data / "snapshots").iterdir())) == KEPT_SNAPSHOTS


def test_an_unknown_function_is_the_querys_fault(server: tuple[str, Path]) -> None:
    base, _ = server
    answer = httpx.get(f"{base}/sparql", params={"query": "SELECT ?x WHERE { BIND(<urn:f>(1) AS ?x) }"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request" and "urn:f" in answer.json()["error"]["message"]
