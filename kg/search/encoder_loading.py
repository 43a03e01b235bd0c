"""Choose and build the encoder: the cached ONNX export when it matches torch, else torch."""

import inspect
import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from kg.iris import slugify
from kg.search.encoder import PROBES, Encoder, OnnxEncoder, TorchEncoder, optimized_path, resolve_model

log = logging.getLogger(__name__)
ONNX_FAILURES = (ImportError, OSError, RuntimeError, ValueError, KeyError, TypeError)
TOLERANCE = 1e-4


def load_encoder(model: str, cache_dir: Path, backend: str = "auto", threads: int = 2) -> Encoder:
    """Build the encoder for `model`; `backend` is auto, onnx or torch."""
    path = resolve_model(model)
    if backend in ("auto", "onnx"):
        folder = cache_dir / slugify(model)
        try:
            if not (folder / "meta.json").exists():
                export_onnx(model, path, folder)
            elif not optimized_path(folder).exists():
                _optimize_once(folder)
            return OnnxEncoder(model, folder, threads)
        except ONNX_FAILURES as error:
            if backend == "onnx":
                raise
            log.warning("ONNX encoder unavailable for %s (%s); using torch", model, error)
    return TorchEncoder(model, path)


def save_optimized(folder: Path) -> None:
    """Save the graph of `folder/model.onnx` as ONNX Runtime rewrites it, beside it. Only the
    extended level: its rewrites run on any CPU, unlike the layout changes of the full level."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    target = optimized_path(folder)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        options.optimized_model_filepath = str(Path(tmp) / target.name)
        ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        (Path(tmp) / target.name).replace(target)


def _optimize_once(folder: Path) -> None:
    """An export cached by an earlier version has no optimised graph: save it now, or go on without."""
    try:
        save_optimized(folder)
        log.info("saved the optimised ONNX graph in %s", folder)
    except ONNX_FAILURES as error:
        log.warning("could not save the optimised ONNX graph in %s (%s); using the plain one", folder, error)


def _pooling(path: Path) -> str:
    config = json.loads((path / "1_Pooling" / "config.json").read_text("utf-8"))
    if config.get("pooling_mode_mean_tokens"):
        return "mean"
    if config.get("pooling_mode_cls_token"):
        return "cls"
    raise ValueError("only mean and CLS pooling are exported to ONNX")


def _wrapper(transformer: Any) -> Any:
    import torch

    takes_types = "token_type_ids" in inspect.signature(transformer.forward).parameters

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            extra = {"token_type_ids": token_type_ids} if takes_types else {}
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, **extra)[0]

    return LastHiddenState().eval()


def export_onnx(model: str, path: Path, folder: Path) -> None:
    """Export the transformer to ONNX in `folder`, after checking it encodes as torch does."""
    import torch

    reference = TorchEncoder(model, path)
    pooling = _pooling(path)
    with tempfile.TemporaryDirectory(dir=folder.parent if folder.parent.exists() else None) as tmp:
        staging = Path(tmp)
        dummy = torch.ones((2, 8), dtype=torch.int64)
        axes = {
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "token_type_ids": {0: "batch", 1: "seq"},
            "last_hidden_state": {0: "batch", 1: "seq"},
        }
        # the tracer warns about shape-dependent branches; the check against torch below decides
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _wrapper(reference.transformer),
                (dummy, dummy, torch.zeros_like(dummy)),
                str(staging / "model.onnx"),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        shutil.copy(path / "tokenizer.json", staging / "tokenizer.json")
        meta = {"model": model, "dim": reference.dim, "pooling": pooling, "max_length": reference.max_length}
        (staging / "meta.json").write_text(json.dumps(meta), "utf-8")
        save_optimized(staging)  # checked against torch below, as it will be used
        gap = float(np.abs(OnnxEncoder(model, staging).encode(PROBES) - reference.encode(PROBES)).max())
        if gap > TOLERANCE:
            raise ValueError(f"ONNX export differs from torch by {gap:.2e}")
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(staging, folder)
    log.info("exported %s to ONNX in %s (max difference to torch %.1e)", model, folder, gap)
