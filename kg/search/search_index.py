"""Node texts with their dense and keyword indexes, numbered by row, changed a few texts at a time.

A write brings the index up to date for the nodes it touched (`plan_update`); `plan_sync`
compares every node of the store (a new process, or after a SPARQL update). Either way only texts
whose digest changed are encoded, and the plan is applied in one step. The state is saved in
one folder per save and switched to atomically.
"""

import json
import logging
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.search.bm25_index import Bm25Index
from kg.search.encoder import Encoder
from kg.search.node_texts import NodeText, dependents, node_texts
from kg.search.vector_index import VectorIndex
from kg.store.quad_store import Store

log = logging.getLogger(__name__)
FORMAT = 3
"""3: node texts saved as columns (a third faster to read than one object per text, format 2, still read)."""
READABLE = {2, FORMAT}
COLUMNS = ("iri", "kind", "label", "text", "synonyms")
CURRENT = "current"


@dataclass
class IndexChange:
    """What bringing the index up to date did."""

    encoded: int = 0
    reused: int = 0
    removed: int = 0


@dataclass
class IndexPlan:
    """Texts to put (with their vectors) and nodes to drop: computed beside readers, applied at once."""

    texts: list[NodeText]
    vectors: np.ndarray
    removed: list[str]
    change: IndexChange


