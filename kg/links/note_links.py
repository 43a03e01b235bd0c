"""One note's inferred links: to concepts (wikilink, tag, mention, semantic) and to other notes."""

import re
from dataclasses import dataclass, field

import numpy as np
import pyoxigraph as ox

from kg.iris import hashed_iri, links_graph_iri, match_key, note_iri
from kg.links.inputs import LinkInputs, Passage
from kg.links.lexicon import STRONG, Lexicon, NoteNames, words
from kg.search.encoder import Vectors
from kg.store.quad_store import PREFIXES

METHOD_RANK = {"wikilink": 0, "tag": 1, "mention": 2, "semantic": 3}
MIN_SEMANTIC_WORDS = 4
MAX_EVIDENCE = 300


@dataclass(frozen=True)
class ConceptLink:
    concept: str
    method: str
    score: float
    evidence: str
    line: int

    def beats(self, other: "ConceptLink") -> bool:
        mine = (-self.score, METHOD_RANK[self.method], self.line)
        return mine < (-other.score, METHOD_RANK[other.method], other.line)


@dataclass(frozen=True)
class AmbiguousLink:
    """A `[[name]]` that several notes share: the one chosen and the paths of all of them."""

    name: str
    line: int
    chosen: str
    candidates: tuple[str, ...]
    chosen_path: str = ""


@dataclass
class NoteLinks:
    """What linking found for one note."""

    concepts: dict[str, ConceptLink] = field(default_factory=dict)
    notes: dict[str, str | None] = field(default_factory=dict)
    """Linked note -> its title when it is a placeholder (not imported yet), else None."""
    ambiguous: list[AmbiguousLink] = field(default_factory=list)

    def offer(self, link: ConceptLink) -> None:
        current = self.concepts.get(link.concept)
        if current is None or link.beats(current):
            self.concepts[link.concept] = link


def tag_names(tag: str) -> list[str]:
    """A nested tag names itself and each of its parts: 'security/model-stealing'."""
    parts = [part for part in tag.split("/") if part]
    return [tag, *parts] if len(parts) > 1 else parts


def resolve_notes(
    inputs: LinkInputs, lexicon: Lexicon, names: NoteNames
) -> tuple[dict[str, str | None], list[AmbiguousLink]]:
    """Wikilinks that name no concept, resolved to notes (None) or placeholders (their title),
    and the links whose name several notes share."""
    found: dict[str, str | None] = {}
    ambiguous: list[AmbiguousLink] = []
    for ref in inputs.wikilinks:
        if match_key(ref.name) in lexicon.keys:
            continue
        resolution = names.resolve(ref.name, ref.folder, inputs.path)
        target = resolution.note
        placeholder = str(note_iri(f"{ref.folder}/{ref.name}" if ref.folder else ref.name))
        if target is None and placeholder != inputs.note:
            found.setdefault(placeholder, ref.name)
        elif target is not None and target != inputs.note:
            found[target] = None
            if resolution.candidates:
                written = f"{ref.folder}/{ref.name}" if ref.folder else ref.name
                ambiguous.append(AmbiguousLink(written, ref.line, target, resolution.candidates, resolution.path))
    return found, ambiguous


def explicit_links(
    inputs: LinkInputs,
    lexicon: Lexicon,
    names: NoteNames,
    resolved: tuple[dict[str, str | None], list[AmbiguousLink]] | None = None,
) -> NoteLinks:
    """Links the note states: wikilinks and tags naming a concept, and labels or synonyms in its prose;
    `resolved`: what `resolve_notes` gave for it, when already known."""
    notes, ambiguous = resolved if resolved is not None else resolve_notes(inputs, lexicon, names)
    links = NoteLinks(notes=notes, ambiguous=ambiguous)
    for ref in inputs.wikilinks:
        if concept := lexicon.keys.get(match_key(ref.name)):
            links.offer(ConceptLink(concept, "wikilink", STRONG, f"[[{ref.name}]]", ref.line))
    for tag in inputs.tags:
        for name in tag_names(tag.name):
            if concept := lexicon.keys.get(match_key(name)):
                links.offer(ConceptLink(concept, "tag", STRONG, f"#{tag.name}", tag.line))
    for passage in inputs.passages:
        for mention in lexicon.matcher.find(passage.text):
            evidence = passage.text[:MAX_EVIDENCE]
            links.offer(ConceptLink(mention.concept, "mention", mention.score, evidence, passage.line))
    for own in inputs.own:
        links.concepts.pop(own, None)  # the note's own concepts are linked in its own graph
    return links


