"""Keeps every note's inferred links in step with the graph, as the search index is kept.

A note's links depend on the note, on the notes its wikilinks mean, and on the vault's concepts
(their names, and the concerns' descriptions semantic links compare with). Each links graph records
its own part of that state with a digest of the links it holds; the concepts' part, the basis, is
recorded once for all. A note is linked again when its own part moves; when the basis moves, every
note is compared, and only those whose links differ are written. The result therefore does not
depend on the order notes were imported in.
"""

import functools
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from kg.iris import ID_BASE, kind_of, links_graph_iri, match_key
from kg.links.inputs import LinkInputs
from kg.links.lexicon import Lexicon, NoteNames, prose
from kg.links.note_cache import NoteCache
from kg.links.note_links import (
    DISCUSSES,
    LINK_BASIS,
    LINK_STATE,
    RELATED_NOTE,
    AmbiguousLink,
    ConceptLink,
    ConceptVectors,
    Judgement,
    NoteLinks,
    add_semantic,
    explicit_links,
    links_ntriples,
    resolve_notes,
    semantic_passages,
)
from kg.links.semantic_memo import SemanticMemo
from kg.search.bm25_index import Bm25Index
from kg.search.encoder import Encoder, Vectors
from kg.store.node_values import values_by_node
from kg.store.ntriples import iris_in, parse_terms
from kg.store.quad_store import Store, TermTriple
from kg.store.staged_store import GraphLocal, select_local

log = logging.getLogger(__name__)
VERSION = "4"  # 2: wikilinks resolve by vault path; 3: the semantic judgement changed; 4: states split from the basis
WRITE_BATCH = 64
SEEN_CAP = 50_000
LINKED_BY = (str(DISCUSSES), str(RELATED_NOTE))
"""The predicates of a links graph that link its note to a concept or a note, as N-Triples terms."""
STATES = GraphLocal("SELECT ?g ?s", f"GRAPH ?g {{ ?g {LINK_STATE} ?s }}", "?g")
BASIS_GRAPH = f"{ID_BASE}link-basis"
"""The graph recording the basis (concepts' names, the semantic setup) every links graph was computed from."""
BASIS = GraphLocal("SELECT ?b", f"GRAPH <{BASIS_GRAPH}> {{ <{BASIS_GRAPH}> {LINK_BASIS} ?b }}", f"<{BASIS_GRAPH}>")


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
    ambiguous: dict[str, list[AmbiguousLink]] = field(default_factory=dict)
    """Notes linked again whose wikilinks named a file name that several notes share."""
    touched: set[str] = field(default_factory=set)
    """IRIs in a links-graph triple that was added or removed."""
    fingerprint: str = ""
    """Digest of every note's link state: changes whenever any link does."""


@dataclass
class _Memory:
    """What the last pass saw, so that the next one looks only where a write can have moved links."""

    lexicon: Lexicon
    basis: str
    """The basis the stored links were computed from ("" when the store records none)."""
    states: dict[str, str]
    """Links graph -> its note's own state and the digest of its links, as `own.links`."""
    hashes: dict[str, str]
    """Note -> content hash."""
    names: NoteNames
    written: dict[str, set[str]] = field(default_factory=dict)
    """match_key of a wikilink's name -> the notes whose wikilinks write it."""
    writes: dict[str, set[str]] = field(default_factory=dict)
    """Note -> the match_keys its wikilinks write (`written` turned round: a note leaves its own keys only)."""

    def note_written(self, note: str, inputs: LinkInputs | None) -> None:
        for key in self.writes.pop(note, ()):
            self.written[key].discard(note)
            if not self.written[key]:
                del self.written[key]
        keys = {match_key(ref.name) for ref in inputs.wikilinks} if inputs is not None else set()
        for key in keys:
            self.written.setdefault(key, set()).add(note)
        if keys:
            self.writes[note] = keys


NAMES = "?node rdfs:label|skos:altLabel|skos:hiddenLabel|skos:scopeNote|skos:example ?value"
DEFINITIONS = "?node skos:definition ?value"
MAX_DEFINITIONS = 8
"""Definitions compared per concern: a concern that many notes define would otherwise bring
thousands of texts to encode and compare, most saying the same thing."""


