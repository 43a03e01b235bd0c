"""What the graph says around a hit: its stage and step, who discusses it, solutions, sources."""

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from kg.graph_view import GraphView
from kg.store import Store

PREFIXES = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
QUERIES = {
    "step": "?node mlkg:step ?iri . ?iri rdfs:label ?label",
    "stage": "{ ?node mlkg:stage ?iri } UNION { ?node mlkg:step/mlkg:stage ?iri } ?iri rdfs:label ?label",
    "definition": "?node skos:definition ?label BIND(?node AS ?iri)",
    "papers": "?iri mlkg:discusses ?node ; a mlkg:Paper . OPTIONAL { ?iri dcterms:title ?label } "
    "OPTIONAL { ?iri dcterms:identifier ?extra }",
    "notes": "?iri mlkg:discusses ?node ; a mlkg:Note ; dcterms:title ?label ; mlkg:path ?extra",
    "solutions": "?iri mlkg:mitigates ?node ; rdfs:label ?label",
    "mitigates": "?node mlkg:mitigates ?iri . ?iri rdfs:label ?label",
    "sources": "?node prov:qualifiedDerivation ?d . ?d prov:entity ?iri ; mlkg:line ?line . "
    "?iri mlkg:path ?extra ; dcterms:title ?label OPTIONAL { ?d mlkg:field ?field }",
}


def _rows(store: Store, iris: list[str], pattern: str) -> list[dict[str, str]]:
    values = " ".join(f"<{iri}>" for iri in iris)
    query = f"{PREFIXES}SELECT DISTINCT * WHERE {{ VALUES ?node {{ {values} }} {pattern} }}"
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def _item(name: str, row: dict[str, str]) -> dict[str, Any]:
    if name == "papers":
        return {"iri": row["iri"], "title": row.get("label", ""), "identifier": row.get("extra", "")}
    if name == "notes":
        return {"iri": row["iri"], "title": row["label"], "path": row["extra"]}
    if name == "sources":
        field = row.get("field", "").rsplit("#", 1)[-1] or "node"
        return {
            "note": row["iri"],
            "title": row["label"],
            "path": row["extra"],
            "line": int(row["line"]),
            "field": field,
        }
    return {"iri": row["iri"], "label": row["label"]}


def graph_context(store: Store, view: GraphView, iris: list[str]) -> dict[str, dict[str, Any]]:
    """Context of each IRI: stage, step, definition, papers, notes, solutions, related, sources."""
    context: dict[str, dict[str, Any]] = {iri: defaultdict(list) for iri in iris}
    if not iris:
        return {}
    for name, pattern in QUERIES.items():
        for row in _rows(store, iris, pattern):
            context[row["node"]][name].append(_item(name, row))
    out: dict[str, dict[str, Any]] = {}
    for iri, found in context.items():
        entry: dict[str, Any] = {
            "stage": (found.get("stage") or [None])[0],
            "step": (found.get("step") or [None])[0],
            "definition": " ".join(sorted(d["label"] for d in found.get("definition", []))),
        }
        for name in ("papers", "notes", "solutions", "mitigates"):
            entry[name] = sorted(
                found.get(name, []), key=lambda item: item.get("title") or item.get("label", "")
            )
        entry["sources"] = sorted(found.get("sources", []), key=lambda s: (s["path"], s["line"], s["field"]))
        entry["related"] = [
            {"iri": r, "label": view.label(r), "reason": why} for r, why in view.related_concerns(iri)
        ]
        out[iri] = entry
    return out
