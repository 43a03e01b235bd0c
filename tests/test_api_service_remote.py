"""The service layer on a real remote store (Oxigraph server; the store-specific parts run on Virtuoso too, in
test_kg_remote_store.py and test_api_remote_replicas.py): a write the store cuts short is repaired by the next
look, a note and its links reach the store in one request, and a server that stops behind the store catches up
when it starts."""

import threading
import time
from pathlib import Path

import pytest

import api.service.core as core
from api.service import reads, writes
from api.service.core import Services, build_services
from api.service.results import Health
from kg.errors import StoreUnavailable
from kg.iris import links_graph_iri
from kg.links.linker import link_states
from kg.settings import Settings
from kg.store.remote_store import RemoteStore

from .conftest import OxigraphServer

NOTE = b"""# Copying models

Attackers copy a deployed model through its prediction API: [[Model stealing]].
"""


NOTE_IRI = "https://w3id.org/mlkg/id/note/copying"


def _seeded(tmp_path: Path, oxigraph_server: OxigraphServer, encoder) -> tuple[Services, RemoteStore]:
    settings = Settings(data_dir=tmp_path / "data", ingest_workers=1, **oxigraph_server.settings)
    services = build_services(settings, encoder=encoder, snapshots=True)
    writes.import_paths(services, [settings.vault])  # the seed: the lifecycle and its concerns
    services.start()
    store = services.store.base
    assert isinstance(store, RemoteStore)
    return services, store


def test_a_note_its_links_and_the_links_it_changes_go_in_one_request(
    tmp_path: Path, oxigraph_server: OxigraphServer, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, store = _seeded(tmp_path, oxigraph_server, encoder)
    sent: list[str] = []
    send = store._update
    monkeypatch.setattr(store, "_update", lambda sparql: (sent.append(sparql), send(sparql)))
    writes.import_note(services, "linking.md", b"# Linking\n\nSee [[copying]] about [[Model stealing]].\n")
    assert len(sent) == 1  # the note, and its links graph with a placeholder for the note it names
    assert f"GRAPH <{NOTE_IRI.replace('copying', 'linking')}>" in sent[0]

    sent.clear()
    result = writes.import_note(services, "copying.md", NOTE)
    assert "https://w3id.org/mlkg/id/concern/model-stealing" in {d.iri for d in result.notes[0].discusses}
    assert len(sent) == 1
    linking = links_graph_iri("https://w3id.org/mlkg/id/note/linking")  # its placeholder is now this note
    for graph in (NOTE_IRI, links_graph_iri(NOTE_IRI), linking):
        assert f"GRAPH <{graph}>" in sent[0]

    sent.clear()
    writes.delete_note(services, "copying.md")
    assert len(sent) == 1 and NOTE_IRI not in store.note_hashes()
    assert f"DROP SILENT GRAPH <{links_graph_iri(NOTE_IRI)}>" in sent[0]
    services.close()


def test_a_write_the_store_refused_leaves_it_as_it_was(
    tmp_path: Path, oxigraph_server: OxigraphServer, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, store = _seeded(tmp_path, oxigraph_server, encoder)
    before = store.change_marker()

    def refused(sparql: str) -> None:
        raise StoreUnavailable("the SPARQL store went away")

    monkeypatch.setattr(store, "_update", refused)
    with pytest.raises(StoreUnavailable):
        writes.import_note(services, "copying.md", NOTE)
    monkeypatch.undo()
    assert store.change_marker() == before and NOTE_IRI not in store.note_hashes()
    services.catch_up()
    assert not services.repair_pending
    writes.import_note(services, "copying.md", NOTE)  # the client tries again
    hit = reads.ask(services, "copying a model through its API", k=1).hits[0]
    assert hit.label == "Model stealing" and NOTE_IRI in {n.iri for n in hit.notes}
    services.close()


def test_a_write_whose_answer_was_lost_is_repaired(
    tmp_path: Path, oxigraph_server: OxigraphServer, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, store = _seeded(tmp_path, oxigraph_server, encoder)
    send = store._update

    def answer_lost(sparql: str) -> None:
        send(sparql)
        raise StoreUnavailable("the SPARQL store went away")

    monkeypatch.setattr(store, "_update", answer_lost)
    with pytest.raises(StoreUnavailable):
        writes.import_note(services, "copying.md", NOTE)
    monkeypatch.undo()
    assert NOTE_IRI in store.note_hashes() and links_graph_iri(NOTE_IRI) in link_states(store)
    assert services.repair_pending

    services.catch_up()
    assert not services.repair_pending
    answer = reads.ask(services, "copying a model through its API", k=1)
    assert answer.hits[0].label == "Model stealing"
    assert NOTE_IRI in {n.iri for n in answer.hits[0].notes}
    services.close()


def test_a_server_that_stops_behind_the_store_catches_up_when_it_starts(
    tmp_path: Path, oxigraph_server: OxigraphServer, encoder
) -> None:
    shared = {"ingest_workers": 1, "shared_cache": tmp_path / "cache", **oxigraph_server.settings}
    first = build_services(Settings(data_dir=tmp_path / "a", **shared), encoder=encoder, snapshots=True)
    writes.import_paths(first, [first.settings.vault])
    first.start()
    second = build_services(Settings(data_dir=tmp_path / "b", **shared), encoder=encoder, snapshots=True)
    second.start()
    writes.import_note(first, "copying.md", NOTE)
    second.close()  # it saved its index without having looked at the store since the import
    again = build_services(Settings(data_dir=tmp_path / "b", **shared), encoder=encoder, snapshots=True)
    again.start()
    hit = reads.ask(again, "copying a model through its API", k=1).hits[0]
    assert "https://w3id.org/mlkg/id/note/copying" in {n.iri for n in hit.notes}
    for services in (first, again):
        services.close()


def test_health_answers_with_the_last_counts_while_the_store_is_counted_again(
    tmp_path: Path, oxigraph_server: OxigraphServer, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, store = _seeded(tmp_path, oxigraph_server, encoder)
    before = reads.health(services)
    writes.import_note(services, "copying.md", NOTE)
    counting, release = threading.Event(), threading.Event()
    real_count = store.triple_count

    def slow_count() -> int:  # a store that takes its time to read every quad
        counting.set()
        release.wait(30)
        return real_count()

    monkeypatch.setattr(store, "triple_count", slow_count)
    monkeypatch.setattr(core, "COUNT_EVERY", 0.0)
    answered: list[Health] = []
    asking = threading.Thread(target=lambda: answered.append(reads.health(services)))
    asking.start()
    asking.join(5)
    assert not asking.is_alive() and answered[0].notes == before.notes, "/health waited for the count"
    assert counting.wait(5)  # the count runs in the background

    release.set()
    deadline = time.monotonic() + 10
    while reads.health(services).notes != before.notes + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    after = reads.health(services)
    assert after.notes == before.notes + 1 and after.triples > before.triples
    services.close()
