"""The FAISS index and its synchronisation with the store (a counting fake encoder keeps these fast)."""

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg.search.encoder import Vectors
from kg.search.semantic_index import sync_index
from kg.search.vector_index import VectorIndex

from .conftest import FIXTURES

STEALING_NOTE = "Stealing Machine Learning Models via Prediction APIs.md"


@dataclass
class CountingEncoder:
    """Deterministic pseudo-embeddings from a text hash; records every text it is asked to encode."""

    model: str = "fake"
    dim: int = 16
    backend: str = "fake"
    seen: list[str] = field(default_factory=list)

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.seen.extend(texts)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[: self.dim], np.uint8) for t in texts]
        vectors = np.array(rows, np.float32).reshape(len(texts), self.dim) - 127.5
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def unit(rows: list[list[float]]) -> Vectors:
    array = np.array(rows, np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_search_order_and_round_trip(tmp_path: Path):
    index = VectorIndex("m", 2)
    index.replace(["a", "b", "c"], ["1", "2", "3"], unit([[1, 0], [0, 1], [1, 1]]))
    assert [iri for iri, _ in index.search(unit([[1, 0.1]])[0], 3)] == ["a", "c", "b"]
    index.fingerprint = "f"
    index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, "m", 2, 50_000)
    assert loaded is not None and loaded.iris == ["a", "b", "c"] and loaded.fingerprint == "f"
    assert np.array_equal(loaded.vectors, index.vectors)


def test_hnsw_above_the_threshold_finds_the_same_neighbours(tmp_path: Path):
    rng = np.random.default_rng(3)
    vectors = unit(rng.normal(size=(400, 8)).tolist())
    iris = [f"n{i}" for i in range(400)]
    flat, hnsw = VectorIndex("m", 8, 10_000), VectorIndex("m", 8, 100)
    for index in (flat, hnsw):
        index.replace(iris, iris, vectors)
    assert (flat.kind, hnsw.kind) == ("flat", "hnsw")
    query = vectors[17]
    assert [i for i, _ in hnsw.search(query, 5)] == [i for i, _ in flat.search(query, 5)]
    hnsw.save(tmp_path)
    assert (tmp_path / "hnsw.faiss").exists()
    reloaded = VectorIndex.load(tmp_path, "m", 8, 100)
    assert reloaded is not None and reloaded.search(query, 1)[0][0] == "n17"


def test_missing_corrupt_or_foreign_index_is_not_served(tmp_path: Path):
    assert VectorIndex.load(tmp_path / "missing", "m", 2, 10) is None
    index = VectorIndex("m", 2)
    index.replace(["a"], ["1"], unit([[1, 0]]))
    index.save(tmp_path)
    assert VectorIndex.load(tmp_path, "other-model", 2, 10) is None
    assert VectorIndex.load(tmp_path, "m", 3, 10) is None
    (tmp_path / "vectors.npy").write_bytes(b"not numpy")
    assert VectorIndex.load(tmp_path, "m", 2, 10) is None
    meta = json.loads((tmp_path / "index.json").read_text())
    assert meta["iris"] == ["a"]


def test_sync_encodes_only_what_changed(seeded, importer, vault, tmp_path: Path):
    encoder = CountingEncoder()
    folder = tmp_path / "index"
    index, report = sync_index(seeded, encoder, folder, 50_000)
    total = len(index.texts)
    assert (report.encoded, report.reused) == (total, 0) and len(encoder.seen) == total

    encoder.seen.clear()
    _, report = sync_index(seeded, encoder, folder, 50_000)
    assert (report.encoded, report.reused) == (0, total) and encoder.seen == []

    shutil.copy(FIXTURES / STEALING_NOTE, vault / STEALING_NOTE)
    importer.ingest_paths([vault])
    index, report = sync_index(seeded, encoder, folder, 50_000)
    changed = set(encoder.seen)
    assert any(text.startswith("Cross-cutting aspects > Security > Model stealing") for text in changed)
    assert any("Membership leakage" in text for text in changed)
    assert not any(text.startswith("Data management > Data collection > Data discovery") for text in changed)
    assert report.encoded == len(changed) < len(index.texts)

    from ingest.pipeline import delete_note

    delete_note(seeded, STEALING_NOTE)
    encoder.seen.clear()
    index, report = sync_index(seeded, encoder, folder, 50_000)
    assert report.removed > 0 and not any("membership-leakage" in t.iri for t in index.texts)
    stealing = next(t for t in index.texts if t.iri.endswith("/concern/model-stealing"))
    assert stealing.text in encoder.seen  # its text lost the second note's definition


def test_a_corrupt_index_is_rebuilt_on_sync(seeded, tmp_path: Path):
    encoder = CountingEncoder()
    folder = tmp_path / "index"
    index, _ = sync_index(seeded, encoder, folder, 50_000)
    (folder / "index.json").write_text("{broken", "utf-8")
    encoder.seen.clear()
    rebuilt, report = sync_index(seeded, encoder, folder, 50_000)
    assert report.encoded == len(rebuilt.texts) == len(index.texts)
    assert VectorIndex.load(folder, "fake", 16, 50_000) is not None


def test_bm25_over_texts_without_words_scores_zero():
    from kg.search.bm25_index import Bm25Index

    index = Bm25Index(["a", "b"], ["\U000df8b7\u00be", "the of and"])
    assert index.scores_for("model stealing").tolist() == [0.0, 0.0]
