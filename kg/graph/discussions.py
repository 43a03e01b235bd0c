"""Reading a note's links back: each concept it discusses, how the link was found and why."""

from typing import Any

import pyoxigraph as ox

from kg.store.node_values import values_by_node
from kg.store.quad_store import Store

# Only the note's own graph and its links graph say what it discusses: looking in them alone is
# ~80x faster than the union, where every concept is asserted by many notes.
DISCUSSIONS = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT DISTINCT ?concept ?method ?score ?evidence ?line WHERE {
  <%(note)s> mlkg:discusses ?concept .
  OPTIONAL { <%(note)s> mlkg:qualifiedDiscussion ?d . ?d mlkg:concept ?concept ;
             mlkg:method ?method ; mlkg:score ?score ; mlkg:evidence ?evidence ; mlkg:line ?line }
} ORDER BY ?concept"""


def discussions(store: Store, note: str, links_graph: str) -> list[dict[str, Any]]:
    """Concepts the note discusses: from its tables (method "table"), or inferred (method, score, evidence, line)."""
    rows = store.query(DISCUSSIONS % {"note": note}, default_graphs=[note, links_graph])
    assert isinstance(rows, ox.QuerySolutions)
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        concept = row["concept"].value
        entry = found.setdefault(concept, {"iri": concept, "label": "", "method": "table", "score": 1.0})
        if row["method"] is not None:
            entry |= {
                "method": row["method"].value,
                "score": float(row["score"].value),
                "evidence": row["evidence"].value,
                "line": int(row["line"].value),
            }
    labels = values_by_node(store, "?node rdfs:label ?value", sorted(found)) if found else {}
    for concept, entry in found.items():
        entry["label"] = min(labels.get(concept, [""]), key=len)
    return list(found.values())
