"""A query that names its dataset is parsed by rdflib to find out, and that parse leaves none of the
caller's Oxigraph results in a reference cycle (a collection on another thread could not free them)."""

import gc
import uuid
from pathlib import Path

import pyoxigraph as ox

from kg.store.quad_store import OxigraphStore
from kg.store.query_dataset import names_own_dataset


def test_from_clauses_are_found_by_parsing_not_by_the_word() -> None:
    assert names_own_dataset("SELECT ?s FROM <urn:g> WHERE { ?s ?p ?o }")
    assert not names_own_dataset('SELECT ?s WHERE { ?s ?p "from here" }')
    assert not names_own_dataset("SELECT ?s FROM WHERE {")  # rdflib cannot parse it: Oxigraph will say why


def test_parsing_leaves_no_oxigraph_result_in_a_reference_cycle(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")

    def run_query() -> int:
        result = store.query(f"SELECT ?s FROM <urn:{uuid.uuid4()}> WHERE {{ ?s ?p ?o }}")  # not parsed before
        return len(list(result))

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert run_query() == 0
        gc.collect()
        kept = [o for o in gc.garbage if isinstance(o, ox.QuerySolutions)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert kept == []
