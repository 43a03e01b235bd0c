"""Reading a note's links back: each concept it discusses, how the link was found and why."""

from typing import Any

import pyoxigraph as ox

from kg.store.quad_store import Store

DISCUSSIONS = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?concept ?label ?method ?score ?evidence ?line WHERE {
  <%(note)s> mlkg:discusses ?concept .
  OPTIONAL { GRAPH <%(links)s> { <%(note)s> mlkg:qualifiedDiscussion ?d . ?d mlkg:concept ?concept ;
             mlkg:method ?method ; mlkg:score ?score ; mlkg:evidence ?evidence ; mlkg:line ?line } }
  OPTIONAL { ?concept rdfs:label ?label }
} ORDER BY ?concept"""


def discussions(store: Store, note: str, links_graph: str) -> list[dict[str, Any]]:
    """Concepts the note discusses: inferred ones with method, score, evidence and line."""
    rows = store.query(DISCUSSIONS % {"note": note, "links": links_graph})
    assert isinstance(rows, ox.QuerySolutions)
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        concept = row["concept"].value
        entry = found.setdefault(concept, {"iri": concept, "label": "", "method": "table", "score": 1.0})
        if row["label"] is not None:
            entry["label"] = row["label"].value
        if row["method"] is not None:
            entry |= {
                "method": row["method"].value,
                "score": float(row["score"].value),
                "evidence": row["evidence"].value,
                "line": int(row["line"].value),
            }
    return list(found.values())
