"""Keeps every note's inferred links in step with the graph, as the search index is kept.

A note's links depend on the rest of the vault (which concepts and notes exist), so each links
graph records the state it was computed from; a note is linked again when that state moves.
The result therefore does not depend on the order notes were imported in.
"""

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyoxigraph as ox

from kg.iris import kind_of, links_graph_iri
from kg.links.inputs import LinkInputs
from kg.links.lexicon import Lexicon, NoteNames, prose
from kg.links.note_cache import NoteCache
from kg.links.note_links import (
    ConceptLink,
    ConceptVectors,
    add_semantic,
    explicit_links,
    links_ntriples,
    resolve_notes,
    semantic_passages,
)
from kg.search.encoder import Encoder
from kg.store.node_values import values_by_node
from kg.store.quad_store import Store

log = logging.getLogger(__name__)
VERSION = "1"
WRITE_BATCH = 64
DISCUSSES = "<https://w3id.org/mlkg/ontology#discusses>"
RELATED = "<https://w3id.org/mlkg/ontology#relatedNote>"
STATES = "SELECT ?g ?s WHERE { GRAPH ?g { ?g <https://w3id.org/mlkg/ontology#linkState> ?s } }"


@dataclass
class LinkChange:
    """Concepts and notes a note gained and lost links to the last time it was linked."""

    gained: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


@dataclass
class LinkReport:
    relinked: int = 0
    unlinkable: int = 0
    changes: dict[str, LinkChange] = field(default_factory=dict)
    """Notes whose links changed, with what they gained and lost (`relinked` counts every note recomputed)."""
    fingerprint: str = ""
    """Digest of every note's link state: changes whenever any link does."""


FORMS = "?node rdfs:label|skos:altLabel|skos:hiddenLabel|skos:definition|skos:scopeNote ?value"


@dataclass
class SemanticLinker:
    """Scores a note's passages against each concern's names and descriptions with the encoder."""

    encoder: Encoder
    concepts: ConceptVectors
    threshold: float
    cap: int
    fingerprint: str

    @classmethod
    def build(cls, store: Store, encoder: Encoder, cache: NoteCache, threshold: float, cap: int) -> "SemanticLinker":
        concerns = sorted(values_by_node(store, "?node a ?value VALUES ?value { mlkg:Concern }"))
        forms = values_by_node(store, FORMS, concerns) if concerns else {}
        iris = [iri for iri in concerns if forms.get(iri)]
        texts = [text for iri in iris for text in forms[iri]]
        starts = list(np.cumsum([0, *(len(forms[iri]) for iri in iris[:-1])])) if iris else []
        matrix = cache.encode_forms(encoder, texts)
        state = repr((encoder.model, threshold, cap, [(iri, forms[iri]) for iri in iris]))
        fingerprint = hashlib.sha256(state.encode("utf-8")).hexdigest()
        return cls(encoder, ConceptVectors(iris, [int(s) for s in starts], matrix), threshold, cap, fingerprint)


@dataclass
class Linker:
    store: Store
    cache: NoteCache

    def current(self) -> LinkReport:
        """The links as stored, changing nothing (for read-only use)."""
        return LinkReport(fingerprint=_fingerprint(self._states()))

    def relink(self, semantic: SemanticLinker | None) -> LinkReport:
        """Link again every note whose links were computed from another state of the graph."""
        hashes = {note: h for note, h in self.store.note_hashes().items() if kind_of(note) == "note"}
        states = self._states()
        self._drop_orphans(states, hashes)
        lexicon, names = Lexicon.from_store(self.store), NoteNames.from_store(self.store)
        report = LinkReport()
        pending: dict[str, str] = {}
        for inputs in self._inputs(hashes, report):
            graph = links_graph_iri(inputs.note)
            state = self._state(inputs, lexicon, names, semantic)
            if states.get(graph) == state:
                continue
            pending[graph], report.changes[inputs.note] = self._link(inputs, graph, state, lexicon, names, semantic)
            states[graph] = state
            if len(pending) >= WRITE_BATCH:
                self.store.replace_graphs(pending)
                pending = {}
        self.store.replace_graphs(pending)
        report.relinked = len(report.changes)
        report.changes = {note: c for note, c in report.changes.items() if c.gained or c.lost}
        report.fingerprint = _fingerprint(states)
        self.cache.prune(set(hashes.values()))
        if report.relinked:
            log.info("linked %d notes (%d could not be)", report.relinked, report.unlinkable)
        return report

    def _link(
        self,
        inputs: LinkInputs,
        graph: str,
        state: str,
        lexicon: Lexicon,
        names: NoteNames,
        semantic: SemanticLinker | None,
    ) -> tuple[str, LinkChange]:
        """One note's links graph, and what it gains and loses against the stored one."""
        before = self._linked(inputs.note, graph)
        links = explicit_links(inputs, lexicon, names)
        if semantic is not None:
            add_semantic(links, inputs, self._semantic(inputs, semantic), semantic.cap)
        after = set(links.concepts) | set(links.notes)
        return links_ntriples(inputs, links, state), LinkChange(sorted(after - before), sorted(before - after))

    def _inputs(self, hashes: dict[str, str], report: LinkReport) -> Iterator[LinkInputs]:
        for note, content_hash in sorted(hashes.items()):
            inputs = self.cache.load(content_hash, note)
            if inputs is None or inputs.note != note:
                report.unlinkable += 1
                continue
            yield inputs

    def _states(self) -> dict[str, str]:
        rows = self.store.query(STATES)
        assert isinstance(rows, ox.QuerySolutions)
        return {row["g"].value: row["s"].value for row in rows}

    def _drop_orphans(self, states: dict[str, str], hashes: dict[str, str]) -> None:
        """Drop links graphs whose note is gone (its graph dropped by a SPARQL update, say)."""
        alive = {links_graph_iri(note) for note in hashes}
        orphans = [graph for graph in states if graph not in alive]
        self.store.drop_graphs(orphans)
        for graph in orphans:
            del states[graph]

    def _linked(self, note: str, graph: str) -> set[str]:
        """The concepts and notes the note's links graph links it to now."""
        rows = self.store.query(
            f"SELECT ?c WHERE {{ GRAPH <{graph}> {{ <{note}> ?p ?c VALUES ?p {{ {DISCUSSES} {RELATED} }} }} }}"
        )
        assert isinstance(rows, ox.QuerySolutions)
        return {row["c"].value for row in rows}

    @staticmethod
    def _state(inputs: LinkInputs, lexicon: Lexicon, names: NoteNames, semantic: SemanticLinker | None) -> str:
        """Digest of everything the note's links depend on."""
        notes = sorted(resolve_notes(inputs, lexicon, names)[0].items(), key=lambda item: item[0])
        parts = (VERSION, inputs.content_hash, lexicon.fingerprint, notes, semantic.fingerprint if semantic else "")
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()

    def _semantic(self, inputs: LinkInputs, semantic: SemanticLinker) -> list[ConceptLink]:
        passages = semantic_passages(inputs)
        if not passages:
            return []
        vectors = self.cache.vectors(inputs.content_hash, semantic.encoder.model)
        if vectors is None or len(vectors) != len(passages):
            vectors = semantic.encoder.encode([prose(p.text) for p in passages])
            self.cache.save_vectors(inputs.content_hash, semantic.encoder.model, vectors)
        return semantic.concepts.best(passages, vectors, semantic.threshold)


def _fingerprint(states: dict[str, str]) -> str:
    return hashlib.sha256(repr(sorted(states.items())).encode("utf-8")).hexdigest()
