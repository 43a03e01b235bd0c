"""N-Triples: the text the store's updates take, and triples read back as terms to compare."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:  # the importer's rdflib terms; reading the store never loads rdflib
    from rdflib import Literal, URIRef

Triple = tuple["URIRef", "URIRef", "URIRef | Literal"]


def to_ntriples(triples: Iterable[Triple]) -> str:
    return "\n".join(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in triples)


def parse_terms(ntriples: str) -> set[tuple[str, str, str]]:
    """N-Triples text as triples of terms in N-Triples syntax (as `Store.graph_triples` gives them)."""
    parsed = ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in parsed}


def iris_in(triples: set[tuple[str, str, str]]) -> set[str]:
    """The IRIs in subject or object position."""
    return {term[1:-1] for s, _, o in triples for term in (s, o) if term.startswith("<")}
