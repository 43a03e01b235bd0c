"""Validate what is already in the store, note graph by note graph."""

import pyoxigraph as ox
from rdflib import Graph

from ingest.validation import default_validator
from kg.errors import Problem
from kg.store import Store, as_bytes


def validate_store(store: Store) -> list[Problem]:
    """SHACL problems of every imported note's graph, located by the note's path and line."""
    validator = default_validator()
    problems: list[Problem] = []
    for iri, path in sorted(store.note_paths().items(), key=lambda item: item[1]):
        triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graphs=[iri])
        assert isinstance(triples, ox.QueryTriples)
        graph = Graph().parse(data=as_bytes(triples.serialize(format=ox.RdfFormat.N_TRIPLES)), format="nt")
        problems.extend(validator.check(graph, path))
    return problems
