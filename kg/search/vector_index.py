"""FAISS vector index keyed by node IRI, persisted beside the store.

The vectors themselves are kept (`vectors.npy`) so the FAISS structure can be rebuilt at any
time: exact inner product below `hnsw_threshold` vectors, HNSW above it.
"""

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.search.encoder import Vectors

log = logging.getLogger(__name__)
FORMAT = 1


@dataclass
class VectorIndex:
    """IRIs, their text digests and vectors, with a FAISS index over the vectors."""

    model: str
    dim: int
    hnsw_threshold: int = 50_000
    iris: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    vectors: Vectors = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    fingerprint: str = ""
    """Digest of the store's note hashes when the index was last synchronised with it."""
    _faiss: Any = None

    def __post_init__(self) -> None:
        if self.vectors.shape != (len(self.iris), self.dim):
            self.vectors = np.zeros((len(self.iris), self.dim), np.float32)

    def __len__(self) -> int:
        return len(self.iris)

    @property
    def kind(self) -> str:
        return "hnsw" if len(self) >= self.hnsw_threshold else "flat"

    def replace(self, iris: list[str], digests: list[str], vectors: Vectors) -> None:
        """Make the index hold exactly these entries (rows are reused by the caller)."""
        self.iris, self.digests, self.vectors = iris, digests, vectors.astype(np.float32)
        self._faiss = None

    def search(self, query: Vectors, k: int) -> list[tuple[str, float]]:
        """The k nearest IRIs by inner product (cosine for unit vectors), best first."""
        if not self.iris or k <= 0:
            return []
        scores, rows = self._index().search(query.reshape(1, -1).astype(np.float32), min(k, len(self)))
        return [(self.iris[r], float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def _index(self) -> Any:
        if self._faiss is None:
            import faiss

            index: Any
            if self.kind == "hnsw":
                index = faiss.IndexHNSWFlat(self.dim, 32, faiss.METRIC_INNER_PRODUCT)
                index.hnsw.efConstruction = 40
                index.hnsw.efSearch = 64
            else:
                index = faiss.IndexFlatIP(self.dim)
            index.add(self.vectors)
            self._faiss = index
        return self._faiss

    def save(self, folder: Path) -> None:
        """Write the index atomically enough: vectors first, then the metadata that names them."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "vectors.tmp.npy", self.vectors)
        (folder / "vectors.tmp.npy").replace(folder / "vectors.npy")
        if self.kind == "hnsw":
            import faiss

            faiss.write_index(self._index(), str(folder / "hnsw.tmp.faiss"))
            (folder / "hnsw.tmp.faiss").replace(folder / "hnsw.faiss")
        meta = {
            "format": FORMAT,
            "model": self.model,
            "dim": self.dim,
            "iris": self.iris,
            "digests": self.digests,
            "fingerprint": self.fingerprint,
        }
        (folder / "index.tmp.json").write_text(json.dumps(meta), "utf-8")
        (folder / "index.tmp.json").replace(folder / "index.json")

    @classmethod
    def load(cls, folder: Path, model: str, dim: int, hnsw_threshold: int) -> "VectorIndex | None":
        """The saved index, or None when it is missing, corrupt or made by another model."""
        try:
            meta = json.loads((folder / "index.json").read_text("utf-8"))
            vectors = np.load(folder / "vectors.npy")
        except (OSError, ValueError) as error:
            log.info("no usable vector index in %s (%s)", folder, error)
            return None
        iris, digests = meta.get("iris", []), meta.get("digests", [])
        if (
            (meta.get("format"), meta.get("model"), meta.get("dim")) != (FORMAT, model, dim)
            or vectors.shape != (len(iris), dim)
            or len(digests) != len(iris)
        ):
            log.warning("vector index in %s does not match model %s (%d dims); rebuilding", folder, model, dim)
            return None
        index = cls(model, dim, hnsw_threshold, iris, digests, vectors.astype(np.float32, copy=False))
        index.fingerprint = str(meta.get("fingerprint", ""))
        if index.kind == "hnsw" and (folder / "hnsw.faiss").exists():
            import faiss

            saved = faiss.read_index(str(folder / "hnsw.faiss"))
            index._faiss = saved if saved.ntotal == len(index) else None
        return index
