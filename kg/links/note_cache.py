"""Per-note files kept beside the store, by content hash: markdown, link inputs, sentence vectors."""

import hashlib
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from kg.links.inputs import PASSAGES_VERSION, LinkInputs
from kg.search.encoder import Encoder, Vectors

log = logging.getLogger(__name__)
CONTENT_HASH = re.compile(r"[0-9a-f]{64}")
LOADED_CAP = 2048


def _safe(content_hash: str) -> str:
    """A content hash fit to name a file: values read from the store may have been written by anyone."""
    if not CONTENT_HASH.fullmatch(content_hash):
        raise ValueError(f"not a content hash: {content_hash[:80]!r}")
    return content_hash


@dataclass
class NoteCache:
    """What mlkg keeps of each note, by content hash (so never stale): its markdown, link inputs and
    sentence vectors. Written before the note's graph, so a stored note always has them."""

    folder: Path
    _loaded: OrderedDict[tuple[str, str], LinkInputs] = field(default_factory=OrderedDict, repr=False)
    """The link inputs read or written last (at most LOADED_CAP): a first link pass over a large
    vault reads every note's once, and keeping them all held hundreds of MB at 10,000 notes."""
    _forms: dict[tuple[str, str], Vectors] = field(default_factory=dict, repr=False)
    _forms_loaded: set[str] = field(default_factory=set, repr=False)
    _forms_dirty: set[str] = field(default_factory=set, repr=False)
    _kept: set[str] | None = field(default=None, repr=False)

    def _inputs_path(self, content_hash: str, note: str, version: int = PASSAGES_VERSION) -> Path:
        # the same content at two paths (empty templates, copied notes) makes two notes with two inputs
        which = hashlib.sha256(note.encode("utf-8")).hexdigest()[:16]
        suffix = f".v{version}" if version > 1 else ""
        return self.folder / "inputs" / f"{_safe(content_hash)}-{which}{suffix}.json"

    def _vectors_path(self, content_hash: str, model: str) -> Path:
        return self.folder / "vectors" / model.replace("/", "_") / f"{_safe(content_hash)}.npy"

    def _source_path(self, content_hash: str) -> Path:
        return self.folder / "sources" / f"{_safe(content_hash)}.md"

    def has(self, content_hash: str, note: str) -> bool:
        if not CONTENT_HASH.fullmatch(content_hash):
            return False
        inputs = (content_hash, note) in self._loaded or self._inputs_path(content_hash, note).exists()
        return inputs and self._source_path(content_hash).exists()

    def save_source(self, content_hash: str, data: bytes) -> None:
        path = self._source_path(content_hash)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".tmp").write_bytes(data)
        path.with_suffix(".tmp").replace(path)

    def source(self, content_hash: str) -> str | None:
        """The note's markdown as imported, or None when it was never kept."""
        if not CONTENT_HASH.fullmatch(content_hash):
            return None
        try:
            return self._source_path(content_hash).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def imported_at(self, content_hash: str) -> str | None:
        """When this content was first kept (ISO 8601, UTC), or None."""
        if not CONTENT_HASH.fullmatch(content_hash):
            return None
        try:
            seconds = self._source_path(content_hash).stat().st_mtime
        except OSError:
            return None
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")

    def save(self, inputs: LinkInputs) -> None:
        """Write before the note's graph is stored, so a stored note always has its inputs."""
        path = self._inputs_path(inputs.content_hash, inputs.note)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(inputs.to_json(), "utf-8")
        tmp.replace(path)
        for older in self._older_paths(inputs.content_hash, inputs.note):
            older.unlink(missing_ok=True)
        self._remember((inputs.content_hash, inputs.note), inputs)

    def _older_paths(self, content_hash: str, note: str) -> list[Path]:
        """Where earlier passage readers kept this note's inputs, newest first."""
        return [self._inputs_path(content_hash, note, version) for version in range(PASSAGES_VERSION - 1, 0, -1)]

    def load(self, content_hash: str, note: str) -> LinkInputs | None:
        if (cached := self._loaded.get((content_hash, note))) is not None:
            self._loaded.move_to_end((content_hash, note))
            return cached
        try:  # a content hash read from the store may be anything: _safe refuses it here
            current = self._inputs_path(content_hash, note)
            # inputs kept by an earlier version still link until the note is read again
            found = current.exists()
            kept = current if found else next((p for p in self._older_paths(content_hash, note) if p.exists()), current)
            inputs = LinkInputs.from_json(kept.read_text("utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning(
                "no link inputs for %s (content %s…: %s); import the note again to link it",
                note,
                content_hash[:12],
                error,
            )
            return None
        if found:  # an older version's inputs are not remembered: `has` must go on saying they are missing
            self._remember((content_hash, note), inputs)
        return inputs

    def _remember(self, key: tuple[str, str], inputs: LinkInputs) -> None:
        self._loaded[key] = inputs
        self._loaded.move_to_end(key)
        while len(self._loaded) > LOADED_CAP:
            self._loaded.popitem(last=False)

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
        """Vectors of concept names and descriptions, encoded once per text and model (kept on disk
        by `save_forms`, so a new process does not encode them again)."""
        if encoder.model not in self._forms_loaded:
            self._load_forms(encoder.model)
        fresh = sorted({text for text in texts if (encoder.model, text) not in self._forms})
        if fresh:
            for text, vector in zip(fresh, encoder.encode(fresh), strict=True):
                self._forms[(encoder.model, text)] = vector
            self._forms_dirty.add(encoder.model)
        if not texts:
            return np.zeros((0, encoder.dim), np.float32)
        return np.stack([self._forms[(encoder.model, text)] for text in texts])

    def _forms_path(self, model: str) -> Path:
        return self.folder / "forms" / f"{model.replace('/', '_')}.npz"

    def _load_forms(self, model: str) -> None:
        self._forms_loaded.add(model)
        try:
            with np.load(self._forms_path(model), allow_pickle=False) as saved:
                texts, vectors = saved["texts"].tolist(), saved["vectors"]
        except (OSError, ValueError, KeyError) as error:
            log.debug("no saved concept vectors for %s (%s)", model, error)
            return
        self._forms.update({(model, text): vector for text, vector in zip(texts, vectors, strict=True)})

    def save_forms(self) -> None:
        """Write the concept vectors encoded since the last save."""
        for model in sorted(self._forms_dirty):
            kept = [(text, vector) for (m, text), vector in self._forms.items() if m == model]
            path = self._forms_path(model)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.with_suffix(".tmp").open("wb") as file:
                np.savez(file, texts=np.array([t for t, _ in kept]), vectors=np.stack([v for _, v in kept]))
            path.with_suffix(".tmp").replace(path)
        self._forms_dirty.clear()

    def prune(self, keep: set[str]) -> int:
        """Remove cached entries of contents no stored note has any more; returns how many files.

        The first call looks at every file; later ones only at the contents kept last time, so a
        write does not list the whole cache."""
        keep = {h for h in keep if CONTENT_HASH.fullmatch(h)}
        if self._kept is None:
            patterns = ("inputs/*.json", "vectors/*/*.npy", "sources/*.md")
            stale = [path for pattern in patterns for path in self.folder.glob(pattern) if path.stem[:64] not in keep]
        else:
            gone = self._kept - keep
            models = [folder for folder in self.folder.glob("vectors/*") if folder.is_dir()]
            inputs = [path for h in gone for path in self.folder.glob(f"inputs/{_safe(h)}-*.json")]
            stale = [path for h in gone for path in (self._source_path(h), *(m / f"{h}.npy" for m in models))]
            stale += inputs
        removed = 0
        for path in stale:
            if path.exists():
                path.unlink(missing_ok=True)
                removed += 1
        self._loaded = OrderedDict((key, value) for key, value in self._loaded.items() if key[0] in keep)
        self._kept = set(keep)
        return removed
