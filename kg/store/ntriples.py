"""rdflib triples as the N-Triples text the store's updates take."""

from collections.abc import Iterable

from rdflib import Literal, URIRef

Triple = tuple[URIRef, URIRef, URIRef | Literal]


def to_ntriples(triples: Iterable[Triple]) -> str:
    return "\n".join(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in triples)
