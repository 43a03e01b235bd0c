"""The one place that decides what text stands for each node in search and linking."""

import hashlib
from dataclasses import dataclass, field

from kg.store.node_values import values_by_node
from kg.store.quad_store import Store

KIND_OF_CLASS = {
    "Stage": "stage",
    "Step": "step",
    "Concern": "concern",
    "Solution": "solution",
    "Paper": "paper",
    "Note": "note",
}
# Each query has a single pattern and DISTINCT: a node asserted by many notes appears once per
# note graph in the union, so joining two such patterns in SPARQL multiplies the duplicates.
NODES = "?node a ?value . VALUES ?value { mlkg:Stage mlkg:Step mlkg:Concern mlkg:Solution mlkg:Paper mlkg:Note }"
# for a few given nodes, a FILTER is 25x faster: Oxigraph would join the VALUES of classes first
SOME_NODES = (
    "?node a ?value FILTER(?value IN (mlkg:Stage, mlkg:Step, mlkg:Concern, mlkg:Solution, mlkg:Paper, mlkg:Note))"
)
PATTERNS = {
    "labels": "?node rdfs:label|dcterms:title ?value",
    "synonyms": "?node skos:altLabel|skos:hiddenLabel ?value",
    "definitions": "?node skos:definition|skos:scopeNote ?value",
    "parents": "?node mlkg:step|mlkg:stage ?value",
    "mitigates": "?node mlkg:mitigates ?value",
    "extras": "?node mlkg:tag|dcterms:identifier|dcterms:creator ?value",
}


MAX_DEFINITIONS = 8
"""Definitions and scope notes a node's text names (the first, sorted): a stage that thousands of
notes describe would otherwise have a text of thousands of sentences, of which the encoder reads
the first 256 tokens anyway, re-encoded whenever any of those notes changes."""


@dataclass
class NodeText:
    iri: str
    kind: str
    label: str
    text: str
    synonyms: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:32]


def compose(kind: str, label: str, parts: dict[str, list[str]]) -> str:
    """'Stage > Step > Label (synonyms): definitions. [extras]' — the text that is embedded."""
    path = parts.get("path", [])
    head = " > ".join([*path, label]) if kind in ("step", "concern") else label
    if synonyms := parts.get("synonyms"):
        head += f" ({', '.join(synonyms)})"
    body = " ".join(parts.get("definitions", [])[:MAX_DEFINITIONS])
    extras = ", ".join([*parts.get("mitigates", []), *parts.get("extras", [])])
    text = f"{head}: {body}" if body else head
    return f"{text} [{extras}]" if extras else text


def _path(iri: str, parents: dict[str, list[str]], labels: dict[str, str]) -> list[str]:
    """Labels of the step and stage above a node, top first."""
    path: list[str] = []
    node = iri
    for _ in range(2):
        above = parents.get(node)
        if not above:
            break
        node = above[0]
        path.insert(0, labels.get(node, node))
    return path


def node_texts(store: Store, iris: list[str] | None = None) -> list[NodeText]:
    """The text of every stage, step, concern, solution, paper and note (or of those among `iris`
    that are still in the graph), sorted by IRI."""
    if iris is not None and not iris:
        return []
    found = values_by_node(store, NODES if iris is None else SOME_NODES, iris)
    kinds = {iri: KIND_OF_CLASS[values[0].rsplit("#", 1)[1]] for iri, values in found.items()}
    wanted = sorted(kinds) if iris is not None else None
    parts = {name: values_by_node(store, pattern, wanted) for name, pattern in PATTERNS.items()}
    labels = _labels(parts["labels"])
    if iris is not None:
        # the step and stage above a node, and what a solution mitigates, are named in its text
        others = {v for name in ("parents", "mitigates") for vs in parts[name].values() for v in vs} - set(kinds)
        parents = values_by_node(store, PATTERNS["parents"], sorted(others)) if others else {}
        parts["parents"] |= parents
        others |= {v for vs in parents.values() for v in vs} - set(kinds)
        labels |= _labels(values_by_node(store, PATTERNS["labels"], sorted(others))) if others else {}
    texts = []
    for iri, kind in sorted(kinds.items()):
        label = labels.get(iri, "")
        mine = {name: values.get(iri, []) for name, values in parts.items()}
        mine["path"] = _path(iri, parts["parents"], labels)
        mine["mitigates"] = [labels.get(c, c) for c in mine["mitigates"]]
        texts.append(NodeText(iri, kind, label, compose(kind, label, mine), mine["synonyms"]))
    return texts


def _labels(found: dict[str, list[str]]) -> dict[str, str]:
    return {iri: max(values, key=len) for iri, values in found.items()}


def dependents(store: Store, iris: set[str]) -> set[str]:
    """Nodes whose text names one of these: the steps and concerns below them, solutions for them."""
    found: set[str] = set()
    frontier = sorted(iris)
    for _ in range(2):  # a concern's text names its step and its stage
        below = values_by_node(store, "?value mlkg:step|mlkg:stage|mlkg:mitigates ?node", frontier) if frontier else {}
        frontier = sorted({v for vs in below.values() for v in vs} - found - iris)
        found.update(frontier)
    return found
