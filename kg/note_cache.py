"""Per-note files kept beside the store, by content hash: markdown, link inputs, sentence vectors."""

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg.encoder import Encoder, Vectors
from kg.link_inputs import LinkInputs

log = logging.getLogger(__name__)


@dataclass
class NoteCache:
    """What mlkg keeps of each note, by content hash (so never stale): its markdown, link inputs and
    sentence vectors. Written before the note's graph, so a stored note always has them."""

    folder: Path
    _loaded: dict[str, LinkInputs] = field(default_factory=dict, repr=False)
    _forms: dict[tuple[str, str], Vectors] = field(default_factory=dict, repr=False)
    _kept: set[str] | None = field(default=None, repr=False)

    def _inputs_path(self, content_hash: str) -> Path:
        return self.folder / "inputs" / f"{content_hash}.json"

    def _vectors_path(self, content_hash: str, model: str) -> Path:
        return self.folder / "vectors" / model.replace("/", "_") / f"{content_hash}.npy"

    def _source_path(self, content_hash: str) -> Path:
        return self.folder / "sources" / f"{content_hash}.md"

    def has(self, content_hash: str) -> bool:
        inputs = content_hash in self._loaded or self._inputs_path(content_hash).exists()
        return inputs and self._source_path(content_hash).exists()

    def save_source(self, content_hash: str, data: bytes) -> None:
        path = self._source_path(content_hash)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".tmp").write_bytes(data)
        path.with_suffix(".tmp").replace(path)

    def source(self, content_hash: str) -> str | None:
        """The note's markdown as imported, or None when it was never kept."""
        try:
            return self._source_path(content_hash).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def save(self, inputs: LinkInputs) -> None:
        """Write before the note's graph is stored, so a stored note always has its inputs."""
        path = self._inputs_path(inputs.content_hash)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(inputs.to_json(), "utf-8")
        tmp.replace(path)
        self._loaded[inputs.content_hash] = inputs

    def load(self, content_hash: str) -> LinkInputs | None:
        if (cached := self._loaded.get(content_hash)) is not None:
            return cached
        try:
            inputs = LinkInputs.from_json(self._inputs_path(content_hash).read_text("utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning(
                "no link inputs for content %s… (%s); import the note again to link it", content_hash[:12], error
            )
            return None
        self._loaded[content_hash] = inputs
        return inputs

    def vectors(self, content_hash: str, model: str) -> Vectors | None:
        try:
            loaded: Vectors = np.load(self._vectors_path(content_hash, model), allow_pickle=False)
        except (OSError, ValueError):
            return None
        return loaded

    def save_vectors(self, content_hash: str, model: str, vectors: Vectors) -> None:
        path = self._vectors_path(content_hash, model)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.with_suffix(".tmp").open("wb") as file:
            np.save(file, vectors, allow_pickle=False)
        path.with_suffix(".tmp").replace(path)

    def encode_forms(self, encoder: Encoder, texts: list[str]) -> Vectors:
        """Vectors of concept names and descriptions, encoded once per text and model."""
        fresh = sorted({text for text in texts if (encoder.model, text) not in self._forms})
        if fresh:
            for text, vector in zip(fresh, encoder.encode(fresh), strict=True):
                self._forms[(encoder.model, text)] = vector
        if not texts:
            return np.zeros((0, encoder.dim), np.float32)
        return np.stack([self._forms[(encoder.model, text)] for text in texts])

    def prune(self, keep: set[str]) -> int:
        """Remove cached entries of contents no stored note has any more; returns how many files.

        The first call looks at every file; later ones only at the contents kept last time, so a
        write does not list the whole cache."""
        if self._kept is None:
            patterns = ("inputs/*.json", "vectors/*/*.npy", "sources/*.md")
            stale = [path for pattern in patterns for path in self.folder.glob(pattern) if path.stem not in keep]
        else:
            models = [folder for folder in self.folder.glob("vectors/*") if folder.is_dir()]
            stale = [
                path
                for gone in self._kept - keep
                for path in (self._inputs_path(gone), self._source_path(gone), *(m / f"{gone}.npy" for m in models))
            ]
        removed = 0
        for path in stale:
            if path.exists():
                path.unlink(missing_ok=True)
                removed += 1
            self._loaded.pop(path.stem, None)
        self._kept = set(keep)
        return removed
