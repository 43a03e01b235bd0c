"""The free texts of a query's `mlkg:similarity` calls, encoded in a thread from the moment the query
arrives, so that encoding overlaps parsing, admission and evaluation instead of following them."""

import re
import threading

from kg.recent_values import RecentValues
from kg.search.encoder import Encoder, Vectors

MAX_TEXTS = 8
MAX_CHARS = 2_000
KEPT_TEXTS = 1024
"""Free texts whose vectors a server keeps: a dashboard's query asks the same text again and again."""
CALL = re.compile(r"""similarity>?\s*\(\s*[^,()]+,\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')\s*\)""")
ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def similarity_texts(sparql: str) -> list[str]:
    """The string literals given as a similarity call's second argument (a hint: what it misses is
    encoded when the query asks for it)."""
    found: list[str] = []
    for match in CALL.finditer(sparql):
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        text = re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), raw)
        if text.strip() and len(text) <= MAX_CHARS and text not in found:
            found.append(text)
    return found[:MAX_TEXTS]


class TextVectors:
    """The encoder's vectors of free texts, the last `size` of them kept (the encoder does not change
    while a process runs); safe to share between threads."""

    def __init__(self, encoder: Encoder, size: int = KEPT_TEXTS) -> None:
        self.encoder = encoder
        self._kept: RecentValues[str, Vectors] = RecentValues(size)

    def known(self, texts: list[str]) -> dict[str, Vectors]:
        """Those of `texts` already encoded."""
        return self._kept.found(texts)

    def encode(self, texts: list[str]) -> dict[str, Vectors]:
        """Vectors of `texts`, encoding only those not kept."""
        found = self.known(texts)
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            encoded = dict(zip(missing, self.encoder.encode(missing), strict=True))
            self._kept.keep(encoded)
            found |= encoded
        return found


class PrefetchedTexts:
    """Texts being encoded in a background thread (none for texts already kept); `take` waits for them."""

    def __init__(self, vectors: TextVectors, texts: list[str]) -> None:
        self._texts = texts
        self._vectors = vectors.known(texts)
        self._done = threading.Event()
        if missing := [text for text in texts if text not in self._vectors]:
            threading.Thread(target=self._encode, args=(vectors, missing), name="similarity-texts", daemon=True).start()
        else:
            self._done.set()

    def _encode(self, vectors: TextVectors, missing: list[str]) -> None:
        try:
            self._vectors |= vectors.encode(missing)
        finally:
            self._done.set()

    def take(self, texts: list[str]) -> dict[str, Vectors]:
        """The vectors of those of `texts` that were prefetched (waiting for the encoding if it runs)."""
        if not any(text in self._texts for text in texts):
            return {}
        self._done.wait()
        return {text: self._vectors[text] for text in texts if text in self._vectors}
