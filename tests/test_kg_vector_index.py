"""The FAISS and BM25 indexes and their synchronisation with the store (a counting fake encoder keeps these fast)."""

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.pipeline import IngestReport
from kg.search.bm25_index import Bm25Index
from kg.search.encoder import Vectors
from kg.search.search_index import SearchIndex
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


def test_search_order_set_and_clear():
    index = VectorIndex.of(unit([[1, 0], [0, 1], [1, 1]]), 2, 50_000)
    assert [row for row, _ in index.search(unit([[1, 0.1]])[0], 3)] == [0, 2, 1]
    index.clear([0])
    assert [row for row, _ in index.search(unit([[1, 0.1]])[0], 3)] == [2, 1]
    index.set([0, 3], unit([[0, 1], [1, 0.05]]))
    assert [row for row, _ in index.search(unit([[1, 0.1]])[0], 2)] == [3, 2]
    assert len(index) == 4


def test_hnsw_above_the_threshold_finds_the_same_neighbours_as_exact_search_after_changes():
    rng = np.random.default_rng(3)
    vectors = unit(rng.normal(size=(400, 8)).tolist())
    flat, hnsw = VectorIndex.of(vectors, 8, 10_000), VectorIndex.of(vectors, 8, 100)
    assert (flat.kind, hnsw.kind) == ("flat", "hnsw")
    query = vectors[17]
    assert [i for i, _ in hnsw.search(query, 5)] == [i for i, _ in flat.search(query, 5)]
    moved = unit(rng.normal(size=(3, 8)).tolist())
    for index in (flat, hnsw):  # the graph gets new entries; the replaced ones must not answer
        index.set([17, 400, 401], moved)
        index.clear([18])
    assert hnsw.search(moved[1], 1)[0][0] == 400
    assert [i for i, _ in hnsw.search(query, 5)] == [i for i, _ in flat.search(query, 5)]
    assert 18 not in {i for i, _ in hnsw.search(vectors[18], 10)}


def test_bm25_set_and_clear_score_as_an_index_built_at_once():
    texts = ["model stealing through the API", "data drift in production", "stealing labels", "drift of labels"]
    whole = Bm25Index()
    whole.set([0, 1, 2], [texts[0], texts[3], texts[2]], [None, None, None])
    stepwise = Bm25Index()
    stepwise.set([0, 1], texts[:2], [None, None])
    stepwise.set([2], [texts[2]], [None])
    stepwise.set([1], [texts[3]], [texts[1]])
    for query in ("stealing", "drift labels", "API"):
        assert np.allclose(whole.scores(query, 3), stepwise.scores(query, 3))
    assert whole.scores("stealing", 3)[1] == 0.0 and whole.scores("stealing", 3)[0] > 0


def test_bm25_loaded_from_disk_then_changed_scores_as_an_index_built_at_once(tmp_path: Path):
    texts = ["model stealing through the API", "data drift in production", "stealing labels", "drift of labels"]
    saved = Bm25Index()
    saved.set([0, 1, 2], texts[:3], [None, None, None])
    saved.save(tmp_path / "bm25.npz", {0: 0, 1: 1, 2: 2})
    loaded = Bm25Index.load(tmp_path / "bm25.npz")
    assert np.allclose(loaded.scores("stealing drift", 3), saved.scores("stealing drift", 3))
    loaded.set([2, 3], ["drift of the API", texts[3]], [texts[2], None])
    loaded.clear([0], [texts[0]])
    whole = Bm25Index()
    whole.set([1, 2, 3], [texts[1], "drift of the API", texts[3]], [None, None, None])
    for query in ("stealing drift", "labels", "API model", "production"):
        assert np.allclose(loaded.scores(query, 4), whole.scores(query, 4)), query
    assert loaded.scores("stealing", 4).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_bm25_over_texts_without_words_scores_zero():
    index = Bm25Index()
    index.set([0, 1], ["\U000df8b7\u00be", "the of and"], [None, None])
    assert index.scores("model stealing", 2).tolist() == [0.0, 0.0]


def _synced(store, encoder, index: SearchIndex | None = None) -> tuple[SearchIndex, int]:
    index = index or SearchIndex(encoder.model, encoder.dim)
    change = index.apply_plan(index.plan_sync(store, encoder))
    return index, change.encoded


def test_sync_encodes_only_what_changed(seeded, importer, vault):
    encoder = CountingEncoder()
    index, encoded = _synced(seeded, encoder)
    assert encoded == len(index) == len(encoder.seen) > 60

    encoder.seen.clear()
    _, encoded = _synced(seeded, encoder, index)
    assert encoded == 0 and encoder.seen == []

    shutil.copy(FIXTURES / STEALING_NOTE, vault / STEALING_NOTE)
    report = importer.ingest_paths([vault])
    plan = index.plan_update(seeded, encoder, report.touched)
    index.apply_plan(plan)
    changed = set(encoder.seen)
    assert any(text.startswith("Cross-cutting aspects > Security > Model stealing") for text in changed)
    assert any("Membership leakage" in text for text in changed)
    assert not any(text.startswith("Data management > Data collection > Data discovery") for text in changed)
    assert plan.change.encoded == len(changed) < len(index)

    encoder.seen.clear()
    report = IngestReport()
    importer.delete(STEALING_NOTE, report)
    removed = index.apply_plan(index.plan_update(seeded, encoder, report.touched))
    assert removed.removed > 0 and index.text("https://w3id.org/mlkg/id/concern/membership-leakage") is None
    stealing = index.text("https://w3id.org/mlkg/id/concern/model-stealing")
    assert stealing is not None and stealing.text in encoder.seen  # its text lost the second note's definition


def test_saved_index_round_trips_and_a_corrupt_one_is_not_served(seeded, tmp_path: Path):
    encoder = CountingEncoder()
    index, _ = _synced(seeded, encoder)
    index.fingerprint = "f"
    folder = tmp_path / "index"
    index.save(folder)
    loaded = SearchIndex.load(folder, "fake", 16, 50_000)
    assert loaded is not None
    again = loaded[0]
    assert again.fingerprint == "f" and {t.iri for t in again.live()} == {t.iri for t in index.live()}
    query = encoder.encode(["model stealing"])[0]
    assert [again.texts[r].iri for r, _ in again.vectors.search(query, 5)] == [  # type: ignore[union-attr]
        index.texts[r].iri
        for r, _ in index.vectors.search(query, 5)  # type: ignore[union-attr]
    ]
    assert np.allclose(
        sorted(again.bm25.scores("stealing model", len(again.texts))),
        sorted(index.bm25.scores("stealing model", len(index.texts))),
    )
    # an index saved by the previous format (one object per text) is still read, not rebuilt
    current = folder / (folder / "current").read_text()
    meta = json.loads((current / "index.json").read_text())
    columns = meta.pop("columns")
    meta |= {
        "format": 2,
        "texts": [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)],
    }
    (current / "index.json").write_text(json.dumps(meta))
    older = SearchIndex.load(folder, "fake", 16, 50_000)
    assert older is not None and older[0].texts == again.texts and len(again.texts) > 30
    assert SearchIndex.load(folder, "other-model", 16, 50_000) is None
    assert SearchIndex.load(folder, "fake", 3, 50_000) is None
    current = folder / (folder / "current").read_text()
    (current / "vectors.npy").write_bytes(b"not numpy")
    assert SearchIndex.load(folder, "fake", 16, 50_000) is None
    assert SearchIndex.load(tmp_path / "missing", "fake", 16, 50_000) is None
