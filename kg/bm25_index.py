"""BM25 over the same node texts as the vector index (bm25s with a Snowball stemmer)."""

import logging
from dataclasses import dataclass, field
from typing import Any

import bm25s
import numpy as np
import Stemmer

# bm25s sets its own logger to DEBUG when imported; its index-building chatter is not ours to show
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass
class Bm25Index:
    """A keyword index; scores are raw BM25, zero for documents sharing no term with the query."""

    iris: list[str]
    texts: list[str]
    _stemmer: Any = field(default=None, init=False)
    _retriever: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        if self.texts:
            tokens = bm25s.tokenize(self.texts, stopwords="en", stemmer=self._stemmer, show_progress=False)
            self._retriever = bm25s.BM25()
            self._retriever.index(tokens, show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Up to k IRIs with a positive BM25 score, best first."""
        if self._retriever is None or k <= 0:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = self._retriever.retrieve(tokens, k=min(k, len(self.iris)), show_progress=False)
        return [(self.iris[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def scores_for(self, query: str) -> np.ndarray:
        """BM25 score of every document, in index order."""
        if self._retriever is None:
            return np.zeros(0)
        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False
        )
        return np.asarray(self._retriever.get_scores(tokens[0]))
