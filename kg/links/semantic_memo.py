"""Each note's semantic candidates, kept across passes and checked cheaply when the concerns change.

With passages that vote for their closest concern (no note-level score, no keyword weight), a
change to some concerns moves a note's semantic links only if one of them was a passage's closest
concern, or now is: the memo keeps each passage's closest concern and its cosine, so a note is
scored again in full only then (one small product against the changed concerns otherwise).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kg.links.note_links import ConceptLink, ConceptVectors
from kg.search.encoder import Vectors

if TYPE_CHECKING:
    from kg.links.linker import SemanticLinker

CAP = 50_000
"""Notes kept; past it the memo starts again."""


@dataclass(frozen=True)
class Scored:
    """A note's semantic candidates and what decided them, for one state of the concerns."""

    links: list[ConceptLink]
    closest: list[str]
    """Each passage's closest concern."""
    cosine: Vectors
    """And that concern's cosine."""
    basis: str
    """The semantic fingerprint they were scored for."""


@dataclass
class SemanticMemo:
    """Content hash -> the note's `Scored`; follows the concerns from one pass to the next."""

    _kept: dict[str, Scored] = field(default_factory=dict)
    _current: "SemanticLinker | None" = None
    _previous: str = ""
    """The fingerprint before the latest change, whose notes may be checked against `_changed`."""
    _changed: set[str] = field(default_factory=set)
    _delta: ConceptVectors | None = None
    """The changed concerns that still exist, to compare passages with."""

    def follow(self, semantic: "SemanticLinker") -> None:
        """Note which concerns changed since the last call, when the two can be compared by concern."""
        current = self._current
        if current is not None and current.fingerprint == semantic.fingerprint:
            return
        self._current, self._previous, self._delta = semantic, "", None
        if current is None or not _comparable(current, semantic):
            self._kept.clear()
            return
        old, new = current.forms, semantic.forms
        self._changed = {iri for iri in old.keys() | new.keys() if old.get(iri) != new.get(iri)}
        self._previous = current.fingerprint
        present = [i for i, iri in enumerate(semantic.concepts.iris) if iri in self._changed]
        if present:
            self._delta = _columns(semantic.concepts, present)

    def get(self, content_hash: str, passage_vectors: Callable[[], Vectors | None]) -> list[ConceptLink] | None:
        """The kept candidates if still right for the current concerns (the note's passage vectors are
        read only when the concerns changed since they were kept)."""
        kept = self._kept.get(content_hash)
        if kept is None or self._current is None:
            return None
        if kept.basis == self._current.fingerprint:
            return kept.links
        if kept.basis != self._previous:
            return None
        vectors = passage_vectors()
        if vectors is None or len(vectors) != len(kept.closest):
            return None
        if self._changed.intersection(kept.closest):
            return None  # a passage voted for a concern that changed
        if self._delta is not None and (self._delta.cosines(vectors) >= kept.cosine[:, None]).any():
            return None  # a changed concern is now as close to a passage as its closest
        self._kept[content_hash] = Scored(kept.links, kept.closest, kept.cosine, self._current.fingerprint)
        return kept.links

    def keep(self, content_hash: str, links: list[ConceptLink], closest: list[str], cosine: Vectors) -> None:
        if self._current is None:
            return
        if len(self._kept) >= CAP:
            self._kept.clear()
        self._kept[content_hash] = Scored(links, closest, cosine, self._current.fingerprint)


def _comparable(old: "SemanticLinker", new: "SemanticLinker") -> bool:
    """Whether a note's links can move only through its passages' closest concerns."""
    same = (old.encoder.model, old.judgement, old.cap) == (new.encoder.model, new.judgement, new.cap)
    return same and not new.judgement.by_note and not new.judgement.keyword_weight


def _columns(concepts: ConceptVectors, columns: list[int]) -> ConceptVectors:
    """The concerns at these columns, with their forms' rows."""
    ends = [*concepts.starts[1:], len(concepts.matrix)]
    rows = [r for c in columns for r in range(concepts.starts[c], ends[c])]
    starts = np.cumsum([0, *(ends[c] - concepts.starts[c] for c in columns[:-1])])
    return ConceptVectors([concepts.iris[c] for c in columns], [int(s) for s in starts], concepts.matrix[rows])
