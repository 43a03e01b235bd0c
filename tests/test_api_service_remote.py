"""The service layer on a real remote store (Oxigraph server; the store-specific parts run on Virtuoso too, in
test_kg_remote_store.py and test_api_remote_replicas.py): a write the store cuts short is repaired by the next
look, and a server that stops behind the store catches up when it starts."""

from pathlib import Path

import pytest

from api.service import reads, writes
from api.service.core import build_services
from kg.errors import StoreUnavailable
from kg.iris import links_graph_iri
from kg.links.linker import link_states
from kg.settings import Settings
from kg.store.remote_store import RemoteStore

from .conftest import OxigraphServer

NOTE = b"""# Copying models

Attackers copy a deployed model through its prediction API: [[Model stealing]].
"""


def test_a_write_the_store_cut_short_is_repaired(
    tmp_path: Path, oxigraph_server: OxigraphServer, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", ingest_workers=1, **oxigraph_server.settings)
    services = build_services(settings, encoder=encoder, snapshots=True)
    writes.import_paths(services, [settings.vault])  # the seed: the lifecycle and its concerns
    services.start()
    store = services.store
    assert isinstance(store, RemoteStore)
    sent: list[str] = []
    send = store._update

    def second_update_fails(sparql: str) -> None:
        sent.append(sparql)
        if len(sent) == 2:  # the note's graph went in; its links graph is lost on the way
            raise StoreUnavailable("the SPARQL store went away")
        send(sparql)

    monkeypatch.setattr(store, "_update", second_update_fails)
    with pytest.raises(StoreUnavailable):
        writes.import_note(services, "copying.md", NOTE)
    monkeypatch.undo()
    note = "https://w3id.org/mlkg/id/note/copying"
    assert note in store.note_hashes() and links_graph_iri(note) not in link_states(store)
    assert services.repair_pending

    services.catch_up()
    assert not services.repair_pending
    assert links_graph_iri(note) in link_states(store)
    answer = reads.ask(services, "copying a model through its API", k=1)
    assert answer.hits[0].label == "Model stealing"
    assert note in {n.iri for n in answer.hits[0].notes}
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
