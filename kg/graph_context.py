"""What the graph says around a hit: its stage and step, who discusses it, solutions, sources.

Links and the names of what they point to are fetched by separate single-pattern queries and
joined here: a node asserted by many notes appears once per note graph in the union, so a
SPARQL join of two such patterns would multiply the duplicates.
"""

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from kg.graph_view import GraphView
from kg.iris import kind_of
from kg.store import Store

PREFIXES = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
LINKS = {
    "up": "?node mlkg:step|mlkg:stage ?value",
    "discussed_by": "?value mlkg:discusses ?node",
    "solutions": "?value mlkg:mitigates ?node",
    "mitigates": "?node mlkg:mitigates ?value",
    "definition": "?node skos:definition ?value",
}
ATTRIBUTES = {
    "label": "?node rdfs:label|dcterms:title ?value",
    "identifier": "?node dcterms:identifier ?value",
    "path": "?node mlkg:path ?value",
}
SOURCES = """SELECT DISTINCT ?node ?note ?line ?field WHERE {
  VALUES ?node { %s }
  ?node prov:qualifiedDerivation ?d . ?d prov:entity ?note ; mlkg:line ?line .
  OPTIONAL { ?d mlkg:field ?field }
}"""


def _pairs(store: Store, iris: list[str], pattern: str) -> dict[str, list[str]]:
    values = " ".join(f"<{iri}>" for iri in iris)
    result = store.query(
        f"{PREFIXES}SELECT DISTINCT ?node ?value WHERE {{ VALUES ?node {{ {values} }} {pattern} }}"
    )
    assert isinstance(result, ox.QuerySolutions)
    found: dict[str, list[str]] = defaultdict(list)
    for row in result:
        found[row["node"].value].append(row["value"].value)
    return {node: sorted(v) for node, v in found.items()}


def _sources(store: Store, iris: list[str]) -> dict[str, list[dict[str, Any]]]:
    result = store.query(PREFIXES + SOURCES % " ".join(f"<{iri}>" for iri in iris))
    assert isinstance(result, ox.QuerySolutions)
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in result:
        field = row["field"].value.rsplit("#", 1)[-1] if row["field"] is not None else "node"
        found[row["node"].value].append(
            {"note": row["note"].value, "line": int(row["line"].value), "field": field}
        )
    return found


class _Names:
    """Labels, identifiers, paths and stages of the IRIs the links point to."""

    def __init__(self, store: Store, iris: set[str]) -> None:
        ordered = sorted(iris)
        self.attributes = (
            {name: _pairs(store, ordered, p) for name, p in ATTRIBUTES.items()} if ordered else {}
        )

    def get(self, name: str, iri: str) -> str:
        values = self.attributes.get(name, {}).get(iri, [])
        return max(values, key=len) if values else ""

    def ref(self, iri: str) -> dict[str, str]:
        return {"iri": iri, "label": self.get("label", iri)}


def _entry(
    iri: str,
    links: dict[str, dict[str, list[str]]],
    names: _Names,
    view: GraphView,
    sources: list[dict[str, Any]],
) -> dict[str, Any]:
    up = links["up"].get(iri, [])
    step = next((u for u in up if kind_of(u) == "step"), None)
    stage = next((u for u in up if kind_of(u) == "stage"), None)
    if stage is None and step is not None:
        stage = next(iter(links["stage_of_step"].get(step, [])), None)
    discussed = links["discussed_by"].get(iri, [])
    return {
        "stage": names.ref(stage) if stage else None,
        "step": names.ref(step) if step else None,
        "definition": " ".join(links["definition"].get(iri, [])),
        "papers": [
            {"iri": p, "title": names.get("label", p), "identifier": names.get("identifier", p)}
            for p in discussed
            if kind_of(p) == "paper"
        ],
        "notes": [
            {"iri": n, "title": names.get("label", n), "path": names.get("path", n)}
            for n in discussed
            if kind_of(n) == "note"
        ],
        "solutions": [names.ref(s) for s in links["solutions"].get(iri, [])],
        "mitigates": [names.ref(c) for c in links["mitigates"].get(iri, [])],
        "related": [
            {"iri": r, "label": view.label(r), "reason": why} for r, why in view.related_concerns(iri)
        ],
        "sources": sorted(
            (
                {**s, "title": names.get("label", s["note"]), "path": names.get("path", s["note"])}
                for s in sources
            ),
            key=lambda s: (s["path"], s["line"], s["field"]),
        ),
    }


def graph_context(store: Store, view: GraphView, iris: list[str]) -> dict[str, dict[str, Any]]:
    """Context of each IRI: stage, step, definition, papers, notes, solutions, related, sources."""
    if not iris:
        return {}
    links = {name: _pairs(store, iris, pattern) for name, pattern in LINKS.items()}
    steps = sorted({u for ups in links["up"].values() for u in ups if kind_of(u) == "step"})
    links["stage_of_step"] = _pairs(store, steps, "?node mlkg:stage ?value") if steps else {}
    sources = _sources(store, iris)
    referenced = {
        v for name, found in links.items() if name != "definition" for vs in found.values() for v in vs
    }
    referenced |= {s["note"] for found in sources.values() for s in found}
    names = _Names(store, referenced)
    return {iri: _entry(iri, links, names, view, sources.get(iri, [])) for iri in iris}
