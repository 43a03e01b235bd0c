"""A networkx view of the graph's links, for neighbourhoods, paths and related concerns."""

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from kg.iris import kind_of
from kg.store.quad_store import Store

log = logging.getLogger(__name__)
SOURCE_CAP = 200
EDGES = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?p { mlkg:step mlkg:stage mlkg:discusses mlkg:mitigates mlkg:relatedNote dcterms:references
              skos:related }
  ?s ?p ?o . FILTER(isIRI(?o))
}"""
LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?n (SAMPLE(?l) AS ?label) WHERE { ?n rdfs:label|dcterms:title ?l } GROUP BY ?n"""


@dataclass
class GraphView:
    graph: nx.MultiDiGraph

    @classmethod
    def cached(cls, store: Store, folder: Path, fingerprint: str) -> "GraphView":
        """The view saved for this state of the store, else a fresh one (then saved)."""
        path = folder / f"graph-{fingerprint[:16]}.pickle"
        try:
            with path.open("rb") as file:
                graph = pickle.load(file)  # noqa: S301 - our own file, written below
            if isinstance(graph, nx.MultiDiGraph):
                return cls(graph)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as error:
            log.info("building the graph view (%s)", error)
        view = cls.build(store)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("graph-*.pickle"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as file:
            pickle.dump(view.graph, file, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        return view

    @classmethod
    def build(cls, store: Store) -> "GraphView":
        """Read every link between mlkg nodes from the store."""
        graph = nx.MultiDiGraph()
        edges = store.query(EDGES)
        assert isinstance(edges, ox.QuerySolutions)
        graph.add_edges_from(
            (row["s"].value, row["o"].value, row["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]) for row in edges
        )
        labels = store.query(LABELS)
        assert isinstance(labels, ox.QuerySolutions)
        for row in labels:
            if row["n"].value in graph:
                graph.nodes[row["n"].value]["label"] = row["label"].value
        for node in graph.nodes:
            graph.nodes[node]["kind"] = kind_of(node) or "other"
        return cls(graph)

    def label(self, iri: str) -> str:
        return str(self.graph.nodes[iri].get("label", iri)) if iri in self.graph else iri

    def _concerns_discussed_by(self, source: str) -> list[str]:
        return [
            o
            for _, o, k in self.graph.out_edges(source, keys=True)
            if k == "discusses" and self.graph.nodes[o]["kind"] == "concern"
        ]

    def _co_discussed(self, concern: str) -> list[list[str]]:
        """Concern lists of the sources discussing `concern`, the most specific sources first.

        Only the SOURCE_CAP most specific count: they carry the largest weights, and a concern
        discussed by thousands of notes would otherwise cost thousands of lookups.
        """
        sources = [s for s, _, k in self.graph.in_edges(concern, keys=True) if k == "discusses"]
        lists = [self._concerns_discussed_by(s) for s in sorted(sources)]
        return sorted(lists, key=len)[:SOURCE_CAP]

    def related_concerns(self, concern: str, limit: int = 5) -> list[tuple[str, str]]:
        """Concerns sharing the step, a discussing paper or note, or an explicit link, most shared first.

        A paper that discusses many concerns says little about any two of them, so each shared
        paper or note counts 1/(concerns it discusses).
        """
        if concern not in self.graph or self.graph.nodes[concern]["kind"] != "concern":
            return []
        weights: dict[str, float] = {}
        reasons: dict[str, str] = {}
        for _, step, key in self.graph.out_edges(concern, keys=True):
            if key == "step":
                for sibling, _, k in self.graph.in_edges(step, keys=True):
                    if k == "step" and sibling != concern:
                        weights[sibling] = weights.get(sibling, 0.0) + 1.0
                        reasons.setdefault(sibling, "same step")
            elif key == "related":
                weights[step] = weights.get(step, 0.0) + 2.0
                reasons[step] = "linked"
        for discussed in self._co_discussed(concern):
            for other in discussed:
                if other != concern:
                    weights[other] = weights.get(other, 0.0) + 1.0 / len(discussed)
                    reasons.setdefault(other, "discussed together")
        ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
        return [(iri, reasons[iri]) for iri, _ in ranked[:limit]]