MATH = re.compile(r"\$[^$]+\$|\\[a-zA-Z]+\s*[{\[(]|\\\(|\\\[")
MIN_LETTER_SHARE = 0.6


def is_prose(text: str) -> bool:
    """Words a reader reads, not formulae, code or numbers: those cannot be evidence of a concern."""
    if MATH.search(text):
        return False
    letters = sum(ch.isalpha() or ch.isspace() for ch in text)
    return letters >= MIN_LETTER_SHARE * len(text)


def semantic_passages(inputs: LinkInputs) -> list[Passage]:
    """The prose passages long enough to compare by meaning, in order (no table rows, no math)."""
    return [
        p
        for p in inputs.passages
        if p.source == "text" and len(words(p.text)) >= MIN_SEMANTIC_WORDS and is_prose(p.text)
    ]


@dataclass
class ConceptVectors:
    """The concerns a note may be linked to by meaning: vectors of each one's names and descriptions."""

    iris: list[str]
    starts: list[int]
    """Row of each concern's first form; a concern's forms are contiguous rows of `matrix`."""
    matrix: Vectors

    def best(
        self, passages: list[Passage], vectors: Vectors, judgement: "Judgement", lexical: Vectors | None = None
    ) -> list[ConceptLink]:
        """Concerns the note is about, best first, each with the passage closest to it (text and line) as evidence.

        A concern scores by a passage whose closest concern it is (so a reading list's items each
        count) and, when `by_note` is on, by the note as a whole: its closest passage and the mean of
        all its passages, combined, near the note's best concern only; a passage alone then gives up
        `passage_margin`. Links need the threshold. `lexical` (passages x concerns, 0..1) adds keyword
        evidence, weighted by `keyword_weight`.
        """
        return self.closest(passages, vectors, judgement, lexical)[0]

    def cosines(self, vectors: Vectors) -> Vectors:
        """Each passage's cosine with each concern: the closest of the concern's forms."""
        by_concern: Vectors = np.maximum.reduceat(vectors @ self.matrix.T, self.starts, axis=1)
        return by_concern

    def closest(
        self, passages: list[Passage], vectors: Vectors, judgement: "Judgement", lexical: Vectors | None = None
    ) -> tuple[list[ConceptLink], list[str], Vectors]:
        """`best`, with each passage's closest concern and its score (what decides its vote)."""
        if not self.iris or not passages:
            return [], [], np.zeros(0, np.float32)
        by_concern = self.cosines(vectors)
        if lexical is not None and judgement.keyword_weight:
            by_concern = by_concern + judgement.keyword_weight * lexical
        votes = np.zeros(len(self.iris))
        winners = by_concern.argmax(axis=1)
        margin = judgement.passage_margin if judgement.by_note else 0.0
        np.maximum.at(votes, winners, by_concern[np.arange(len(passages)), winners] - margin)
        scores = np.maximum(self._note_scores(by_concern, vectors, judgement), votes) if judgement.by_note else votes
        found = []
        for col in np.flatnonzero(scores >= judgement.threshold):
            passage = passages[int(by_concern[:, col].argmax())]
            score = round(float(scores[col]), 3)
            found.append(ConceptLink(self.iris[col], "semantic", score, passage.text[:MAX_EVIDENCE], passage.line))
        closest = [self.iris[int(col)] for col in winners]
        scores_of_closest: Vectors = by_concern[np.arange(len(passages)), winners]
        return sorted(found, key=lambda link: (-link.score, link.concept)), closest, scores_of_closest

    def _note_scores(self, by_concern: Vectors, vectors: Vectors, judgement: "Judgement") -> Vectors:
        mean = vectors.mean(axis=0)
        mean = mean / max(float(np.linalg.norm(mean)), 1e-12)
        whole = np.maximum.reduceat(self.matrix @ mean, self.starts)
        note: Vectors = (by_concern.max(axis=0) + judgement.note_weight * whole) / (1 + judgement.note_weight)
        note[note < float(note.max()) - judgement.gap] = 0.0
        return note


