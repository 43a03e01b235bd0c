"""The encoders: the ONNX path gives torch's vectors and ranking; failures fall back to torch."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from kg.search import encoder_loading
from kg.search.encoder import PROBES, OnnxEncoder, TorchEncoder, optimized_path, resolve_model
from kg.search.encoder_loading import load_encoder
from kg.search.evaluation import read_cases

from .conftest import ROOT

SHARED_EVAL = ROOT / "bench" / "eval" / "questions.tsv"


@pytest.fixture(scope="module")
def torch_encoder() -> TorchEncoder:
    return TorchEncoder("all-MiniLM-L6-v2", resolve_model("all-MiniLM-L6-v2"))


def test_onnx_gives_the_same_vectors_and_ranking_as_torch(encoder, torch_encoder, seed_services):
    texts = [t.text for t in seed_services.open().engine.index.live()]
    questions = [case.question for case in read_cases(SHARED_EVAL)]
    onnx_docs, torch_docs = encoder.encode(texts), torch_encoder.encode(texts)
    assert onnx_docs.shape == (len(texts), 384)
    assert np.abs(onnx_docs - torch_docs).max() < 1e-4
    assert np.allclose(np.linalg.norm(onnx_docs, axis=1), 1.0, atol=1e-5)
    onnx_rank = np.argsort(-(onnx_docs @ encoder.encode(questions).T), axis=0)[:10]
    torch_rank = np.argsort(-(torch_docs @ torch_encoder.encode(questions).T), axis=0)[:10]
    assert (onnx_rank == torch_rank).all()


def test_exported_model_is_cached(models_dir: Path, encoder):
    folder = models_dir / "all-minilm-l6-v2"
    assert (folder / "model.onnx").stat().st_size > 1_000_000
    assert (folder / "meta.json").exists()
    again = load_encoder("all-MiniLM-L6-v2", models_dir, backend="auto")
    assert again.backend == "onnx"
    assert optimized_path(folder).stat().st_size > 1_000_000


def test_a_cache_from_before_gets_the_optimised_graph_with_the_same_vectors(models_dir: Path, tmp_path: Path):
    old = tmp_path / "models" / "all-minilm-l6-v2"
    old.mkdir(parents=True)
    for name in ("model.onnx", "tokenizer.json", "meta.json"):
        shutil.copy(models_dir / "all-minilm-l6-v2" / name, old / name)
    plain = OnnxEncoder("all-MiniLM-L6-v2", old).encode(PROBES)
    loaded = load_encoder("all-MiniLM-L6-v2", tmp_path / "models", backend="onnx")
    assert optimized_path(old).exists()
    assert np.abs(loaded.encode(PROBES) - plain).max() < 1e-5
    assert sorted(p.name for p in old.iterdir()) == sorted(
        ["model.onnx", "tokenizer.json", "meta.json", optimized_path(old).name]
    )


def test_failed_export_falls_back_to_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def broken_export(*args: object) -> None:
        raise RuntimeError("exporter unavailable")

    monkeypatch.setattr(encoder_loading, "export_onnx", broken_export)
    fallback = load_encoder("all-MiniLM-L6-v2", tmp_path / "models", backend="auto")
    assert fallback.backend == "torch"
    vector = fallback.encode(["model stealing"])
    assert vector.shape == (1, 384)
    with pytest.raises(RuntimeError, match="exporter unavailable"):
        load_encoder("all-MiniLM-L6-v2", tmp_path / "models", backend="onnx")


def test_unknown_model_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="neither the bundled all-MiniLM-L6-v2 nor a folder"):
        load_encoder("no/such-model", tmp_path)


def test_empty_input(encoder):
    assert encoder.encode([]).shape == (0, 384)
