"""Whether a SPARQL query names its own dataset (FROM / FROM NAMED), which then replaces the union default."""

import re
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

_MAY_NAME = re.compile(r"\bfrom\b", re.IGNORECASE)


def names_own_dataset(sparql: str) -> bool:
    """True when the query has a FROM or FROM NAMED clause; a query rdflib cannot parse counts as not."""
    return bool(_MAY_NAME.search(sparql)) and _parsed_dataset(sparql)


@lru_cache(maxsize=256)
def _parsed_dataset(sparql: str) -> bool:
    # pyparsing leaves its backtracking exceptions in reference cycles with its frames, and through
    # them our callers' frames, Oxigraph results included, would live until a collection on whatever
    # thread runs it, which may not free them; on a thread of its own the cycles hold only its frames
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-dataset") as parser:
        return parser.submit(_names_dataset, sparql).result()


def _names_dataset(sparql: str) -> bool:
    # the parser takes ~0.2 s to import; most queries never need it
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        tree = parseQuery(sparql)
    except (ParseBaseException, ValueError, TypeError):
        return False  # Oxigraph has the last word on syntax; such a query keeps the union default
    return any(isinstance(part, CompValue) and "datasetClause" in part for part in tree[1:])
