"""Validate what is already in the store, note graph by note graph (each with its links)."""

import pyoxigraph as ox
from rdflib import Graph

from ingest.validation import default_validator
from kg.errors import Problem
from kg.iris import links_graph_iri
from kg.store.quad_store import Store, as_bytes

TARGETS = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
CONSTRUCT { ?c a skos:Concept . ?n a mlkg:Note ; dcterms:title ?title } WHERE {
  { GRAPH ?g { ?s mlkg:discusses ?c } VALUES ?g { %(graphs)s } ?c a skos:Concept }
  UNION
  { GRAPH ?g { ?s mlkg:relatedNote ?n } VALUES ?g { %(graphs)s } ?n a mlkg:Note ; dcterms:title ?title }
}"""


def _graph(store: Store, query: str, graphs: list[str] | None = None) -> Graph:
    triples = store.query(query, default_graphs=graphs)
    assert isinstance(triples, ox.QueryTriples)
    return Graph().parse(data=as_bytes(triples.serialize(format=ox.RdfFormat.N_TRIPLES)), format="nt")


def validate_store(store: Store) -> list[Problem]:
    """SHACL problems of every imported note's graph and its links, located by the note's path and line.

    What a note links to is checked against the whole store: a concept another note defines is a
    concept here too, and a linked note has its title."""
    validator = default_validator()
    problems: list[Problem] = []
    for iri, path in sorted(store.note_paths().items(), key=lambda item: item[1]):
        graphs = [iri, links_graph_iri(iri)]
        graph = _graph(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", graphs)
        graph += _graph(store, TARGETS % {"graphs": " ".join(f"<{g}>" for g in graphs)})
        problems.extend(validator.check(graph, path))
    return problems
