"""The one place that decides what text stands for each node in search and linking."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.store import Store

PREFIXES = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
KIND_OF_CLASS = {
    "Stage": "stage",
    "Step": "step",
    "Concern": "concern",
    "Solution": "solution",
    "Paper": "paper",
    "Note": "note",
}
NODES = (
    PREFIXES
    + """SELECT DISTINCT ?node ?class ?label WHERE {
  VALUES ?class { mlkg:Stage mlkg:Step mlkg:Concern mlkg:Solution mlkg:Paper mlkg:Note }
  ?node a ?class .
  OPTIONAL { ?node rdfs:label ?l } OPTIONAL { ?node dcterms:title ?t }
  BIND(COALESCE(?l, ?t, "") AS ?label)
}"""
)
PAIRS = {
    "synonyms": "?node skos:altLabel|skos:hiddenLabel ?value",
    "definitions": "?node skos:definition|skos:scopeNote ?value",
    "parents": "?node (mlkg:step|mlkg:stage)/rdfs:label ?value",
    "grandparents": "?node mlkg:step/mlkg:stage/rdfs:label ?value",
    "extras": "?node mlkg:tag|dcterms:identifier|dcterms:creator|(mlkg:mitigates/rdfs:label) ?value",
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


def _values(store: Store, pattern: str) -> dict[str, list[str]]:
    rows = store.query(f"{PREFIXES}SELECT DISTINCT ?node ?value WHERE {{ {pattern} }}")
    assert isinstance(rows, ox.QuerySolutions)
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        found[row["node"].value].append(row["value"].value)
    return {node: sorted(values) for node, values in found.items()}


def compose(kind: str, label: str, parts: dict[str, list[str]]) -> str:
    """'Stage > Step > Label (synonyms): definitions. extras' — the text that is embedded."""
    path = [*parts.get("grandparents", []), *parts.get("parents", [])]
    head = " > ".join([*path[:2], label]) if kind in ("step", "concern") else label
    if synonyms := parts.get("synonyms"):
        head += f" ({', '.join(synonyms)})"
    body = " ".join(parts.get("definitions", []))
    extras = ", ".join(parts.get("extras", []))
    text = f"{head}: {body}" if body else head
    return f"{text} [{extras}]" if extras else text


def node_texts(store: Store) -> list[NodeText]:
    """The text of every stage, step, concern, solution, paper and note, sorted by IRI."""
    nodes = store.query(NODES)
    assert isinstance(nodes, ox.QuerySolutions)
    found: dict[str, tuple[str, str]] = {}
    for row in nodes:
        iri, label = row["node"].value, row["label"].value
        kind = KIND_OF_CLASS[row["class"].value.rsplit("#", 1)[1]]
        if iri not in found or len(label) > len(found[iri][1]):
            found[iri] = (kind, label)
    parts = {name: _values(store, pattern) for name, pattern in PAIRS.items()}
    texts = []
    for iri, (kind, label) in sorted(found.items()):
        mine = {name: values.get(iri, []) for name, values in parts.items()}
        texts.append(NodeText(iri, kind, label, compose(kind, label, mine), mine["synonyms"]))
    return texts
