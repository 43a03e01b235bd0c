"""Reading a note's links back: each concept it discusses, how the link was found and why."""

from typing import Any

from kg.store.node_values import values_by_node
from kg.store.quad_store import Store, select

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
    found: dict[str, dict[str, Any]] = {}
    for row in select(store, DISCUSSIONS % {"note": note}, default_graphs=[note, links_graph]):
        concept = row["concept"]
        entry = found.setdefault(concept, {"iri": concept, "label": "", "method": "table", "score": 1.0})
        if "method" in row:
            entry |= {
                "method": row["method"],
                "score": float(row["score"]),
                "evidence": row["evidence"],
                "line": int(row["line"]),
            }
    labels = values_by_node(store, "?node rdfs:label ?value", sorted(found)) if found else {}
    for concept, entry in found.items():
        entry["label"] = min(labels.get(concept, [""]), key=len)
    return list(found.values())
