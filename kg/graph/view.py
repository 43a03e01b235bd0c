"""A networkx view of the graph's links, for neighbourhoods, paths and related concerns."""

import logging
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.graph.adjacency import Adjacency
from kg.iris import kind_of
from kg.store.quad_store import Store, iri_values, select

log = logging.getLogger(__name__)
SOURCE_CAP = 200
BROAD_SOURCE = 10
"""A note or paper discussing more concerns than this (a survey) is no evidence that two of them are related."""
STEP_BONUS = 0.25
RELATIONS = (
    "mlkg:step",
    "mlkg:stage",
    "mlkg:discusses",
    "mlkg:mitigates",
    "mlkg:relatedNote",
    "dcterms:references",
    "skos:related",
)
# one branch per relation: with the subjects given, 17x faster than a VALUES list of predicates
EDGES = (
    """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?p ?o WHERE {
  %s
  """
    + " UNION ".join(f"{{ ?s {p} ?o BIND({p} AS ?p) }}" for p in RELATIONS)
    + """
  FILTER(isIRI(?o))
}"""
)
"""Links between nodes, with a VALUES clause of subjects or of objects (or none: every link)."""
LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?n (MIN(?l) AS ?label) WHERE { %s ?n rdfs:label|dcterms:title ?l } GROUP BY ?n"""


SPECIFIC_SOURCES = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?s (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?s mlkg:discusses <%s> . ?s mlkg:discusses ?c FILTER(STRSTARTS(STR(?c), "https://w3id.org/mlkg/id/concern/"))
} GROUP BY ?s HAVING (COUNT(DISTINCT ?c) >= 2 && COUNT(DISTINCT ?c) <= %d) ORDER BY ?n STR(?s) LIMIT %d"""
"""The notes and papers whose co-discussion `related_concerns` weighs, as `_co_discussed` picks them."""
DISCUSSED_BY = "SELECT ?s ?o WHERE { %s ?s <https://w3id.org/mlkg/ontology#discusses> ?o FILTER(isIRI(?o)) }"
IN_STEPS = "SELECT ?s ?o WHERE { %s ?s <https://w3id.org/mlkg/ontology#step> ?o }"


def _pairs(store: Store, query: str, relation: str) -> "ViewDelta":
    found = [(row["s"], row["o"], relation) for row in select(store, query)]
    return ViewDelta([], found, {}, sorted({n for s, o, _ in found for n in (s, o)}))


def _values(variable: str, iris: list[str] | None) -> str:
    return iri_values(variable, iris) if iris is not None else ""


@dataclass
class ViewDelta:
    """Links read from the store for some subjects (None: every subject), to apply to a view."""

    subjects: list[str]
    edges: list[tuple[str, str, str]]
    labels: dict[str, str]
    named: list[str]
    """Every node the delta names, whose label and kind are set again."""


def read_links_to(store: Store, objects: set[str], labels: bool = True) -> ViewDelta:
    """The links into these nodes, to add to a view (nothing is removed); `labels=False` leaves names out."""
    edges = select(store, EDGES % _values("o", sorted(objects)))
    found = [(row["s"], row["o"], _relation(row["p"])) for row in edges]
    named = sorted({n for s, o, _ in found for n in (s, o)})
    return ViewDelta([], found, _labels(store, named) if labels else {}, named)


def _labels(store: Store, named: list[str] | None) -> dict[str, str]:
    if named is not None and not named:
        return {}
    return {row["n"]: row["label"] for row in select(store, LABELS % _values("n", named))}


def read_links(store: Store, touched: set[str] | None, labels: bool = True) -> ViewDelta:
    """The links of the touched nodes as the store has them now (a changed graph's triples all
    have a touched subject, so applying this to a view gives the view built from scratch)."""
    subjects = sorted(touched) if touched is not None else None
    edges = select(store, EDGES % _values("s", subjects))
    found = [(row["s"], row["o"], _relation(row["p"])) for row in edges]
    named = sorted({n for s, o, _ in found for n in (s, o)} | set(subjects or []))
    names = _labels(store, named if subjects is not None else None) if labels else {}
    return ViewDelta(subjects or [], found, names, named)


