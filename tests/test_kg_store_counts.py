"""The embedded store's quad count: counted once, then kept by each write, always what a full count gives."""

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from api.service import writes
from api.service.core import build_services
from api.service.reads import health
from kg.search.encoder import Encoder
from kg.settings import Settings
from kg.store.quad_store import OxigraphStore, note_count

from .conftest import SEED

A, B = "https://w3id.org/mlkg/id/note/a", "https://w3id.org/mlkg/id/note/b"


def _full_count(store: OxigraphStore) -> int:
    """Every quad of a dump (which leaves the change marker out), read line by line."""
    return len(store.dump(ox.RdfFormat.N_QUADS).splitlines())


def _triples(subject: str, n: int) -> str:
    return "\n".join(f'<{subject}> <urn:p> "{i}" .' for i in range(n))


def test_the_kept_count_follows_replacing_dropping_and_user_updates(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    assert store.counted_quads() is None
    start = store.triple_count()
    assert start == _full_count(store) and store.counted_quads() == start

    store.replace_graphs({A: _triples(A, 5), B: _triples(B, 3)})
    assert store.counted_quads() == start + 8 == _full_count(store)
    store.replace_graphs({A: _triples(A, 2) + "\n" + _triples(A, 2)})  # duplicates are stored once
    assert store.counted_quads() == start + 5 == _full_count(store)
    store.drop_graphs([B, "https://w3id.org/mlkg/id/note/never-stored"])
    assert store.counted_quads() == start + 2 == _full_count(store)

    store.update("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 , 2 } }")
    assert store.counted_quads() is None  # a user's update may change anything: counted again when asked
    assert store.triple_count() == start + 4 == _full_count(store)
    store.close()


def test_a_snapshot_starts_with_the_writers_count(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    store.replace_graphs({A: _triples(A, 4)})
    kept = store.triple_count()
    store.snapshot(tmp_path / "copy")
    copy = OxigraphStore(tmp_path / "copy", read_only=True, data_quads=store.counted_quads())
    assert copy.counted_quads() == kept == _full_count(copy)
    store.close()


def test_health_counts_match_full_counts_after_each_write(tmp_path: Path, encoder: Encoder) -> None:
    settings = Settings(data_dir=tmp_path / "data", ingest_workers=1, max_semantic_links=0)
    services = build_services(settings, encoder=encoder, snapshots=True)
    services.start()
    writes.import_paths(services, [SEED])
    note = tmp_path / "extra.md"
    note.write_text("# Extra\n\nAttackers copy a deployed model through its API: [[Model stealing]].\n", "utf-8")
    steps: list[Callable[[], object]] = [
        lambda: writes.import_paths(services, [note]),
        lambda: writes.delete_note(services, "extra.md"),
        lambda: writes.sparql_update(services, "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }"),
    ]
    for step in steps:
        step()
        reported = health(services)
        with services.reading() as view:
            assert isinstance(view.store, OxigraphStore)
            assert reported.triples == _full_count(view.store)
            assert reported.notes == note_count(view.store) == len(view.store.note_paths())
    assert reported.notes == 1
    services.close()
