"""Single-pattern lookups: node -> its distinct values for one pattern, over the union graph.

A node asserted by many notes appears once per note graph in the union, so the callers join
several of these in Python rather than joining patterns in SPARQL, which multiplies duplicates.
"""

from collections import defaultdict

from kg.store.quad_store import Store, iri_values, select
from kg.store.staged_store import GraphLocal, select_local

PREFIXES = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def values_by_node(
    store: Store, pattern: str, iris: list[str] | None = None, one_graph: bool = False
) -> dict[str, list[str]]:
    """`?node -> sorted distinct ?value` for a pattern, for every node or only for `iris`.

    `one_graph`: each match lies in one graph (a single triple pattern), so a write being staged
    is read as if it were stored (kg/store/staged_store.py)."""
    values = iri_values("node", iris) if iris is not None else ""
    query = GraphLocal("SELECT DISTINCT ?node ?value", f"{values} {pattern}", prefixes=PREFIXES)
    found: dict[str, list[str]] = defaultdict(list)
    for row in select_local(store, query) if one_graph else select(store, query.text()):
        found[row["node"]].append(row["value"])
    return {node: sorted(v) for node, v in found.items()}


def values_by_name(store: Store, lookups: dict[str, tuple[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    """Several `values_by_node` lookups (name -> pattern and nodes) in one query: one round trip to the store."""
    asked = {name: (pattern, iris) for name, (pattern, iris) in lookups.items() if iris}
    found: dict[str, dict[str, list[str]]] = {name: defaultdict(list) for name in lookups}
    if asked:
        branches = " UNION ".join(
            f'{{ {iri_values("node", iris)} {pattern} BIND("{name}" AS ?lookup) }}'
            for name, (pattern, iris) in asked.items()
        )
        for row in select(store, f"{PREFIXES}SELECT DISTINCT ?lookup ?node ?value WHERE {{ {branches} }}"):
            found[row["lookup"]][row["node"]].append(row["value"])
    return {name: {node: sorted(v) for node, v in per.items()} for name, per in found.items()}
