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
PATTERNS = {
    "labels": "?node rdfs:label|dcterms:title ?value",
    "synonyms": "?node skos:altLabel|skos:hiddenLabel ?value",
    "definitions": "?node skos:definition|skos:scopeNote ?value",
    "parents": "?node mlkg:step|mlkg:stage ?value",
    "mitigates": "?node mlkg:mitigates ?value",
    "extras": "?node mlkg:tag|dcterms:identifier|dcterms:creator ?value",
}


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
    body = " ".join(parts.get("definitions", []))
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


def node_texts(store: Store) -> list[NodeText]:
    """The text of every stage, step, concern, solution, paper and note, sorted by IRI."""
    kinds = {iri: KIND_OF_CLASS[values[0].rsplit("#", 1)[1]] for iri, values in values_by_node(store, NODES).items()}
    parts = {name: values_by_node(store, pattern) for name, pattern in PATTERNS.items()}
    labels = {iri: max(values, key=len) for iri, values in parts["labels"].items()}
    texts = []
    for iri, kind in sorted(kinds.items()):
        label = labels.get(iri, "")
        mine = {name: values.get(iri, []) for name, values in parts.items()}
        mine["path"] = _path(iri, parts["parents"], labels)
        mine["mitigates"] = [labels.get(c, c) for c in mine["mitigates"]]
        texts.append(NodeText(iri, kind, label, compose(kind, label, mine), mine["synonyms"]))
    return texts
