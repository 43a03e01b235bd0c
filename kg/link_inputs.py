"""What linking needs from a note, kept so notes can be linked again when the graph around them changes."""

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kg.encoder import Encoder, Vectors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Passage:
    """A sentence of the note's prose (or a table row) and its line."""

    text: str
    line: int


@dataclass(frozen=True)
class Reference:
    """A `[[wikilink]]` (name, folder) or a `#tag` (name) and its line."""

    name: str
    line: int
    folder: str = ""


@dataclass
class LinkInputs:
    """A note's passages, wikilinks and tags, the concepts it asserts itself and its paper."""

    note: str
    content_hash: str
    passages: list[Passage] = field(default_factory=list)
    wikilinks: list[Reference] = field(default_factory=list)
    tags: list[Reference] = field(default_factory=list)
    own: list[str] = field(default_factory=list)
    about: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "LinkInputs":
        raw = json.loads(text)
        return cls(
            note=raw["note"],
            content_hash=raw["content_hash"],
            passages=[Passage(**p) for p in raw["passages"]],
            wikilinks=[Reference(**r) for r in raw["wikilinks"]],
            tags=[Reference(**r) for r in raw["tags"]],
            own=list(raw["own"]),
            about=raw["about"],
        )


@dataclass
class LinkCache:
    """Link inputs and passage vectors on disk, by the note's content hash (so never stale)."""

    folder: Path
    _loaded: dict[str, LinkInputs] = field(default_factory=dict, repr=False)
    _forms: dict[tuple[str, str], Vectors] = field(default_factory=dict, repr=False)

    def _inputs_path(self, content_hash: str) -> Path:
        return self.folder / "inputs" / f"{content_hash}.json"

    def _vectors_path(self, content_hash: str, model: str) -> Path:
        return self.folder / "vectors" / model.replace("/", "_") / f"{content_hash}.npy"

    def has(self, content_hash: str) -> bool:
        return content_hash in self._loaded or self._inputs_path(content_hash).exists()

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
        """Remove cached entries of contents no stored note has any more; returns how many."""
        removed = 0
        for path in [*self.folder.glob("inputs/*.json"), *self.folder.glob("vectors/*/*.npy")]:
            if path.stem not in keep:
                path.unlink(missing_ok=True)
                self._loaded.pop(path.stem, None)
                removed += 1
        return removed