def concern_forms(store: Store, concerns: list[str]) -> dict[str, list[str]]:
    """Each concern's names, scope notes and (a bounded number of) definitions, the texts its vectors are of."""
    if not concerns:
        return {}
    names = values_by_node(store, NAMES, concerns, one_graph=True)
    definitions = values_by_node(store, DEFINITIONS, concerns, one_graph=True)
    return {iri: [*names.get(iri, []), *definitions.get(iri, [])[:MAX_DEFINITIONS]] for iri in concerns}


@dataclass
class SemanticLinker:
    """Scores a note's passages against each concern's names and descriptions with the encoder."""

    encoder: Encoder
    concepts: ConceptVectors
    judgement: Judgement
    cap: int
    fingerprint: str
    _seen: dict[str, Vectors] = field(default_factory=dict, repr=False)
    """Passages encoded in this pass: boilerplate repeated across notes is encoded once."""

    def encode(self, texts: list[str]) -> Vectors:
        """Vectors of passages, encoding each distinct text once."""
        fresh = sorted({t for t in texts if t not in self._seen}, key=len)
        if fresh:
            if len(self._seen) > SEEN_CAP:
                self._seen.clear()
            self._seen.update(zip(fresh, self.encoder.encode(fresh), strict=True))
        return np.stack([self._seen[t] for t in texts]).astype(np.float32)

    forms: dict[str, list[str]] = field(default_factory=dict, repr=False)
    """Each concern's names and descriptions, the texts its vectors are of."""
    keywords: Bm25Index | None = field(default=None, repr=False)
    """BM25 over each concern's texts (row = its column in `concepts`), when keyword evidence is weighed."""

    def lexical(self, texts: list[str]) -> Vectors | None:
        """Each passage's BM25 score against every concern, scaled to its best concern (None: not weighed)."""
        if self.keywords is None:
            return None
        size = len(self.concepts.iris)
        rows = np.stack([self.keywords.scores(text, size) for text in texts]) if texts else np.zeros((0, size))
        best = rows.max(axis=1, keepdims=True) if size else rows
        return (rows / np.where(best > 0, best, 1.0)).astype(np.float32)

    @classmethod
    def build(
        cls,
        store: Store,
        encoder: Encoder,
        cache: NoteCache,
        settings: tuple[Judgement, int],
        previous: "SemanticLinker | None" = None,
        touched: set[str] | None = None,
    ) -> "SemanticLinker":
        """The concerns as the store has them; with `previous` and the IRIs a write `touched`,
        only the touched concerns are read again (the others' forms cannot have changed)."""
        judgement, cap = settings
        same = previous is not None and (previous.encoder.model, previous.judgement, previous.cap) == (
            encoder.model,
            judgement,
            cap,
        )
        if previous is not None and same and touched is not None:
            changed = sorted(iri for iri in touched if kind_of(iri) == "concern")
            if not changed:
                return previous
            still = values_by_node(store, "?node a ?value FILTER(?value = mlkg:Concern)", changed, one_graph=True)
            forms = {iri: f for iri, f in previous.forms.items() if iri not in changed}
            forms |= concern_forms(store, sorted(still))
        else:
            concerns = sorted(values_by_node(store, "?node a ?value VALUES ?value { mlkg:Concern }", one_graph=True))
            forms = concern_forms(store, concerns)
        iris = sorted(iri for iri in forms if forms[iri])
        texts = [text for iri in iris for text in forms[iri]]
        starts = list(np.cumsum([0, *(len(forms[iri]) for iri in iris[:-1])])) if iris else []
        matrix = cache.encode_forms(encoder, texts)
        state = repr((encoder.model, judgement, cap, [(iri, forms[iri]) for iri in iris]))
        fingerprint = hashlib.sha256(state.encode("utf-8")).hexdigest()
        concepts = ConceptVectors(iris, [int(s) for s in starts], matrix)
        keywords = None
        if judgement.keyword_weight:
            keywords = Bm25Index()
            keywords.set(list(range(len(iris))), [" ".join(forms[iri]) for iri in iris], [None] * len(iris))
        kept = {iri: forms[iri] for iri in iris}
        return cls(encoder, concepts, judgement, cap, fingerprint, forms=kept, keywords=keywords)


