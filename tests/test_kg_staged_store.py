"""A staged write: the writing thread's reads see it as if it were stored, other threads and the store
see nothing until it is sent, and then it arrives as one write (one marker step); an error sends nothing."""

import threading
from pathlib import Path

import pytest

from kg.links.lexicon import PATHS, note_names_query
from kg.links.linker import link_states
from kg.store.node_values import values_by_node
from kg.store.quad_store import OxigraphStore, select
from kg.store.staged_store import MAX_GRAPHS, StagedStore, select_local

MLKG = "https://w3id.org/mlkg/ontology#"
NOTE = "https://w3id.org/mlkg/id/note/"
CONCERN = "https://w3id.org/mlkg/id/concern/label-delay"


def _note(name: str, title: str, alias: str | None = None) -> str:
    iri = f"<{NOTE}{name}>"
    lines = [
        f'{iri} <{MLKG}path> "{name}.md" .',
        f'{iri} <{MLKG}contentHash> "hash-of-{name}" .',
        f'{iri} <http://purl.org/dc/terms/title> "{title}" .',
        f'<{CONCERN}> <http://www.w3.org/2000/01/rdf-schema#label> "Label delay ({name})" .',
    ]
    if alias:
        lines.append(f'{iri} <http://www.w3.org/2004/02/skos/core#altLabel> "{alias}" .')
    return "\n".join(lines)


def _links(name: str, state: str) -> str:
    graph = f"<https://w3id.org/mlkg/id/links/{name}>"
    return f'{graph} <{MLKG}linkState> "{state}" .\n<{NOTE}{name}> <{MLKG}discusses> <{CONCERN}> .'


def _reads(store: StagedStore) -> object:
    """What the linker reads, through the calls it makes."""
    names = [select_local(store, note_names_query(f"{NOTE}{n}")) for n in ("a", "b", "c")]
    labels = values_by_node(store, "?node rdfs:label ?value", [CONCERN], one_graph=True)
    paths = sorted(tuple(sorted(row.items())) for row in select_local(store, PATHS))
    return (store.note_hashes(), store.note_paths([f"{NOTE}b", f"{NOTE}c"]), names, labels, paths, link_states(store))


@pytest.fixture
def store(tmp_path: Path) -> StagedStore:
    base = OxigraphStore(tmp_path / "store")
    base.replace_graphs({f"{NOTE}a": _note("a", "Old A"), f"{NOTE}b": _note("b", "B", "Bee")})
    base.replace_graphs({"https://w3id.org/mlkg/id/links/b": _links("b", "s1")})
    return StagedStore(base)


def test_staged_reads_equal_the_reads_after_the_write(store: StagedStore) -> None:
    before = store.change_marker()
    with store.staging():
        store.replace_graphs({f"{NOTE}a": _note("a", "New A", "Ay"), f"{NOTE}c": _note("c", "C")})
        store.drop_graphs([f"{NOTE}b", "https://w3id.org/mlkg/id/links/b"])
        store.replace_graphs({"https://w3id.org/mlkg/id/links/c": _links("c", "s2")})
        staged = _reads(store)
        assert store.base.change_marker() == before  # nothing reached the store yet
        assert f"{NOTE}b" in store.base.note_hashes()
        assert store.graph_triples(f"{NOTE}b") == set()
    assert store.change_marker().generation == before.generation + 1  # one write
    assert _reads(store) == staged
    hashes, _, names, labels, paths, states = staged  # type: ignore[misc]
    assert {k: v for k, v in hashes.items() if k.startswith(NOTE)} == {f"{NOTE}a": "hash-of-a", f"{NOTE}c": "hash-of-c"}
    assert names[0] == [{"p": "a.md", "t": "New A", "a": "Ay"}] and names[1] == []
    assert labels == {CONCERN: ["Label delay (a)", "Label delay (c)"]}
    assert [dict(p)["t"] for p in paths] == ["New A", "C"]
    assert states == {"https://w3id.org/mlkg/id/links/c": "s2"}


def test_an_error_while_staging_sends_nothing(store: StagedStore) -> None:
    before = store.change_marker()
    with pytest.raises(RuntimeError), store.staging():
        store.replace_graphs({f"{NOTE}c": _note("c", "C")})
        raise RuntimeError("the linker failed")
    assert store.change_marker() == before and f"{NOTE}c" not in store.note_hashes()


def test_any_other_read_sends_what_is_staged_first(store: StagedStore) -> None:
    before = store.change_marker().generation
    with store.staging():
        store.replace_graphs({f"{NOTE}c": _note("c", "C")})
        rows = select(store, f"SELECT ?t WHERE {{ <{NOTE}c> <http://purl.org/dc/terms/title> ?t }}")
        assert rows == [{"t": "C"}] and store.base.change_marker().generation == before + 1
    assert store.change_marker().generation == before + 1  # nothing was left to send


def test_a_bulk_write_goes_in_batches(store: StagedStore) -> None:
    before = store.change_marker().generation
    with store.staging():
        for i in range(MAX_GRAPHS + 1):
            store.replace_graphs({f"{NOTE}n{i}": _note(f"n{i}", f"N{i}")})
        assert store.base.change_marker().generation == before + 1
        store.replace_graphs({f"{NOTE}last": _note("last", "Last")})
        assert len(store.note_paths()) == MAX_GRAPHS + 4  # a read of a bulk write sends the rest first
        assert store.base.change_marker().generation == before + 2
    assert store.change_marker().generation == before + 2


def test_outside_staging_writes_go_straight_through(store: StagedStore) -> None:
    before = store.change_marker().generation
    store.replace_graphs({f"{NOTE}c": _note("c", "C")})
    assert store.base.change_marker().generation == before + 1 and f"{NOTE}c" in store.base.note_hashes()


def test_other_threads_read_the_store_as_it_is_and_send_nothing(store: StagedStore) -> None:
    before = store.change_marker()
    seen: list[object] = []

    def reader() -> None:
        rows = select(store, f"SELECT ?t WHERE {{ <{NOTE}c> <http://purl.org/dc/terms/title> ?t }}")
        seen.extend([rows, f"{NOTE}c" in store.note_hashes(), store.graph_triples(f"{NOTE}c"), store.change_marker()])
        store.send()

    with store.staging():
        store.replace_graphs({f"{NOTE}c": _note("c", "C")})
        thread = threading.Thread(target=reader)
        thread.start()
        thread.join()
        assert f"{NOTE}c" in store.note_hashes()  # the writer's own reads see it
    assert seen == [[], False, set(), before]
    assert store.change_marker().generation == before.generation + 1 and f"{NOTE}c" in store.note_hashes()
