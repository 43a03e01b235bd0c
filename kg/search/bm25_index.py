"""BM25 over the same node texts as the vector index (bm25s with a Snowball stemmer)."""

import logging
from dataclasses import dataclass, field
from pathlib import Path
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
    _retriever: Any = None
    _stemmer: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        if self.texts and self._retriever is None:
            tokens = bm25s.tokenize(self.texts, stopwords="en", stemmer=self._stemmer, show_progress=False)
            if tokens.vocab:  # texts of only stopwords or symbols leave nothing to index
                self._retriever = bm25s.BM25()
                self._retriever.index(tokens, show_progress=False)

    def save(self, folder: Path) -> None:
        if self._retriever is not None:
            self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, iris: list[str]) -> "Bm25Index | None":
        """The saved index for these IRIs, or None when it cannot be read."""
        try:
            # read into memory: the folder may be deleted once a newer index replaces it
            retriever = bm25s.BM25.load(str(folder), mmap=False, show_progress=False)
        except (OSError, ValueError, KeyError) as error:
            logging.getLogger(__name__).info("rebuilding BM25 index (%s)", error)
            return None
        return cls(iris, [], retriever)

    def scores_for(self, query: str) -> np.ndarray:
        """BM25 score of every document, in index order."""
        if self._retriever is None:
            return np.zeros(len(self.iris))
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)
        if not tokens or not tokens[0]:
            return np.zeros(len(self.iris))  # only stopwords or punctuation: no keyword evidence
        return np.asarray(self._retriever.get_scores(tokens[0]))
