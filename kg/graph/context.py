"""What the graph says around a hit: its stage and step, who discusses it, solutions, sources.

Links and labels come from the in-memory graph view, which holds the same edges as the store;
the store is asked only for what the view does not keep: definitions, identifiers and paths of the
papers and notes shown, and the note lines each fact came from: two queries for all hits, and a
count for each hit with more sources than a list shows.
"""

from typing import Any

from kg.graph.view import GraphView
from kg.store.node_values import PREFIXES, values_by_name
from kg.store.quad_store import Store, iri_term, select

LIST_CAP = 20
CAPPED_LINKS = {
    "papers": '?value mlkg:discusses ?node FILTER(STRSTARTS(STR(?value), "https://w3id.org/mlkg/id/paper/"))',
    "notes": '?value mlkg:discusses ?node FILTER(STRSTARTS(STR(?value), "https://w3id.org/mlkg/id/note/"))',
}
"""The same links as SPARQL patterns, for readers that have no view (the lifecycle overview)."""
SOURCES = """{ SELECT DISTINCT ?hit ?note ?line ?field WHERE {
  BIND(<%s> AS ?hit) ?hit prov:qualifiedDerivation ?d . ?d prov:entity ?note ; mlkg:line ?line .
  OPTIONAL { ?d mlkg:field ?field }
} LIMIT %d }"""
"""One hit's first note lines, as a branch of one query for every hit."""
COUNT = "SELECT (COUNT(DISTINCT ?value) AS ?n) WHERE { %s }"


def _count(store: Store, iri: str, pattern: str) -> int:
    return int(select(store, PREFIXES + COUNT % pattern.replace("?node", f"<{iri}>"))[0]["n"])


def _sources(store: Store, iris: list[str]) -> dict[str, tuple[list[dict[str, Any]], int]]:
    """The first LIST_CAP note lines each node came from, in one query (no ORDER BY: sorting
    thousands costs 100x more), and how many there are in all."""
    branches = " UNION ".join(SOURCES % (iri_term(iri)[1:-1], LIST_CAP) for iri in iris)
    lines: dict[str, list[dict[str, Any]]] = {iri: [] for iri in iris}
    for row in select(store, f"{PREFIXES}SELECT ?hit ?note ?line ?field WHERE {{ {branches} }}"):
        field = row["field"].rsplit("#", 1)[-1] if "field" in row else "node"
        lines[row["hit"]].append({"note": row["note"], "line": int(row["line"]), "field": field})
    pattern = "?node prov:qualifiedDerivation ?value"
    found = {}
    for iri, rows in lines.items():
        rows.sort(key=lambda s: (s["note"], s["line"], s["field"]))
        found[iri] = (rows, len(rows) if len(rows) < LIST_CAP else _count(store, iri, pattern))
    return found


def _place(view: GraphView, iri: str) -> tuple[str | None, str | None]:
    """The step and stage a node sits under."""
    step = next(iter(view.targets(iri, "step")), None)
    stage = next(iter(view.targets(iri, "stage")), None)
    if stage is None and step is not None:
        stage = next(iter(view.targets(step, "stage")), None)
    return step, stage


def _links(view: GraphView, iri: str) -> dict[str, list[str]]:
    return {
        "papers": view.sources(iri, "discusses", "paper"),
        "notes": view.sources(iri, "discusses", "note"),
        "solutions": view.sources(iri, "mitigates"),
        "mitigates": view.targets(iri, "mitigates"),
    }


def _entry(
    iri: str,
    view: GraphView,
    links: dict[str, list[str]],
    extra: dict[str, dict[str, list[str]]],
    sources: tuple[list[dict[str, Any]], int],
) -> dict[str, Any]:
    step, stage = _place(view, iri)

    def ref(node: str) -> dict[str, str]:
        return {"iri": node, "label": view.label(node)}

    def first(name: str, node: str) -> str:
        values = extra[name].get(node, [])
        return max(values, key=len) if values else ""

    def title(node: str) -> str:
        return first("title", node) or view.label(node)

    return {
        "stage": ref(stage) if stage else None,
        "step": ref(step) if step else None,
        # what the notes say the node is, else what the vocabulary says it covers
        "definition": " ".join(extra["definition"].get(iri, []) or extra["scope"].get(iri, [])),
        "papers": [
            {"iri": p, "title": title(p), "identifier": first("identifier", p)} for p in links["papers"][:LIST_CAP]
        ],
        "notes": [{"iri": n, "title": title(n), "path": first("path", n)} for n in links["notes"][:LIST_CAP]],
        "solutions": [ref(s) for s in links["solutions"][:LIST_CAP]],
        "mitigates": [ref(c) for c in links["mitigates"][:LIST_CAP]],
        "related": [{"iri": r, "label": view.label(r), "reason": why} for r, why in view.related_concerns(iri)],
        "sources": [{**s, "title": title(s["note"]), "path": first("path", s["note"])} for s in sources[0]],
        "counts": {"papers": len(links["papers"]), "notes": len(links["notes"]), "sources": sources[1]},
    }


def graph_context(store: Store, view: GraphView, iris: list[str]) -> dict[str, dict[str, Any]]:
    """Context of each IRI: stage, step, definition, papers, notes, solutions, related, sources.

    Lists hold at most LIST_CAP entries (the first by IRI); `counts` gives the full numbers, since
    a stage can be discussed by thousands of notes.
    """
    if not iris:
        return {}
    links = {iri: _links(view, iri) for iri in iris}
    sources = _sources(store, iris)
    shown = {n for per in links.values() for name in ("papers", "notes") for n in per[name][:LIST_CAP]}
    shown |= {s["note"] for found, _ in sources.values() for s in found}
    named = sorted(shown)
    extra = values_by_name(
        store,
        {
            "definition": ("?node skos:definition ?value", iris),
            "scope": ("?node skos:scopeNote ?value", iris),
            "identifier": ("?node dcterms:identifier ?value", named),
            "path": ("?node mlkg:path ?value", named),
            "title": ("?node dcterms:title ?value", named),
        },
    )
    return {iri: _entry(iri, view, links[iri], extra, sources[iri]) for iri in iris}
