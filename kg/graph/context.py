"""What the graph says around a hit: its stage and step, who discusses it, solutions, sources.

Links and the names of what they point to are fetched by separate single-pattern queries and
joined here: a node asserted by many notes appears once per note graph in the union, so a
SPARQL join of two such patterns would multiply the duplicates.
"""

from typing import Any

import pyoxigraph as ox

from kg.graph.view import GraphView
from kg.iris import kind_of
from kg.store.node_values import PREFIXES, values_by_node
from kg.store.quad_store import Store

LIST_CAP = 20
LINKS = {
    "up": "?node mlkg:step|mlkg:stage ?value",
    "definition": "?node skos:definition ?value",
}
CAPPED_LINKS = {
    "papers": '?value mlkg:discusses ?node FILTER(STRSTARTS(STR(?value), "https://w3id.org/mlkg/id/paper/"))',
    "notes": '?value mlkg:discusses ?node FILTER(STRSTARTS(STR(?value), "https://w3id.org/mlkg/id/note/"))',
    "solutions": "?value mlkg:mitigates ?node",
    "mitigates": "?node mlkg:mitigates ?value",
}
ATTRIBUTES = {
    "label": "?node rdfs:label|dcterms:title ?value",
    "identifier": "?node dcterms:identifier ?value",
    "path": "?node mlkg:path ?value",
}
SOURCES = """SELECT DISTINCT ?note ?line ?field WHERE {
  <%s> prov:qualifiedDerivation ?d . ?d prov:entity ?note ; mlkg:line ?line .
  OPTIONAL { ?d mlkg:field ?field }
} LIMIT %d"""
COUNT = "SELECT (COUNT(DISTINCT ?value) AS ?n) WHERE { %s }"


def _count(store: Store, iri: str, pattern: str) -> int:
    result = store.query(PREFIXES + COUNT % pattern.replace("?node", f"<{iri}>"))
    assert isinstance(result, ox.QuerySolutions)
    return int(next(iter(result))["n"].value)


def _capped(store: Store, iri: str, pattern: str) -> tuple[list[str], int]:
    """Up to LIST_CAP values for one node (sorted), and how many there are in all.

    No ORDER BY in SPARQL: sorting thousands of matches costs 100x more than streaming the first
    ones, which Oxigraph returns in the same (index) order for the same store.
    """
    query = f"{PREFIXES}SELECT DISTINCT ?value WHERE {{ {pattern.replace('?node', f'<{iri}>')} }}"
    result = store.query(f"{query} LIMIT {LIST_CAP}")
    assert isinstance(result, ox.QuerySolutions)
    values = sorted(row["value"].value for row in result)
    return values, (len(values) if len(values) < LIST_CAP else _count(store, iri, pattern))


def _sources(store: Store, iri: str) -> tuple[list[dict[str, Any]], int]:
    result = store.query(PREFIXES + SOURCES % (iri, LIST_CAP))
    assert isinstance(result, ox.QuerySolutions)
    found = sorted(
        (
            {
                "note": row["note"].value,
                "line": int(row["line"].value),
                "field": row["field"].value.rsplit("#", 1)[-1] if row["field"] is not None else "node",
            }
            for row in result
        ),
        key=lambda s: (s["note"], s["line"], s["field"]),
    )
    pattern = "?node prov:qualifiedDerivation ?value"
    return found, (len(found) if len(found) < LIST_CAP else _count(store, iri, pattern))


class _Names:
    """Labels, identifiers, paths and stages of the IRIs the links point to."""

    def __init__(self, store: Store, iris: set[str]) -> None:
        ordered = sorted(iris)
        self.attributes = {name: values_by_node(store, p, ordered) for name, p in ATTRIBUTES.items()} if ordered else {}

    def get(self, name: str, iri: str) -> str:
        values = self.attributes.get(name, {}).get(iri, [])
        return max(values, key=len) if values else ""

    def ref(self, iri: str) -> dict[str, str]:
        return {"iri": iri, "label": self.get("label", iri)}


def _entry(
    iri: str,
    links: dict[str, dict[str, list[str]]],
    capped: dict[str, tuple[list[str], int]],
    names: _Names,
    view: GraphView,
    sources: tuple[list[dict[str, Any]], int],
) -> dict[str, Any]:
    up = links["up"].get(iri, [])
    step = next((u for u in up if kind_of(u) == "step"), None)
    stage = next((u for u in up if kind_of(u) == "stage"), None)
    if stage is None and step is not None:
        stage = next(iter(links["stage_of_step"].get(step, [])), None)
    papers, notes = capped["papers"][0], capped["notes"][0]
    return {
        "stage": names.ref(stage) if stage else None,
        "step": names.ref(step) if step else None,
        "definition": " ".join(links["definition"].get(iri, [])),
        "papers": [
            {"iri": p, "title": names.get("label", p), "identifier": names.get("identifier", p)} for p in papers
        ],
        "notes": [{"iri": n, "title": names.get("label", n), "path": names.get("path", n)} for n in notes],
        "solutions": [names.ref(s) for s in capped["solutions"][0]],
        "mitigates": [names.ref(c) for c in capped["mitigates"][0]],
        "related": [{"iri": r, "label": view.label(r), "reason": why} for r, why in view.related_concerns(iri)],
        "sources": [
            {**s, "title": names.get("label", s["note"]), "path": names.get("path", s["note"])} for s in sources[0]
        ],
        "counts": {name: capped[name][1] for name in ("papers", "notes")} | {"sources": sources[1]},
    }


def graph_context(store: Store, view: GraphView, iris: list[str]) -> dict[str, dict[str, Any]]:
    """Context of each IRI: stage, step, definition, papers, notes, solutions, related, sources.

    Lists hold at most LIST_CAP entries (the first by IRI); `counts` gives the full numbers, since
    a stage can be discussed by thousands of notes.
    """
    if not iris:
        return {}
    links = {name: values_by_node(store, pattern, iris) for name, pattern in LINKS.items()}
    steps = sorted({u for ups in links["up"].values() for u in ups if kind_of(u) == "step"})
    links["stage_of_step"] = values_by_node(store, "?node mlkg:stage ?value", steps) if steps else {}
    capped = {iri: {name: _capped(store, iri, p) for name, p in CAPPED_LINKS.items()} for iri in iris}
    sources = {iri: _sources(store, iri) for iri in iris}
    referenced = {u for name in ("up", "stage_of_step") for vs in links[name].values() for u in vs}
    referenced |= {v for per in capped.values() for values, _ in per.values() for v in values}
    referenced |= {s["note"] for found, _ in sources.values() for s in found}
    names = _Names(store, referenced)
    return {iri: _entry(iri, links, capped[iri], names, view, sources[iri]) for iri in iris}