@dataclass(frozen=True)
class Judgement:
    """How a note's passages decide its semantic links (see `ConceptVectors.best`)."""

    threshold: float
    by_note: bool = False
    """Also judge the note as a whole (measured: it did not win on the labelled sets, see bench/README.md)."""
    note_weight: float = 0.75
    """Weight of the note's mean passage against its closest passage."""
    gap: float = 0.11
    """Concerns whose note score is further than this below the note's best get none."""
    passage_margin: float = 0.05
    """What one passage's cosine gives up against the note's score when it alone links its closest concern."""
    keyword_weight: float = 0.0
    """Weight of a passage's BM25 score against a concern's texts (scaled to its best concern), added to its cosine."""


def add_semantic(links: NoteLinks, inputs: LinkInputs, candidates: list[ConceptLink], cap: int) -> None:
    """Keep the best few semantic links the note has not already made explicitly."""
    own = set(inputs.own)
    fresh = [c for c in candidates if c.concept not in links.concepts and c.concept not in own]
    for link in fresh[:cap]:
        links.offer(link)


def _term(prefix: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{PREFIXES[prefix]}{name}")


# pyoxigraph's terms print as N-Triples (a fifth of the time rdflib's took for a links graph)
LINK_STATE, LINK_BASIS, DISCUSSES, QUALIFIED, CONCEPT, METHOD, SCORE, EVIDENCE, LINE, RELATED_NOTE, DISCUSSION, NOTE = (
    _term("mlkg", name)
    for name in (
        "linkState",
        "linkBasis",
        "discusses",
        "qualifiedDiscussion",
        "concept",
        "method",
        "score",
        "evidence",
        "line",
        "relatedNote",
        "Discussion",
        "Note",
    )
)
DERIVED_FROM, TYPE, TITLE = _term("prov", "wasDerivedFrom"), _term("rdf", "type"), _term("dcterms", "title")
DECIMAL, INTEGER = _term("xsd", "decimal"), _term("xsd", "integer")
Term = ox.NamedNode | ox.Literal


def _literal(value: str | int | float) -> ox.Literal:
    if isinstance(value, float):
        return ox.Literal(f"{value:.3f}", datatype=DECIMAL)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=INTEGER)
    return ox.Literal(value)


def links_ntriples(inputs: LinkInputs, links: NoteLinks, state: str) -> str:
    """The N-Triples of a note's links graph, with the state they were computed from."""
    note = ox.NamedNode(inputs.note)
    graph = ox.NamedNode(links_graph_iri(inputs.note))
    subjects = [note, ox.NamedNode(inputs.about)] if inputs.about else [note]
    triples: list[tuple[ox.NamedNode, ox.NamedNode, Term]] = [
        (graph, LINK_STATE, ox.Literal(state)),
        (graph, DERIVED_FROM, note),
    ]
    for link in sorted(links.concepts.values(), key=lambda x: x.concept):
        concept = ox.NamedNode(link.concept)
        discussion = ox.NamedNode(hashed_iri("discussion", inputs.note, link.concept))
        for subject in subjects:
            triples += [(subject, DISCUSSES, concept), (subject, QUALIFIED, discussion)]
        triples += [
            (discussion, TYPE, DISCUSSION),
            (discussion, CONCEPT, concept),
            (discussion, METHOD, _literal(link.method)),
            (discussion, SCORE, _literal(float(link.score))),
            (discussion, EVIDENCE, _literal(link.evidence)),
            (discussion, LINE, _literal(max(link.line, 1))),
            (discussion, DERIVED_FROM, note),
        ]
    for target, placeholder in sorted(links.notes.items()):
        other = ox.NamedNode(target)
        triples += [(note, RELATED_NOTE, other), (other, RELATED_NOTE, note)]
        if placeholder is not None:
            triples += [(other, TYPE, NOTE), (other, TITLE, ox.Literal(placeholder))]
    return "\n".join(f"{s} {p} {o} ." for s, p, o in triples)