@dataclass
class SearchIndex:
    """Every node's text, its vector (FAISS) and its terms (BM25), by row."""

    model: str
    dim: int
    hnsw_threshold: int = 50_000
    texts: list[NodeText | None] = field(default_factory=list)
    """By row; None for a row that is free."""
    row: dict[str, int] = field(default_factory=dict)
    vectors: VectorIndex = field(init=False)
    bm25: Bm25Index = field(default_factory=Bm25Index)
    fingerprint: str = ""
    """Digest of the store's note hashes the index was last brought up to date with."""
    _free: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.vectors = VectorIndex(self.dim, self.hnsw_threshold)

    def __len__(self) -> int:
        return len(self.row)

    def text(self, iri: str) -> NodeText | None:
        row = self.row.get(iri)
        return self.texts[row] if row is not None else None

    def live(self) -> list[NodeText]:
        return [t for t in self.texts if t is not None]

    def apply(self, texts: list[NodeText], vectors: np.ndarray, removed: list[str]) -> None:
        """Put these texts (new or changed) with their vectors, and drop the removed nodes."""
        gone = [self.row.pop(iri) for iri in removed if iri in self.row]
        old_texts = [self.texts[r] for r in gone]
        self.bm25.clear(gone, [t.text for t in old_texts if t is not None])
        self.vectors.clear(gone)
        for row in gone:
            self.texts[row] = None
        self._free.extend(sorted(gone, reverse=True))
        rows = [self._row_for(t.iri) for t in texts]
        previous = [self.texts[r].text if self.texts[r] is not None else None for r in rows]  # type: ignore[union-attr]
        for row, text in zip(rows, texts, strict=True):
            self.texts[row] = text
        self.bm25.set(rows, [t.text for t in texts], previous)
        self.vectors.set(rows, vectors)

    def _row_for(self, iri: str) -> int:
        if iri in self.row:
            return self.row[iri]
        row = self._free.pop() if self._free else len(self.texts)
        if row == len(self.texts):
            self.texts.append(None)
        self.row[iri] = row
        return row

    def plan(self, fresh: list[NodeText], gone: list[str], encoder: Encoder) -> IndexPlan:
        """Encode the texts whose digest changed; `gone` are nodes no longer in the graph. Changes nothing."""
        changed = [t for t in fresh if (old := self.text(t.iri)) is None or old.digest != t.digest]
        vectors = encoder.encode([t.text for t in changed]) if changed else np.zeros((0, self.dim), np.float32)
        removed = [iri for iri in gone if iri in self.row]
        return IndexPlan(changed, vectors, removed, IndexChange(len(changed), len(fresh) - len(changed), len(removed)))

    def plan_sync(self, store: Store, encoder: Encoder) -> IndexPlan:
        """Compare every node of the store with the index."""
        fresh = node_texts(store)
        return self.plan(fresh, sorted(set(self.row) - {t.iri for t in fresh}), encoder)

    def plan_update(self, store: Store, encoder: Encoder, touched: set[str]) -> IndexPlan:
        """Compare the nodes a write touched with the index, and the nodes whose text names one of
        them when that one's label changed or it is gone (a concern's text names its step and stage)."""
        fresh = node_texts(store, sorted(touched))
        present = {t.iri for t in fresh}
        renamed = {t.iri for t in fresh if (old := self.text(t.iri)) is not None and old.label != t.label}
        renamed |= {iri for iri in touched - present if iri in self.row}
        if renamed:
            fresh += node_texts(store, sorted(dependents(store, renamed) - touched))
        gone = [iri for iri in sorted(touched) if iri not in present]
        return self.plan(fresh, gone, encoder)

    def apply_plan(self, plan: IndexPlan) -> IndexChange:
        self.apply(plan.texts, plan.vectors, plan.removed)
        return plan.change

    def save(self, folder: Path, extra: dict[str, Any] | None = None) -> Path:
        """Write the index into a new folder under `folder` and make it the current one."""
        target = folder / f"state-{uuid.uuid4().hex[:12]}"
        target.mkdir(parents=True)
        rows, matrix = self.vectors.live_matrix()
        live = [self.texts[r] for r in rows]
        np.save(target / "vectors.npy", matrix)
        self.bm25.save(target / "bm25.npz", {old: new for new, old in enumerate(rows)})
        # the graph's ids are rows: it can be saved only while they are 0..n-1, as they will be when loaded
        graph = self.vectors.hnsw_state()
        if graph is not None and graph.ntotal == len(rows) and rows == list(range(len(rows))):
            import faiss

            faiss.write_index(graph, str(target / "hnsw.faiss"))
        meta = {
            "format": FORMAT,
            "model": self.model,
            "dim": self.dim,
            "fingerprint": self.fingerprint,
            "columns": {name: [getattr(t, name) for t in live if t is not None] for name in COLUMNS},
        }
        (target / "index.json").write_text(json.dumps(meta), "utf-8")
        for name, write in (extra or {}).items():
            write(target / name)
        (folder / f"{CURRENT}.tmp").write_text(target.name, "utf-8")
        (folder / f"{CURRENT}.tmp").replace(folder / CURRENT)
        for old in folder.glob("state-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
        return target

    @classmethod
    def load(cls, folder: Path, model: str, dim: int, hnsw_threshold: int) -> "tuple[SearchIndex, Path] | None":
        """The saved index and its folder, or None when it is missing, corrupt or made by another model."""
        try:
            target = folder / (folder / CURRENT).read_text("utf-8").strip()
            meta = json.loads((target / "index.json").read_text("utf-8"))
            vectors = np.load(target / "vectors.npy")
            bm25 = Bm25Index.load(target / "bm25.npz")
            texts = _node_texts(meta)
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.info("no usable search index in %s (%s)", folder, error)
            return None
        made_for = (meta.get("model"), meta.get("dim"), vectors.shape)
        if meta.get("format") not in READABLE or made_for != (model, dim, (len(texts), dim)):
            log.warning("search index in %s does not match model %s (%d dims); rebuilding", folder, model, dim)
            return None
        index = cls(model, dim, hnsw_threshold, list(texts), {t.iri: i for i, t in enumerate(texts)}, bm25=bm25)
        index.fingerprint = str(meta.get("fingerprint", ""))
        index.vectors = VectorIndex.of(vectors.astype(np.float32, copy=False), dim, hnsw_threshold, copy=False)
        if (target / "hnsw.faiss").exists() and index.vectors.kind == "hnsw":
            import faiss

            index.vectors.adopt(faiss.read_index(str(target / "hnsw.faiss")))
        return index, target


def _node_texts(meta: dict[str, Any]) -> list[NodeText]:
    """The saved node texts, in row order, from either format."""
    if "columns" not in meta:
        return [NodeText(**row) for row in meta["texts"]]
    columns = meta["columns"]
    return [NodeText(*values) for values in zip(*(columns[name] for name in COLUMNS), strict=True)]
