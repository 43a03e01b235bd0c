"""SPARQL result formats: names, media types and serialisation of Oxigraph results."""

import pyoxigraph as ox

from kg.errors import BadRequest
from kg.store.formats import GRAPH, TABULAR
from kg.store.quad_store import QueryResult, as_bytes


def is_graph_result(result: QueryResult) -> bool:
    return isinstance(result, ox.QueryTriples)


def serialize(result: QueryResult, fmt: str) -> bytes:
    """Serialise a result in a named format; a format that does not fit the query is a 400."""
    if isinstance(result, ox.QueryTriples):
        if fmt not in GRAPH:
            raise BadRequest(f"format {fmt!r} is for SELECT and ASK; use one of {', '.join(GRAPH)}")
        return as_bytes(result.serialize(format=GRAPH[fmt]))
    if fmt not in TABULAR:
        raise BadRequest(f"format {fmt!r} is for CONSTRUCT and DESCRIBE; use one of {', '.join(TABULAR)}")
    return as_bytes(result.serialize(format=TABULAR[fmt]))


def term_text(term: object) -> str:
    """A term as a person reads it: IRIs and literal values without quotes."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal | ox.NamedNode):
        return term.value
    return str(term)


def rows(result: ox.QuerySolutions) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a SELECT result, as text."""
    header = [variable.value for variable in result.variables]
    return header, [[term_text(solution[name]) for name in header] for solution in result]
