"""The store's change marker: every write moves it in its own transaction; a refused write does not."""

from pathlib import Path

import pyoxigraph as ox
import pytest

from api.service import writes
from api.service.core import build_services, store_fingerprint
from kg.errors import QuerySyntaxError
from kg.settings import Settings
from kg.store.quad_store import STATE, OxigraphStore

NOTE = "https://w3id.org/mlkg/id/note/a"
LABEL = f'<{NOTE}> <http://www.w3.org/2000/01/rdf-schema#label> "A" .'


@pytest.fixture
def store(tmp_path: Path) -> OxigraphStore:
    return OxigraphStore(tmp_path / "store")


def test_every_write_moves_the_marker_and_nothing_else_does(store: OxigraphStore):
    start = store.change_marker()
    assert start.generation == 1 and start.change_id  # loading the ontology was the first write
    store.replace_graphs({NOTE: LABEL})
    store.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    store.note_hashes()
    after_import = store.change_marker()
    assert after_import.generation == 2 and after_import.change_id != start.change_id
    store.drop_graphs([NOTE])
    assert store.change_marker().generation == 3


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:x> <urn:p> 1 }",
        "INSERT DATA { <urn:x> <urn:p> 1 } ;",  # the user's own trailing separator
        "INSERT DATA { <urn:x> <urn:p> 1 } # a comment ending in ;",
        "PREFIX ex: <urn:ex:> BASE <urn:base/> INSERT DATA { ex:x <p> 1 }",
    ],
)
def test_a_user_update_moves_the_marker_in_the_same_request(store: OxigraphStore, update: str):
    before = store.change_marker()
    store.update(update)
    assert store.change_marker().generation == before.generation + 1
    asked = store.query("ASK { ?x ?p 1 }")
    assert isinstance(asked, ox.QueryBoolean) and bool(asked)


def test_a_refused_update_keeps_the_marker_and_names_its_own_error(store: OxigraphStore):
    before = store.change_marker()
    with pytest.raises(QuerySyntaxError, match="error at 1:"):
        store.update("INSERT DATA { <urn:x> <urn:p> ")
    assert store.change_marker() == before


def test_dumps_leave_the_marker_out(store: OxigraphStore):
    store.replace_graphs({NOTE: LABEL})
    for fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES):
        dumped = store.dump(fmt).decode("utf-8")
        assert f"<{STATE}>" not in dumped and '"A"' in dumped
    copy = ox.Store()
    copy.load(store.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
    assert len(copy) == store.triple_count()  # all but the generation and the change id, which no count includes


def test_a_new_process_reuses_the_index_until_a_write_moves_the_marker(tmp_path: Path, encoder):
    settings = Settings(data_dir=tmp_path / "data", vault=tmp_path)
    note = tmp_path / "Drift.md"
    note.write_text("# Drift\n\nConcept drift hides in the inputs.\n", "utf-8")
    services = build_services(settings, encoder=encoder)
    writes.import_paths(services, [note])
    fingerprint = store_fingerprint(services.store)
    services.close()
    reader = build_services(settings, read_only=True, encoder=encoder)
    _, change = reader._open_engine(encoder)
    assert change.reused > 0 and change.encoded == 0  # the saved index matches the marker
    assert store_fingerprint(reader.store) == fingerprint
    reader.close()
    writer = build_services(settings, encoder=encoder)
    writer.store.update("INSERT DATA { GRAPH <urn:g> { <urn:x> <urn:p> 1 } }")
    assert store_fingerprint(writer.store) != fingerprint
    writer.close()