@dataclass
class Linker:
    store: Store
    cache: NoteCache
    _memory: _Memory | None = field(default=None, repr=False)
    _memo: SemanticMemo = field(default_factory=SemanticMemo, repr=False)

    def forget(self) -> None:
        """Look at every note next time (after a write this linker did not see, like a SPARQL update)."""
        self._memory = None

    def current(self) -> LinkReport:
        """The links as stored, changing nothing (for read-only use)."""
        return LinkReport(fingerprint=_fingerprint(link_states(self.store)))

    def relink(
        self, semantic: SemanticLinker | None, changed: set[str] | None = None, touched: set[str] | None = None
    ) -> LinkReport:
        """Link again every note whose links were computed from another state of the graph.

        With the notes a write added, replaced or dropped (`changed`) and the IRIs its triples name
        (`touched`), only those notes and the notes whose wikilinks may now mean another note are
        looked at, unless the basis moved: then every note is compared, and the differing ones written."""
        memory, looked = self._look(changed, touched)
        lexicon, names = memory.lexicon, memory.names
        basis = _basis(lexicon, semantic)
        rebase = memory.basis != basis
        report = LinkReport()
        self._drop_gone(memory, looked, report)
        candidates = memory.hashes.keys() if rebase else looked
        pending: dict[str, tuple[str, set[TermTriple]]] = {}
        for inputs in self._inputs({n: memory.hashes[n] for n in candidates if n in memory.hashes}, report):
            memory.note_written(inputs.note, inputs)
            graph = links_graph_iri(inputs.note)
            resolved = resolve_notes(inputs, lexicon, names)
            own = _own_state(inputs, resolved[0])
            stored = memory.states.get(graph, "")
            if not rebase and stored.split(".", 1)[0] == own:
                continue
            links = explicit_links(inputs, lexicon, names, resolved)
            if semantic is not None:
                add_semantic(links, inputs, self._semantic(inputs, semantic), semantic.cap)
            state = f"{own}.{_digest(links_ntriples(inputs, links, ''))}"
            if stored == state:
                continue  # the basis moved, but not in a way this note's links see
            pending[graph] = self._record(inputs, graph, links, state, report)
            memory.states[graph] = state
            if len(pending) >= WRITE_BATCH:
                self._write(pending, report)
        self._write(pending, report, basis if rebase else None)
        memory.basis = basis
        report.relinked = len(report.changes)
        report.changes = {note: c for note, c in report.changes.items() if c.gained or c.lost}
        report.fingerprint = _fingerprint(memory.states)
        self.cache.prune(set(memory.hashes.values()))
        if report.relinked or rebase:
            log.info(
                "linked %d notes (%d could not be)%s",
                report.relinked,
                report.unlinkable,
                f"; the concepts moved, so all {len(memory.hashes)} were compared" if rebase else "",
            )
        return report

    def _look(self, changed: set[str] | None, touched: set[str] | None) -> tuple[_Memory, set[str]]:
        """What the graph looks like now and which notes to look at: every note on a first pass or
        after an unknown change; else the changed notes and those whose wikilinks use a name a changed
        note had or has."""
        previous = self._memory
        if previous is not None and changed is not None and touched is not None:
            previous.lexicon = Lexicon.from_store(self.store, previous.lexicon, touched)  # only touched concepts read
            names = previous.names.updated(self.store, changed)
            looked = changed | self._writing_to(changed, previous, names)
            previous.names = names
            previous.hashes.update(self._note_hashes(sorted(looked)))
            return previous, looked
        lexicon, names = Lexicon.from_store(self.store), NoteNames.from_store(self.store)
        stored = select_local(self.store, BASIS)
        basis = str(stored[0]["b"]) if stored else ""
        self._memory = _Memory(lexicon, basis, link_states(self.store), self._note_hashes(None), names)
        return self._memory, set(self._memory.hashes)

    def _write(
        self, pending: dict[str, tuple[str, set[TermTriple]]], report: LinkReport, basis: str | None = None
    ) -> None:
        """Replace these links graphs (new N-Triples, triples before), noting which IRIs' links changed;
        with `basis`, record it in the same request (it holds only once every note was compared)."""
        for ntriples, before in pending.values():
            report.touched |= iris_in(before ^ parse_terms(ntriples))
        graphs = {graph: ntriples for graph, (ntriples, _) in pending.items()}
        if basis is not None:
            graphs[BASIS_GRAPH] = f'<{BASIS_GRAPH}> {LINK_BASIS} "{basis}" .\n'
        self.store.replace_graphs(graphs)
        pending.clear()

    @staticmethod
    def _writing_to(changed: set[str], memory: _Memory, names: NoteNames) -> set[str]:
        """Notes whose wikilinks use a name that a changed note had or has: they may mean another note now."""
        keys = memory.names.keys_of(changed) | names.keys_of(changed)
        return {note for key in keys for note in memory.written.get(key, ())}

    def _note_hashes(self, notes: list[str] | None) -> dict[str, str]:
        found = self.store.note_hashes(notes) if notes is None or notes else {}
        return {note: h for note, h in found.items() if kind_of(note) == "note"}

    def _drop_gone(self, memory: _Memory, candidates: set[str], report: LinkReport) -> None:
        """Drop the links graphs of notes that are gone (deleted, or dropped by a SPARQL update)."""
        present = self._note_hashes(sorted(candidates)) if len(candidates) < len(memory.hashes) else memory.hashes
        for note in [n for n in candidates if n not in present]:
            memory.hashes.pop(note, None)
            memory.note_written(note, None)
        alive = {links_graph_iri(note) for note in memory.hashes}
        orphans = [graph for graph in memory.states if graph not in alive]
        for graph in orphans:
            report.touched |= iris_in(self.store.graph_triples(graph))
            del memory.states[graph]
        self.store.drop_graphs(orphans)

    def _record(
        self, inputs: LinkInputs, graph: str, links: NoteLinks, state: str, report: LinkReport
    ) -> tuple[str, set[TermTriple]]:
        """The note's new links graph and the stored one's triples; what it gains and loses goes in the report."""
        stored = self.store.graph_triples(graph)
        before = _linked(inputs.note, stored)
        after = set(links.concepts) | set(links.notes)
        report.changes[inputs.note] = LinkChange(sorted(after - before), sorted(before - after))
        if links.ambiguous:
            report.ambiguous[inputs.note] = links.ambiguous
        return links_ntriples(inputs, links, state), stored

    def _inputs(self, hashes: dict[str, str], report: LinkReport) -> Iterator[LinkInputs]:
        for note, content_hash in sorted(hashes.items()):
            inputs = self.cache.load(content_hash, note)
            if inputs is None or inputs.note != note:
                report.unlinkable += 1
                continue
            yield inputs

    def _cached_vectors(self, content_hash: str, semantic: SemanticLinker, passages: int) -> Vectors | None:
        """The note's passage vectors from the cache, if there are as many as it has passages."""
        found = self.cache.vectors(content_hash, semantic.encoder.model)
        return found if found is not None and len(found) == passages else None

    def _semantic(self, inputs: LinkInputs, semantic: SemanticLinker) -> list[ConceptLink]:
        """The concerns the note's passages are about, best first; kept by content, and scored again
        only when the concerns changed in a way its passages can see (`SemanticMemo`)."""
        passages = semantic_passages(inputs)
        if not passages or not semantic.concepts.iris or semantic.cap <= 0:
            return []  # nothing to compare with, or semantic links are off: no passage is encoded
        self._memo.follow(semantic)
        cached = functools.cache(partial(self._cached_vectors, inputs.content_hash, semantic, len(passages)))
        if (kept := self._memo.get(inputs.content_hash, cached)) is not None:
            return kept
        vectors = cached()
        if vectors is None:
            vectors = semantic.encode([prose(p.text) for p in passages])
            self.cache.save_vectors(inputs.content_hash, semantic.encoder.model, vectors)
        lexical = semantic.lexical([p.text for p in passages])
        links, closest, cosine = semantic.concepts.closest(passages, vectors, semantic.judgement, lexical)
        self._memo.keep(inputs.content_hash, links, closest, cosine)
        return links


def _linked(note: str, triples: set[TermTriple]) -> set[str]:
    """The concepts and notes a links graph's triples link the note to."""
    subject = f"<{note}>"
    return {o[1:-1] for s, p, o in triples if s == subject and p in LINKED_BY and o.startswith("<")}


def link_states(store: Store) -> dict[str, str]:
    """Every links graph with the state its links were computed from."""
    return {row["g"]: row["s"] for row in select_local(store, STATES)}


def _own_state(inputs: LinkInputs, notes: dict[str, str | None]) -> str:
    """Digest of what the note's links depend on besides the basis: its text and the notes it names."""
    return _digest(repr((VERSION, inputs.content_hash, sorted(notes.items(), key=lambda item: item[0]))))


def _basis(lexicon: Lexicon, semantic: SemanticLinker | None) -> str:
    """Digest of what every note's links depend on: the concepts' names and the semantic setup."""
    return _digest(repr((VERSION, lexicon.fingerprint, semantic.fingerprint if semantic else "")))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fingerprint(states: dict[str, str]) -> str:
    return _digest(repr(sorted(states.items())))
