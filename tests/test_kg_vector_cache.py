"""The vector cache beside the model: the encoder's own vectors, kept across processes and data
folders, never a question, and never an error when the file is unusable."""

import json
import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from api.service import reads
from api.service.core import build_services
from kg.iris import slugify
from kg.search.encoder import Encoder
from kg.search.vector_cache import CachedEncoder, VectorCache, vector_cache_path
from kg.settings import Settings

from .conftest import SEED, RememberingEncoder, kg

TEXTS = ["Model stealing through a public API", "labels arrive weeks late", "Model stealing through a public API"]


def _raw(encoder: Encoder) -> Encoder:
    return encoder.inner if isinstance(encoder, CachedEncoder) else encoder


def test_kept_vectors_are_the_encoders_and_another_process_encodes_nothing_again(tmp_path: Path, encoder: Encoder):
    raw, path = _raw(encoder), tmp_path / "vectors.sqlite"
    first = RememberingEncoder(raw)
    vectors = CachedEncoder(first, VectorCache(path, raw.dim, 100)).encode(TEXTS)  # type: ignore[arg-type]
    assert sorted(first.encoded) == sorted(TEXTS[:2])  # each distinct text once
    np.testing.assert_allclose(vectors, raw.encode(TEXTS), atol=1e-6)
    assert np.array_equal(vectors[0], vectors[2])

    again = RememberingEncoder(raw)  # a new cache object over the same file, as another data folder or process opens it
    cached = CachedEncoder(again, VectorCache(path, raw.dim, 100))  # type: ignore[arg-type]
    assert np.array_equal(cached.encode(TEXTS), vectors) and again.encoded == []
    mixed = cached.encode(["a text never seen", TEXTS[1]])
    assert again.encoded == ["a text never seen"] and np.array_equal(mixed[1], vectors[1])


def test_the_newest_texts_are_kept_and_the_oldest_dropped(tmp_path: Path, encoder: Encoder):
    raw = _raw(encoder)
    cache = VectorCache(tmp_path / "vectors.sqlite", raw.dim, max_rows=3)
    texts = [f"text number {i}" for i in range(5)]
    for text in texts:
        cache.keep([text], raw.encode([text]))
    assert set(cache.lookup(texts)) == set(texts[2:])


def test_an_unusable_file_is_skipped_with_a_warning(tmp_path: Path, encoder: Encoder, caplog: pytest.LogCaptureFixture):
    raw, path = _raw(encoder), tmp_path / "vectors.sqlite"
    path.write_bytes(b"not a database" * 100)
    counting = RememberingEncoder(raw)
    with caplog.at_level(logging.WARNING):
        vectors = CachedEncoder(counting, VectorCache(path, raw.dim, 100)).encode(TEXTS)  # type: ignore[arg-type]
    np.testing.assert_allclose(vectors, raw.encode(TEXTS), atol=1e-6)
    assert sorted(counting.encoded) == sorted(TEXTS[:2])
    assert any("vector cache" in r.getMessage() and "encoding without it" in r.getMessage() for r in caplog.records)
    assert path.read_bytes() == b"not a database" * 100  # left as it was


def test_vectors_of_another_size_are_not_this_models(tmp_path: Path, encoder: Encoder):
    raw, path = _raw(encoder), tmp_path / "vectors.sqlite"
    VectorCache(path, raw.dim, 100).keep(TEXTS[:1], raw.encode(TEXTS[:1]))
    assert VectorCache(path, 8, 100).lookup(TEXTS[:1]) == {}


def _fresh_cache(models_dir: Path, target: Path, encoder: Encoder) -> Path:
    """The session's ONNX export, linked file by file into a model cache with no vectors yet."""
    folder = target / slugify(encoder.model)
    folder.mkdir(parents=True)
    for file in (models_dir / slugify(encoder.model)).iterdir():
        if not file.name.startswith("vectors-"):
            (folder / file.name).symlink_to(file)
    return target


def _rows(path: Path) -> set[bytes]:
    with sqlite3.connect(path) as connection:
        return {key for (key,) in connection.execute("SELECT key FROM vectors")}


def test_a_second_data_folder_encodes_nothing_and_answers_the_same(
    tmp_path: Path, models_dir: Path, cli_models: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
):
    cache = _fresh_cache(models_dir, tmp_path / "models", encoder)
    monkeypatch.setenv("KG_MODEL_CACHE", str(cache))
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / SEED.name).write_bytes(SEED.read_bytes())
    question = "someone is copying my model through its API"
    answers, kept = [], []
    for data in (tmp_path / "first", tmp_path / "second"):
        assert kg(data, "ingest", str(vault)).returncode == 0
        asked = kg(data, "ask", question, "-k", "3", "--json")
        assert asked.returncode == 0, asked.stderr
        answers.append([(h["label"], h["score"]) for h in json.loads(asked.stdout)["hits"]])
        kept.append(_rows(vector_cache_path(cache, encoder)))
    assert answers[0] == answers[1] and answers[0][0][0] == "Model stealing"
    assert len(kept[0]) > 300  # the seed's node texts, passages and the concerns' forms
    assert kept[1] == kept[0]  # every text the second import needed was kept: none was encoded again
    services = build_services(Settings(data_dir=tmp_path / "first"))  # loads its own encoder, as `kg serve`
    try:
        assert reads.ask(services, question, 3).hits[0].label == "Model stealing"
    finally:
        services.close()
    assert _rows(vector_cache_path(cache, encoder)) == kept[1]  # what users ask is never written to disk

    monkeypatch.setenv("KG_VECTOR_CACHE_ROWS", "0")
    off = tmp_path / "models-off"
    _fresh_cache(models_dir, off, encoder)
    monkeypatch.setenv("KG_MODEL_CACHE", str(off))
    assert kg(tmp_path / "third", "ingest", str(vault)).returncode == 0
    assert not vector_cache_path(off, encoder).exists()
