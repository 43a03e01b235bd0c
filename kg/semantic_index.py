"""Keeps the vector and BM25 indexes in step with the store, encoding only texts that changed."""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg.bm25_index import Bm25Index
from kg.encoder import Encoder
from kg.node_texts import NodeText, node_texts
from kg.store import Store
from kg.vector_index import VectorIndex

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    encoded: int
    reused: int
    removed: int


@dataclass
class SemanticIndex:
    """Node texts with their dense and keyword indexes, in one order."""

    texts: list[NodeText]
    vectors: VectorIndex
    bm25: Bm25Index

    def __post_init__(self) -> None:
        self.row = {text.iri: i for i, text in enumerate(self.texts)}


def store_fingerprint(store: Store) -> str:
    """Changes whenever any note graph (or the ontology) changes."""
    items = sorted(store.note_hashes().items())
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()


def _reusable(index: VectorIndex, row: int | None, text: NodeText) -> int | None:
    """The saved row for this node when its text has not changed since it was encoded."""
    return row if row is not None and index.digests[row] == text.digest else None


def sync_index(
    store: Store, encoder: Encoder, folder: Path, hnsw_threshold: int
) -> tuple[SemanticIndex, SyncReport]:
    """Load the saved index and bring it up to date with the store; a bad index is rebuilt."""
    saved = VectorIndex.load(folder, encoder.model, encoder.dim, hnsw_threshold)
    fingerprint = store_fingerprint(store)
    texts = node_texts(store)
    if saved is not None and saved.fingerprint == fingerprint and saved.iris == [t.iri for t in texts]:
        return SemanticIndex(texts, saved, Bm25Index(saved.iris, [t.text for t in texts])), SyncReport(
            0, len(saved), 0
        )
    index = saved or VectorIndex(encoder.model, encoder.dim, hnsw_threshold)
    old = {iri: row for row, iri in enumerate(index.iris)}
    reuse = [_reusable(index, old.get(t.iri), t) for t in texts]
    fresh = [t for t, row in zip(texts, reuse, strict=True) if row is None]
    encoded = iter(encoder.encode([t.text for t in fresh]))
    vectors = np.zeros((len(texts), encoder.dim), np.float32)
    for i, row in enumerate(reuse):
        vectors[i] = index.vectors[row] if row is not None else next(encoded)
    removed = len(set(old) - {t.iri for t in texts})
    index.replace([t.iri for t in texts], [t.digest for t in texts], vectors)
    index.fingerprint = fingerprint
    index.save(folder)
    report = SyncReport(len(fresh), len(texts) - len(fresh), removed)
    log.info("vector index: %d encoded, %d reused, %d removed", report.encoded, report.reused, report.removed)
    return SemanticIndex(texts, index, Bm25Index(index.iris, [t.text for t in texts])), report
