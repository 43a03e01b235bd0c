"""The free texts of a query's `mlkg:similarity` calls, encoded in a thread from the moment the query
arrives, so that encoding overlaps parsing, admission and evaluation instead of following them."""

import re
import threading

from kg.search.encoder import Encoder, Vectors

MAX_TEXTS = 8
MAX_CHARS = 2_000
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


class PrefetchedTexts:
    """Texts being encoded in a background thread; `take` waits for them."""

    def __init__(self, encoder: Encoder, texts: list[str]) -> None:
        self._texts = texts
        self._vectors: dict[str, Vectors] = {}
        self._done = threading.Event()
        if texts:
            threading.Thread(target=self._encode, args=(encoder,), name="similarity-texts", daemon=True).start()
        else:
            self._done.set()

    def _encode(self, encoder: Encoder) -> None:
        try:
            self._vectors = dict(zip(self._texts, encoder.encode(self._texts), strict=True))
        finally:
            self._done.set()

    def take(self, texts: list[str]) -> dict[str, Vectors]:
        """The vectors of those of `texts` that were prefetched (waiting for the encoding if it runs)."""
        if not any(text in self._texts for text in texts):
            return {}
        self._done.wait()
        return {text: self._vectors[text] for text in texts if text in self._vectors}
