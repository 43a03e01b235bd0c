"""The one place that wires mlkg's services together; the CLI and the app both call it."""

import hashlib
import logging
import threading
from dataclasses import dataclass, field

from ingest.pipeline import Importer, NoteOutcome, delete_note
from ingest.reading import NoteFile
from kg.encoder import Encoder
from kg.encoder_loading import load_encoder
from kg.graph_view import GraphView
from kg.linking import Linker, LinkReport, SemanticLinker
from kg.note_cache import NoteCache
from kg.search import SearchEngine
from kg.semantic_index import SyncReport, sync_index
from kg.settings import Settings
from kg.store import OxigraphStore, Store

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The store and importer, plus the encoder and search engine, built when first needed."""

    settings: Settings
    store: Store
    importer: Importer
    linker: Linker
    encoder: Encoder | None = None
    read_only: bool = False
    _engine: SearchEngine | None = field(default=None, repr=False)
    _writes: threading.Lock = field(default_factory=threading.Lock, repr=False)
    generation: int = 0
    """Counts writes, so that read-only views of the store (query workers) know to reopen. It moves
    only once the search index has caught up, so a SPARQL reader and /ask see a write at about the
    same moment (the query workers keep their older snapshot until then)."""

    def import_note(self, name: str, data: bytes) -> tuple[NoteOutcome, SyncReport, LinkReport]:
        """Import one note, link it and update the search index, one writer at a time."""
        with self._writes:
            outcome = self.importer.import_bytes(data, NoteFile(name, name))
            synced, linked = self.refresh_all()
            self.generation += 1  # after the new search index: SPARQL and /ask switch together
            return outcome, synced, linked

    def delete_note(self, note: str) -> str:
        """Drop a note's graph (by IRI, path or name) and update the search index."""
        with self._writes:
            iri = delete_note(self.store, note)
            self.refresh()
            self.generation += 1
            return iri

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a SPARQL update and update the search index."""
        with self._writes:
            self.store.update(sparql, base_iri)
            self.refresh()
            self.generation += 1

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
        semantic = SemanticLinker.build(self.store, encoder, self.linker.cache, s.link_threshold, s.max_semantic_links)
        linked = self.linker.current() if self.read_only else self.linker.relink(semantic)
        state = hashlib.sha256(f"{index.vectors.fingerprint} {linked.fingerprint}".encode()).hexdigest()
        view = GraphView.cached(self.store, folder, state)
        self._engine = SearchEngine(self.store, encoder, index, view)
        return report, linked

    @property
    def search(self) -> SearchEngine:
        if self._engine is None:
            self.refresh()
        assert self._engine is not None
        return self._engine

    def close(self) -> None:
        self.store.close()


def build_services(settings: Settings, read_only: bool = False, encoder: Encoder | None = None) -> Services:
    """Open the store under the data directory and build the importer around it."""
    store_dir = settings.store_dir
    read_only = read_only and store_dir.exists()
    store = OxigraphStore(store_dir, read_only=read_only)
    log.debug("opened store at %s (read_only=%s)", store_dir, read_only)
    cache = NoteCache(settings.cache_dir)
    importer = Importer(store, settings.max_note_bytes, settings.validate_shapes, settings.ingest_workers, cache)
    return Services(settings, store, importer, Linker(store, cache), encoder, read_only)
