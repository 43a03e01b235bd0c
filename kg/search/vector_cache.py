"""Vectors of texts already encoded, kept on disk beside the model and shared by every data folder
and process that uses it: a rebuilt index, a second data folder or a new replica encodes only texts
it has never seen. A cache that cannot be read or written is skipped, never an error."""

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg.iris import slugify
from kg.search.encoder import Encoder, Vectors

log = logging.getLogger(__name__)
CHUNK = 500
"""Keys looked up per statement (SQLite's limit on bound values is far above)."""
SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"


def vector_cache_path(models_dir: Path, encoder: Encoder) -> Path:
    """Beside the model's export: one file per model and backend, whose vectors differ slightly."""
    return models_dir / slugify(encoder.model) / f"vectors-{encoder.backend}.sqlite"


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class VectorCache:
    """Text -> vector in one SQLite file; the newest `max_rows` texts are kept."""

    path: Path
    dim: int
    max_rows: int
    _connection: sqlite3.Connection | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _broken: bool = field(default=False, repr=False)

    def lookup(self, texts: Sequence[str]) -> dict[str, Vectors]:
        """The kept vectors of those of `texts` seen before."""
        keys = {text_key(text): text for text in texts}
        found: dict[str, Vectors] = {}
        with self._lock:
            if (connection := self._connect()) is None:
                return found
            try:
                ordered = list(keys)
                for start in range(0, len(ordered), CHUNK):
                    chunk = ordered[start : start + CHUNK]
                    marks = ",".join("?" * len(chunk))  # placeholders only: the keys are bound
                    query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"  # noqa: S608
                    for key, blob in connection.execute(query, chunk):
                        if len(blob) == 4 * self.dim:  # a vector of another size is not this model's: ignore it
                            found[keys[key]] = np.frombuffer(blob, np.float32)
            except sqlite3.Error as error:
                self._give_up(error)
        return found

    def keep(self, texts: Sequence[str], vectors: Vectors) -> None:
        """Keep these texts' vectors; the oldest beyond `max_rows` are dropped."""
        rows = [
            (text_key(text), np.ascontiguousarray(vector, np.float32).tobytes())
            for text, vector in zip(texts, vectors, strict=True)
        ]
        with self._lock:
            if not rows or (connection := self._connect()) is None:
                return
            try:
                with connection:
                    connection.executemany("INSERT OR IGNORE INTO vectors (key, vector) VALUES (?, ?)", rows)
                    # rowids grow with each insert, so this keeps the newest `max_rows` (or fewer after gaps)
                    connection.execute(
                        "DELETE FROM vectors WHERE rowid <= (SELECT MAX(rowid) FROM vectors) - ?", (self.max_rows,)
                    )
            except sqlite3.Error as error:
                self._give_up(error)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(SCHEMA)
                self._connection = connection
            except (sqlite3.Error, OSError) as error:
                self._give_up(error)
        return self._connection

    def _give_up(self, error: Exception) -> None:
        log.warning("vector cache %s unusable (%s); encoding without it", self.path, error)
        self._broken = True
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@dataclass
class CachedEncoder:
    """An encoder that encodes only texts its vector cache has not seen; the same vectors otherwise."""

    inner: Encoder
    cache: VectorCache
    model: str = field(init=False)
    dim: int = field(init=False)
    backend: str = field(init=False)

    def __post_init__(self) -> None:
        self.model, self.dim, self.backend = self.inner.model, self.inner.dim, self.inner.backend

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return self.inner.encode(texts)
        found = self.cache.lookup(texts)
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            encoded = self.inner.encode(missing)
            self.cache.keep(missing, encoded)
            found.update(zip(missing, encoded, strict=True))
        return np.stack([found[text] for text in texts])
