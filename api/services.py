"""The one place that wires mlkg's services together; the CLI and the app both call it."""

import hashlib
import logging
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ingest.pipeline import Importer, NoteOutcome, delete_note
from ingest.reading import NoteFile
from kg.graph.view import GraphView
from kg.links.linker import Linker, LinkReport, SemanticLinker
from kg.links.note_cache import NoteCache
from kg.search.encoder import Encoder
from kg.search.encoder_loading import load_encoder
from kg.search.engine import SearchEngine
from kg.search.semantic_index import SyncReport, sync_index
from kg.settings import Settings
from kg.store.quad_store import OxigraphStore, Store

log = logging.getLogger(__name__)
KEPT_SNAPSHOTS = 3


@dataclass(frozen=True)
class ReadView:
    """What readers see: a snapshot of the store, the search engine over it and its generation.

    Published in one assignment after a write has been stored, linked and indexed, so a reader
    sees a note's triples, links and embeddings together or not at all."""

    engine: SearchEngine
    store: Store
    generation: int
    snapshot_dir: Path
    """Where the snapshot lives, for readers in other processes (the SPARQL query workers)."""


@dataclass
class Services:
    """The store and importer (the writer's side) and the read view, built when first needed."""

    settings: Settings
    store: Store
    importer: Importer
    linker: Linker
    encoder: Encoder | None = None
    read_only: bool = False
    snapshots: bool = False
    """Publish each write as a read-only snapshot (the server, whose readers run beside the writer)."""
    _view: ReadView | None = field(default=None, repr=False)
    _writes: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def import_note(self, name: str, data: bytes) -> tuple[NoteOutcome, SyncReport, LinkReport]:
        """Import one note, link it and update the search index, one writer at a time."""
        with self._writes:
            outcome = self.importer.import_bytes(data, NoteFile(name, name))
            synced, linked = self.refresh_all()
            return outcome, synced, linked

    def delete_note(self, note: str) -> str:
        """Drop a note's graph (by IRI, path or name) and update the search index."""
        with self._writes:
            iri = delete_note(self.store, note)
            self.refresh()
            return iri

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a SPARQL update and update the search index."""
        with self._writes:
            self.store.update(sparql, base_iri)
            self.refresh()

    def load_encoder(self) -> Encoder:
        if self.encoder is None:
            s = self.settings
            self.encoder = load_encoder(s.model, s.models_dir, s.encoder_backend, s.encoder_threads)
        return self.encoder

    def refresh(self) -> SyncReport:
        """Bring the indexes, every note's links and the graph view up to date with the store."""
        return self.refresh_all()[0]

    def refresh_all(self) -> tuple[SyncReport, LinkReport]:
        """As `refresh`, also saying which notes were linked again and what they gained or lost."""
        s, encoder, folder = self.settings, self.load_encoder(), self.settings.index_dir
        # node texts do not depend on links, so the index can be synchronised before linking
        index, report = sync_index(self.store, encoder, folder, s.hnsw_threshold)
        linked = self.linker.current() if self.read_only else self._relink(encoder)
        state = hashlib.sha256(f"{index.vectors.fingerprint} {linked.fingerprint}".encode()).hexdigest()
        view = GraphView.cached(self.store, folder, state)
        generation = self._view.generation + 1 if self._view else 0
        snapshot, where = self._snapshot(generation)
        self._view = ReadView(SearchEngine(snapshot, encoder, index, view), snapshot, generation, where)
        return report, linked

    def _relink(self, encoder: Encoder) -> LinkReport:
        s = self.settings
        semantic = SemanticLinker.build(self.store, encoder, self.linker.cache, s.link_threshold, s.max_semantic_links)
        return self.linker.relink(semantic)

    def _snapshot(self, generation: int) -> tuple[Store, Path]:
        """A read-only copy of the store as it is now; later writes do not show in it."""
        if self.read_only or not self.snapshots:
            return self.store, self.settings.store_dir
        folder = self.settings.snapshots_dir
        if generation == 0:
            shutil.rmtree(folder, ignore_errors=True)  # left by an earlier process
        target = folder / f"{generation:08d}"
        folder.mkdir(parents=True, exist_ok=True)
        self.store.snapshot(target)
        # readers of older snapshots keep their open files; three generations cover queries in flight
        for old in sorted(folder.iterdir())[:-KEPT_SNAPSHOTS]:
            shutil.rmtree(old, ignore_errors=True)
        return OxigraphStore(target, read_only=True), target

    @property
    def view(self) -> ReadView:
        """The latest published read view (built on first use)."""
        if self._view is None:
            self.refresh()
        assert self._view is not None
        return self._view

    @property
    def search(self) -> SearchEngine:
        return self.view.engine

    @property
    def reader(self) -> Store:
        """The store as readers should see it: the snapshot of the latest published write."""
        return self.view.store

    def close(self) -> None:
        self.store.close()


def build_services(
    settings: Settings, read_only: bool = False, encoder: Encoder | None = None, snapshots: bool = False
) -> Services:
    """Open the store under the data directory and build the importer around it."""
    store_dir = settings.store_dir
    read_only = read_only and store_dir.exists()
    store = OxigraphStore(store_dir, read_only=read_only)
    log.debug("opened store at %s (read_only=%s)", store_dir, read_only)
    cache = NoteCache(settings.cache_dir)
    importer = Importer(store, settings.max_note_bytes, settings.validate_shapes, settings.ingest_workers, cache)
    return Services(settings, store, importer, Linker(store, cache), encoder, read_only, snapshots)
