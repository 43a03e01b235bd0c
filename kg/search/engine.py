"""Answering questions: dense and BM25 hits over node texts, fused, then expanded with graph context."""

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from kg.errors import BadRequest
from kg.graph.context import LIST_CAP, graph_context
from kg.graph.view import GraphView
from kg.recent_values import RecentValues
from kg.search.encoder import Encoder
from kg.search.explain import Reason, explain, reasons
from kg.search.kinds import KINDS
from kg.search.match import NOTHING_MATCHES, match_of
from kg.search.search_index import SearchIndex
from kg.store.quad_store import Store

Mode = Literal["hybrid", "dense", "bm25"]
MATCH_ORDER = ["none", "weak", "strong"]
CANDIDATES = 50
BM25_WEIGHT = 0.2
"""Most a keyword match can add to a cosine score: enough to order close dense hits, too
little to lift a hit that dense retrieval finds unrelated (see bench/README.md)."""
FACTS_KEPT = 2048
"""Hits whose facts a server keeps until the next write (they do not depend on the question)."""


@dataclass
class Scored:
    iri: str
    score: float
    dense: float
    bm25: float


def _best_keyword_rows(keyword: np.ndarray) -> list[int]:
    """The CANDIDATES rows with the best keyword scores above zero (a tie for the last place is cut)."""
    rows = np.flatnonzero(keyword > 0)
    if len(rows) > CANDIDATES:
        rows = rows[np.argpartition(-keyword[rows], CANDIDATES - 1)[:CANDIDATES]]
    found: list[int] = rows.tolist()
    return found


@dataclass(frozen=True)
class HitFacts:
    """What a hit shows whatever the question: its graph context, and the texts it may match by."""

    context: dict[str, Any]
    reasons: list[Reason]


@dataclass
class SearchEngine:
    """Ranks nodes for a question and explains each hit with its place in the graph."""

    store: Store
    encoder: Encoder
    index: SearchIndex
    view: GraphView | None
    """The whole graph view; None for a one-off reader, which reads the part around its hits."""
    timings: dict[str, float] = field(default_factory=dict)
    """Milliseconds spent in each phase of the last question (read by bench/bench_ask.py)."""
    facts: RecentValues[str, HitFacts] = field(default_factory=lambda: RecentValues(FACTS_KEPT))

    def moved_on(self, store: Store) -> None:
        """Read `store` from now on: a write changed it, so no kept fact holds any more."""
        self.store = store
        self.facts.clear()

    def rank(self, question: str, k: int, kind: str | None = None, mode: Mode = "hybrid") -> list[Scored]:
        """The k best nodes (of one kind if given) for the question; deterministic."""
        if kind is not None and kind not in KINDS:
            raise BadRequest(f"unknown type {kind!r}; use one of {', '.join(KINDS)}")
        index, texts = self.index, self.index.texts
        if not len(index):
            return []
        clock = time.perf_counter()
        query = self.encoder.encode([question])[0]
        clock = self._lap("encode", clock)
        pool = len(texts) if kind else CANDIDATES
        dense = dict(index.vectors.search(query, max(pool, k)))
        clock = self._lap("vector_search", clock)
        keyword = index.bm25.scores(question, len(texts))
        top = float(keyword.max()) if keyword.size else 0.0
        clock = self._lap("bm25", clock)
        by_keyword = [row for row in _best_keyword_rows(keyword) if row not in dense]
        cosines = dense | dict(zip(by_keyword, index.vectors.cosines(by_keyword, query), strict=True))
        weight = {"dense": (1.0, 0.0), "bm25": (0.0, 1.0), "hybrid": (1.0, BM25_WEIGHT)}[mode]
        scored = []
        for row, cosine in cosines.items():
            text = texts[row]
            if text is None or (kind and text.kind != kind):
                continue
            bm25 = float(keyword[row]) / top if top > 0 else 0.0
            scored.append(Scored(text.iri, weight[0] * cosine + weight[1] * bm25, cosine, bm25))
        scored.sort(key=lambda s: (-s.score, s.iri))
        self._lap("fusion", clock)
        return scored[:k]

    def _lap(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[phase] = 1000 * (now - since)
        return now

    def _facts(self, iris: list[str]) -> dict[str, HitFacts]:
        """Each hit's facts; those read from the whole view are kept until the store moves on."""
        whole = self.view is not None
        found = self.facts.found(iris) if whole else {}
        if missing := [iri for iri in iris if iri not in found]:
            # a one-off reader has no whole view: it reads the part around these hits
            view = self.view if self.view is not None else GraphView.around(self.store, missing, LIST_CAP)
            made = {
                iri: self._facts_of(iri, around) for iri, around in graph_context(self.store, view, missing).items()
            }
            if whole:
                self.facts.keep(made)
            found |= made
        return found

    def _facts_of(self, iri: str, context: dict[str, Any]) -> HitFacts:
        text = self.index.text(iri)
        assert text is not None
        return HitFacts(context, reasons(text.label, text.synonyms, context.get("definition", "")))

    def ask(self, question: str, k: int = 5, kind: str | None = None) -> dict[str, Any]:
        """The answer document `kg ask --json` prints and `/ask` returns."""
        question = question.strip()
        if not question:
            raise BadRequest("the question is empty")
        started = time.perf_counter()
        ranked = self.rank(question, k, kind)
        clock = time.perf_counter()
        facts = self._facts([s.iri for s in ranked])
        self._lap("graph_context", clock)
        hits = []
        for s in ranked:
            text = self.index.text(s.iri)
            assert text is not None
            around = facts[s.iri].context
            matched = explain(question, facts[s.iri].reasons, around.get("sources", []))
            hits.append(
                {
                    "iri": s.iri,
                    "kind": text.kind,
                    "label": text.label,
                    "score": round(s.score, 4),
                    "scores": {"dense": round(s.dense, 4), "bm25": round(s.bm25, 4)},
                    "match": match_of(s.dense),
                    "why": matched["text"],
                    "matched": matched,
                    **around,
                }
            )
        took = round(1000 * (time.perf_counter() - started), 2)
        best = max((match_of(s.dense) for s in ranked), key=MATCH_ORDER.index, default="none")
        answer = {"question": question, "k": k, "type": kind, "match": best, "hits": hits, "took_ms": took}
        return answer | ({"message": NOTHING_MATCHES} if best == "none" else {})