@dataclass
class GraphView:
    graph: Any
    """A `networkx.MultiDiGraph` (the whole view), or an `Adjacency` (the part `around` reads)."""
    complete: set[str] | None = None
    """In a partial view, the sources whose discussions are all read (None: every node's are)."""
    _discussed: dict[str, list[str]] = field(default_factory=dict, repr=False)
    """Concerns each source discusses, as asked for since the last change (a hit has thousands of sources)."""

    @classmethod
    def load(cls, path: Path) -> "GraphView | None":
        """The view saved at `path`, or None when it cannot be read."""
        import networkx as nx

        try:
            with path.open("rb") as file:
                graph = pickle.load(file)  # noqa: S301 - our own file, written by save()
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as error:
            log.info("building the graph view (%s)", error)
            return None
        return cls(graph) if isinstance(graph, nx.MultiDiGraph) else None

    def save(self, path: Path) -> None:
        with path.open("wb") as file:
            pickle.dump(self.graph, file, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def build(cls, store: Store) -> "GraphView":
        """Read every link between mlkg nodes from the store."""
        import networkx as nx

        view = cls(nx.MultiDiGraph())
        view.apply(read_links(store, None))
        return view

    @classmethod
    def around(cls, store: Store, iris: list[str], cap: int) -> "GraphView":
        """The part of the view that the context of these nodes reads, from the store in a few
        queries: for a one-off reader (`kg ask`), which need not load the whole view. Only the nodes
        a context shows (lists cut at `cap`) are named: a concern can have thousands of sources."""
        view = cls(Adjacency())
        hits = set(iris)
        view.apply(read_links(store, hits, labels=False))
        view.apply(read_links_to(store, hits, labels=False))
        steps = sorted({o for hit in hits for o in view.targets(hit, "step")})
        view.apply(read_links(store, set(steps), labels=False))
        if steps:
            view.apply(_pairs(store, IN_STEPS % iri_values("o", steps), "step"))  # the hits' siblings
        specific: set[str] = set()
        for hit in sorted(hits):
            if view.kind(hit) == "concern":
                rows = select(store, SPECIFIC_SOURCES % (hit, BROAD_SOURCE, SOURCE_CAP))
                specific.update(row["s"] for row in rows)
        if specific:
            view.apply(_pairs(store, DISCUSSED_BY % iri_values("s", sorted(specific)), "discusses"))
        view.complete = specific
        for node, label in _labels(store, sorted(view._shown(hits, cap))).items():
            view.graph.nodes[node]["label"] = label
        return view

    def _shown(self, hits: set[str], cap: int) -> set[str]:
        """The nodes a context of `hits` names: the hits, what they and their steps link to, the first
        `cap` papers, notes and solutions of each, and their related concerns."""
        shown = {hit for hit in hits if hit in self.graph}
        for hit in list(shown):
            ahead = {o for _, o in self.graph.out_edges(hit)}
            shown |= ahead | {o for step in self.targets(hit, "step") for _, o in self.graph.out_edges(step)}
            for kind in ("paper", "note"):
                shown.update(self.sources(hit, "discusses", kind)[:cap])
            shown.update(self.sources(hit, "mitigates")[:cap])
            shown.update(iri for iri, _ in self.related_concerns(hit))
        return shown

    def apply(self, delta: "ViewDelta") -> None:
        """Replace the links of the delta's subjects by the ones read for them."""
        self._discussed.clear()
        old = [(s, o, k) for s in delta.subjects if s in self.graph for s, o, k in self.graph.out_edges(s, keys=True)]
        self.graph.remove_edges_from(old)
        self.graph.add_edges_from(delta.edges)
        for node in delta.named:
            if node in self.graph:
                attributes = self.graph.nodes[node]
                attributes.pop("label", None)
                if node in delta.labels:
                    attributes["label"] = delta.labels[node]
                attributes["kind"] = kind_of(node) or "other"
        ends = set(delta.subjects) | {o for _, o, _ in old}
        self.graph.remove_nodes_from([n for n in ends if n in self.graph and self.graph.degree(n) == 0])

    def label(self, iri: str) -> str:
        return str(self.graph.nodes[iri].get("label", iri)) if iri in self.graph else iri

    def kind(self, iri: str) -> str:
        return str(self.graph.nodes[iri].get("kind", "other")) if iri in self.graph else kind_of(iri) or "other"

    # The lookups below read networkx's own adjacency dicts (`_succ`, `_pred`: node -> neighbour ->
    # edge keys; `_node`: attributes), as its algorithms do: the public edge views build a tuple per
    # edge, 7x slower for a concern that 10,000 notes discuss (15 against 2 ms).

    def targets(self, iri: str, relation: str) -> list[str]:
        """What `iri` links to by `relation`, sorted."""
        if iri not in self.graph:
            return []
        return sorted(o for o, keys in self.graph._succ[iri].items() if relation in keys)

    def sources(self, iri: str, relation: str, kind: str | None = None) -> list[str]:
        """What links to `iri` by `relation` (only nodes of `kind` if given), sorted."""
        if iri not in self.graph:
            return []
        nodes, ahead = self.graph._node, self.graph._pred[iri].items()
        return sorted(s for s, keys in ahead if relation in keys and (kind is None or nodes[s]["kind"] == kind))

    def _concerns_discussed_by(self, source: str) -> list[str]:
        found = self._discussed.get(source)
        if found is None:
            nodes, ahead = self.graph._node, self.graph._succ[source].items()
            found = [o for o, keys in ahead if "discusses" in keys and nodes[o]["kind"] == "concern"]
            self._discussed[source] = found
        return found

    def _co_discussed(self, concern: str) -> list[list[str]]:
        """Concern lists of the sources discussing `concern` and 1 to BROAD_SOURCE others, the most
        specific first. Only the SOURCE_CAP most specific count: they carry the largest weights, and a
        concern discussed by thousands of notes would otherwise cost thousands of lookups (the partial
        view of `around` reads exactly these sources, picked by SPECIFIC_SOURCES)."""
        sources = self.sources(concern, "discusses")
        if self.complete is not None:  # a source seen only through its link to a hit is not known whole
            sources = [s for s in sources if s in self.complete]
        lists = (self._concerns_discussed_by(s) for s in sources)
        # one concern alone says nothing of a relation, and a survey of the whole lifecycle is no evidence
        return sorted((found for found in lists if 2 <= len(found) <= BROAD_SOURCE), key=len)[:SOURCE_CAP]

    def related_concerns(self, concern: str, limit: int = 5) -> list[tuple[str, str]]:
        """Concerns with real evidence of a relation: an explicit link, or notes and papers that discuss
        both and few others. Sharing the step only breaks ties; a survey of the whole lifecycle is no evidence."""
        if concern not in self.graph or self.graph.nodes[concern]["kind"] != "concern":
            return []
        weights: dict[str, float] = {}
        shared: dict[str, int] = {}
        linked: set[str] = set()
        for other in self.targets(concern, "related"):
            if other != concern:
                weights[other] = weights.get(other, 0.0) + 2.0
                linked.add(other)
        for discussed in self._co_discussed(concern):
            for other in discussed:
                if other != concern:
                    weights[other] = weights.get(other, 0.0) + 1.0 / (len(discussed) - 1)
                    shared[other] = shared.get(other, 0) + 1
        siblings = {s for step in self.targets(concern, "step") for s in self.sources(step, "step")}
        ranked = sorted(weights, key=lambda iri: (-(weights[iri] + STEP_BONUS * (iri in siblings)), iri))
        return [(iri, _related_reason(iri in linked, shared.get(iri, 0))) for iri in ranked[:limit]]


def _related_reason(linked: bool, shared: int) -> str:
    together = f"discussed together in {shared} note{'s' if shared > 1 else ''} or paper{'s' if shared > 1 else ''}"
    if linked:
        return f"linked; {together}" if shared else "linked"
    return together


def _relation(predicate: str) -> str:
    return predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
