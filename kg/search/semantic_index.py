"""Keeps the vector and BM25 indexes in step with the store, encoding only texts that changed."""

import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from kg.search.bm25_index import Bm25Index
from kg.search.encoder import Encoder
from kg.search.node_texts import NodeText, node_texts
from kg.search.vector_index import VectorIndex
from kg.store.quad_store import Store

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


def _bm25_dir(folder: Path, fingerprint: str) -> Path:
    # one folder per state of the store: a new index never overwrites files another reader has open
    return folder / f"bm25-{fingerprint[:16]}"


def _load_texts(folder: Path, iris: list[str]) -> list[NodeText] | None:
    try:
        rows = json.loads((folder / "texts.json").read_text("utf-8"))
        texts = [NodeText(**row) for row in rows]
    except (OSError, ValueError, TypeError) as error:
        log.info("node texts will be rebuilt (%s)", error)
        return None
    return texts if [t.iri for t in texts] == iris else None


def _save_texts(folder: Path, texts: list[NodeText]) -> None:
    (folder / "texts.tmp.json").write_text(json.dumps([asdict(t) for t in texts]), "utf-8")
    (folder / "texts.tmp.json").replace(folder / "texts.json")


def _saved(folder: Path, index: VectorIndex | None, fingerprint: str) -> SemanticIndex | None:
    """The whole saved index when it was made from this very state of the store."""
    if index is None or index.fingerprint != fingerprint:
        return None
    texts = _load_texts(folder, index.iris)
    bm25 = Bm25Index.load(_bm25_dir(folder, fingerprint), index.iris) if texts is not None else None
    return SemanticIndex(texts, index, bm25) if texts is not None and bm25 is not None else None


def sync_index(store: Store, encoder: Encoder, folder: Path, hnsw_threshold: int) -> tuple[SemanticIndex, SyncReport]:
    """Load the saved index and bring it up to date with the store; a bad index is rebuilt."""
    saved = VectorIndex.load(folder, encoder.model, encoder.dim, hnsw_threshold)
    fingerprint = store_fingerprint(store)
    if (current := _saved(folder, saved, fingerprint)) is not None:
        return current, SyncReport(0, len(current.texts), 0)
    texts = node_texts(store)
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
    bm25 = Bm25Index(index.iris, [t.text for t in texts])
    folder.mkdir(parents=True, exist_ok=True)
    bm25.save(_bm25_dir(folder, fingerprint))
    _save_texts(folder, texts)
    index.fingerprint = fingerprint
    index.save(folder)  # last: its fingerprint vouches for the texts and BM25 files written above
    for stale in folder.glob("bm25-*"):
        if stale != _bm25_dir(folder, fingerprint):
            shutil.rmtree(stale, ignore_errors=True)
    report = SyncReport(len(fresh), len(texts) - len(fresh), removed)
    log.info("vector index: %d encoded, %d reused, %d removed", report.encoded, report.reused, report.removed)
    return SemanticIndex(texts, index, bm25), report
