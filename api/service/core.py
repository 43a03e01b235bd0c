"""The services behind every interface: the store, the importer, the linker and the published read view.

Writes go one at a time (`writing`). After a write is stored, its links and search entries are
computed beside the readers, then applied together with a new snapshot of the store while readers
wait (`reading`), so a reader sees a note's triples, links and embeddings together or not at all.
"""

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from api.service.change_feed import ChangeFeed
from api.service.index_saver import IndexSaver, fork_to_write
from api.service.locks import ReadWriteLock
from api.service.snapshot_leases import SnapshotLeases
from kg.errors import StoreUnavailable
from kg.graph.view import GraphView, read_links
from kg.iris import kind_of
from kg.links.linker import Linker, LinkReport, SemanticLinker
from kg.links.note_cache import NoteCache
from kg.links.note_links import Judgement
from kg.search.encoder import Encoder
from kg.search.encoder_loading import load_encoder
from kg.search.engine import SearchEngine
from kg.search.search_index import IndexChange, SearchIndex
from kg.search.text_prefetch import TextVectors
from kg.settings import Settings
from kg.store.open_store import open_store
from kg.store.quad_store import ChangeMarker, OxigraphStore, Store, note_count
from kg.store.staged_store import StagedStore

if TYPE_CHECKING:  # the importer (and its parser and SHACL) load only for writes: `kg ask` starts faster
    from ingest.pipeline import Importer, IngestReport
    from kg.search.vector_cache import CachedEncoder

log = logging.getLogger(__name__)
T = TypeVar("T")
KEPT_SNAPSHOTS = 3
FULL_SHARE = 0.3
"""A write touching more than this share of the index is synchronised as a whole."""
GRAPH_FILE = "graph.pickle"
COUNT_EVERY = 60.0
"""Seconds a shared store's triple and note counts are reused for /health and /metrics."""
HELPERS = ("derivation", "discussion")
"""Nodes that qualify others: they have no text of their own and no place in the graph view."""


@dataclass
class Refreshed:
    index: IndexChange
    links: LinkReport


@dataclass
class ReadView:
    """What readers see: the search engine over a snapshot of the store, and its generation."""

    engine: SearchEngine
    generation: int
    snapshot_dir: Path
    """Where the snapshot lives, for readers in other processes (the SPARQL query workers)."""

    @property
    def store(self) -> Store:
        return self.engine.store


@dataclass
class Services:
    settings: Settings
    store: StagedStore
    """The store the settings name; a write stages its graphs and sends them as one (`writing`)."""
    linker: Linker
    encoder: Encoder | None = None
    read_only: bool = False
    snapshots: bool = False
    """Publish each write as a read-only snapshot (the server, whose readers run beside the writer)."""
    _view: ReadView | None = field(default=None, repr=False)
    _writes: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _readers: ReadWriteLock = field(default_factory=ReadWriteLock, repr=False)
    _saver: IndexSaver | None = field(default=None, repr=False)
    _semantic: SemanticLinker | None = field(default=None, repr=False)
    """The concerns' vectors for semantic links, kept between writes that touch no concern."""
    leases: SnapshotLeases = field(default_factory=SnapshotLeases, repr=False)
    """Snapshot folders held by queries in flight (kept until they are done)."""
    _importer: "Importer | None" = field(default=None, repr=False)
    feed: ChangeFeed = field(default_factory=ChangeFeed, repr=False)
    """Other servers' writes to a shared store, looked for by `catch_up`."""
    repair_pending: bool = False
    """A write failed in a shared store: the next look links and indexes everything again."""
    synced_at: float = field(default_factory=time.monotonic, repr=False)
    """When (monotonic) this server last had every write the store had (`catch_up`)."""
    _counts: tuple[float, int, int] | None = field(default=None, repr=False)
    """The last counts of triples and notes, and the generation (embedded) or the time (shared) they are of."""
    _counting: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _kept: dict[str, tuple[int, Any]] = field(default_factory=dict, repr=False)
    """Values derived from the published view (`kept`), by name, with the generation they are of."""
    _keeping: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _keeping_names: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _recounting: bool = field(default=False, repr=False)
    _text_vectors: TextVectors | None = field(default=None, repr=False)
    _vault_encoder: "CachedEncoder | None" = field(default=None, repr=False)

    @property
    def importer(self) -> "Importer":
        """Turns note files into graphs in the store (built on first use)."""
        if self._importer is None:
            from ingest.pipeline import Importer

            s = self.settings
            self._importer = Importer(
                self.store, s.max_note_bytes, s.validate_shapes, s.ingest_workers, self.linker.cache
            )
        return self._importer

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One writer at a time, for the whole of a write: store, link, index, publish.

        On a shared store, other servers' writes are caught up with first, and the feed is moved past
        this write after (taking in another server's that came in between); a write the store failed
        is repaired by the next look."""
        with self._writes:
            if self.feed.marker is not None:
                self._look()
            done = False
            try:
                with self.store.staging():
                    yield
                done = True
            except StoreUnavailable:
                self.repair_pending = self.feed.marker is not None
                raise
            finally:
                if not done:  # what was staged is dropped: the linker must not remember it as stored
                    self.linker.forget()
                    self._semantic = None
            if self.feed.marker is not None:
                self._look()

    @contextmanager
    def reading(self) -> Iterator[ReadView]:
        """The published view, held steady while the caller reads it."""
        if self._view is None:
            with self._writes:
                self.open()
        with self._readers.reading():
            assert self._view is not None
            yield self._view

    def published(self) -> ReadView:
        """The view readers see now, not held steady: for a value read at once (its snapshot folder)."""
        if self._view is None:
            with self._writes:
                self.open()
        assert self._view is not None
        return self._view

    def open(self) -> ReadView:
        """The published view, opening the saved index (brought up to date with the store) if needed."""
        if self._view is None:
            engine, _ = self._open_engine(self.load_encoder())
            self._publish(engine, 0)
        assert self._view is not None
        return self._view

    def start(self) -> Refreshed:
        """Open the index and link again every note whose links are out of date (the server's start)."""
        from ingest.pipeline import IngestReport

        with self._writes:
            if not self.store.supports_snapshots:  # a shared store: later writes of others are looked for from here
                self.feed.start(self.store)
                self._counts = self._count_shared()  # then counted again in the background (`counts`)
            else:  # counted once here, then kept by each write: `/health` never reads every quad
                self.store.triple_count()
            self.open()
            return self.refresh(IngestReport())

    def counts(self, view: ReadView) -> tuple[int, int]:
        """Triples and notes of the published view, counted once per generation, one caller at a time.

        A shared store is counted at most every COUNT_EVERY seconds, in the background once a count
        exists: a count there reads every quad (7 s at 50,000 notes), and `/health` must not wait for it."""
        with self._counting:
            if self.store.supports_snapshots:
                if self._counts is None or self._counts[0] != view.generation:
                    self._counts = (view.generation, view.store.triple_count(), note_count(view.store))
            elif self._counts is None:
                self._counts = self._count_shared()
            elif time.monotonic() - self._counts[0] > COUNT_EVERY and not self._recounting:
                self._recounting = True
                threading.Thread(target=self._recount, name="mlkg-recount", daemon=True).start()
            return self._counts[1], self._counts[2]

    def kept(self, name: str, view: ReadView, make: Callable[[], T]) -> T:
        """A value derived from the published view, made once per generation; callers asking for the
        same name while it is made wait for it instead of making it again."""
        with self._keeping_names:
            lock = self._keeping.setdefault(name, threading.Lock())
        with lock:
            found = self._kept.get(name)
            if found is None or found[0] != view.generation:
                found = self._kept[name] = (view.generation, make())
            value: T = found[1]
            return value

    def note_list(self, view: ReadView) -> list[tuple[str, str]]:
        """Every note's IRI and vault path, by IRI: read once per generation (1.2 s at 50,000 notes)."""
        return self.kept("note list", view, lambda: sorted(view.store.note_paths().items()))

    def _count_shared(self) -> tuple[float, int, int]:
        return time.monotonic(), self.store.triple_count(), note_count(self.store)

    def _recount(self) -> None:
        counted = None
        try:
            counted = self._count_shared()
        except StoreUnavailable as error:
            log.warning("could not count the store's triples and notes: %s", error)
        finally:
            with self._counting:
                self._counts = counted or self._counts
                self._recounting = False

    def load_encoder(self) -> Encoder:
        """The encoder for questions: the one given to `build_services`, else the settings' model."""
        if self.encoder is None:
            s = self.settings
            self.encoder = load_encoder(s.model, s.models_dir, s.encoder_backend, s.encoder_threads)
            if s.vector_cache_rows > 0:
                from kg.search.vector_cache import CachedEncoder, VectorCache, vector_cache_path

                path = vector_cache_path(s.models_dir, self.encoder)
                cache = VectorCache(path, self.encoder.dim, s.vector_cache_rows)
                self._vault_encoder = CachedEncoder(self.encoder, cache)
        return self.encoder

    def vault_encoder(self) -> Encoder:
        """The encoder for the vault's own texts (node texts, passages, the concerns' forms): through
        the vector cache shared by every data folder when these services loaded their encoder (one
        given to `build_services` is used as it is). Questions never go through it: what users ask
        is not written to disk."""
        encoder = self.load_encoder()
        return self._vault_encoder or encoder

    @property
    def text_vectors(self) -> TextVectors:
        """Free texts' vectors (mlkg:similarity), encoded once and kept."""
        if self._text_vectors is None:
            self._text_vectors = TextVectors(self.load_encoder())
        return self._text_vectors

    def refresh(self, changes: "IngestReport | None") -> Refreshed:
        """Link and index what a write changed (None: anything may have) and publish it; hold `writing`.

        Open the view before the write, so that the saved index still matches the store."""
        encoder = self.vault_encoder()
        self.open()
        linked = self._relink(encoder, changes)
        self.store.send()  # the notes and their links, in one request, before the index reads them
        touched = None if changes is None else changes.touched | linked.touched
        return Refreshed(self._reindex(encoder, touched), linked)

    def catch_up(self) -> IndexChange | None:
        """Index what other servers wrote to a shared store since the last look (None: nothing);
        after a write the store failed, link and index everything again."""
        with self._writes:
            if self.repair_pending:
                self.open()
                self.feed.start(self.store)
                refreshed = self.refresh(None)
                self.repair_pending = False
                log.info("repaired the write the store failed: links and index compared whole")
                return refreshed.index
            return self._look()

    def _look(self) -> IndexChange | None:
        """Take in the store's changes since the last look; hold `writing`.

        Other servers' writes are indexed, and their link states, which this server's linker does not
        know, make its next write compare every note's; this server's own writes are indexed already."""
        encoder = self.vault_encoder()
        self.open()
        looked = time.monotonic()
        changes = self.feed.look(self.store)
        change = None
        if changes is not None and changes.theirs:
            self.linker.forget()
            self._semantic = None
            try:
                change = self._reindex(encoder, changes.touched)
            except StoreUnavailable:
                self.repair_pending = True  # the feed has moved past changes the index has not taken
                raise
        self.synced_at = looked
        return change

    def _reindex(self, encoder: Encoder, changed: set[str] | None) -> IndexChange:
        """Index the nodes a write changed (None: compare everything), update the graph view, publish."""
        view = self.open()
        index, graph = view.engine.index, view.engine.view
        assert graph is not None, "a writer holds the whole view"
        touched = None if changed is None else {i for i in changed if kind_of(i) not in HELPERS}
        if touched is not None and len(touched) > FULL_SHARE * max(len(index), 1):
            touched = None
        if touched is None:
            plan = index.plan_sync(self.store, encoder)
        else:
            plan = index.plan_update(self.store, encoder, touched)
        delta = read_links(self.store, touched)
        snapshot, where = self._snapshot(view.generation + 1)
        with self._readers.writing():
            change = index.apply_plan(plan)
            if touched is None:
                graph.graph.clear()
            graph.apply(delta)
            view.engine.moved_on(snapshot)
            self._view = ReadView(view.engine, view.generation + 1, where)
        if self._saver is not None:
            self._saver.poke()
        return change

    def _relink(self, encoder: Encoder, changes: "IngestReport | None") -> LinkReport:
        if self.read_only:
            return self.linker.current()
        s = self.settings
        semantic = None
        if s.max_semantic_links > 0:
            touched = changes.touched if changes is not None else None
            knobs = (
                Judgement(
                    s.link_threshold,
                    s.link_by_note,
                    s.link_note_weight,
                    s.link_gap,
                    s.link_passage_margin,
                    s.link_keyword_weight,
                ),
                s.max_semantic_links,
            )
            semantic = SemanticLinker.build(self.store, encoder, self.linker.cache, knobs, self._semantic, touched)
        self._semantic = semantic
        if changes is None:
            return self.linker.relink(semantic)
        return self.linker.relink(semantic, changes.changed, changes.touched)

    def _open_engine(self, encoder: Encoder) -> tuple[SearchEngine, IndexChange]:
        """The saved index and graph view when they match the store, else brought up to date."""
        s = self.settings
        fingerprint = store_fingerprint(self.store)
        loaded = SearchIndex.load(s.index_dir, encoder.model, encoder.dim, s.hnsw_threshold)
        index, folder = loaded or (SearchIndex(encoder.model, encoder.dim, s.hnsw_threshold), None)
        if self.read_only:  # one question: the part of the view around its hits is read when needed
            change = IndexChange(reused=len(index))
            if index.fingerprint != fingerprint:
                change = index.apply_plan(index.plan_sync(self.store, self.vault_encoder()))
            return SearchEngine(self.store, encoder, index, None), change
        graph = GraphView.load(folder / GRAPH_FILE) if folder is not None else None
        if index.fingerprint == fingerprint and graph is not None:
            return SearchEngine(self.store, encoder, index, graph), IndexChange(reused=len(index))
        change = index.apply_plan(index.plan_sync(self.store, self.vault_encoder()))
        index.fingerprint = fingerprint
        engine = SearchEngine(self.store, encoder, index, GraphView.build(self.store))
        save_engine(engine, s.index_dir)
        return engine, change

    def _publish(self, engine: SearchEngine, generation: int) -> None:
        snapshot, where = self._snapshot(generation)
        engine.moved_on(snapshot)
        self._view = ReadView(engine, generation, where)
        if self.snapshots and not self.read_only and self._saver is None:
            self._saver = IndexSaver(self._save_now)

    def _save_now(self) -> int | None:
        """Save the published index and graph view, and the concepts' vectors (from the saver's thread).

        Only writes change them, so the saver takes the writers' turn, not the readers' lock, and only
        while the files' writer forks (`fork_to_write`): the pid of that child, or None when saved here."""
        with self._writes:
            if self._saver is not None and self._saver.stopped:
                return None  # closing: `close` saves in this process
            view = self._prepare_save()
            if view is None:
                return None
            return fork_to_write(lambda: save_engine(view.engine, self.settings.index_dir))

    def _prepare_save(self) -> ReadView | None:
        """What a save does in this process, holding `_writes`: the index's fingerprint, the concepts' vectors."""
        self.linker.cache.save_forms()
        view = self._view
        if view is not None:
            # a shared store moves on its own: the index holds what the last look took in
            shared = self.feed.marker
            view.engine.index.fingerprint = marker_fingerprint(shared) if shared else store_fingerprint(view.store)
        return view

    def _save(self) -> None:
        """Save in this process, holding `_writes` (at close)."""
        view = self._prepare_save()
        if view is not None:
            save_engine(view.engine, self.settings.index_dir)

    def _snapshot(self, generation: int) -> tuple[Store, Path]:
        """A read-only copy of the store as it is now; later writes do not show in it."""
        if self.read_only or not self.snapshots or not self.store.supports_snapshots:
            return self.store, self.settings.store_dir
        folder = self.settings.snapshots_dir
        if generation == 0:
            shutil.rmtree(folder, ignore_errors=True)  # left by an earlier process
        target = folder / f"{generation:08d}"
        folder.mkdir(parents=True, exist_ok=True)
        self.store.snapshot(target)
        # readers in this process keep their open files; queries in other processes hold a lease
        made = sorted(f for f in folder.iterdir() if f.name.isdigit())  # not those being removed
        self.leases.retire(made[:-KEPT_SNAPSHOTS])
        return OxigraphStore(target, read_only=True, data_quads=self.store.counted_quads()), target

    def close(self) -> None:
        """Save what the index learnt since it was last saved, then release the store."""
        if self._saver is not None:
            self._saver.stop()
        if self._view is not None and not self.read_only:
            with self._writes:
                self._save()
        if self._vault_encoder is not None:
            self._vault_encoder.cache.close()
        self.store.close()


def store_fingerprint(store: Store) -> str:
    """Changes with every write (the store's change marker, one small query instead of reading every note's hash)."""
    return marker_fingerprint(store.change_marker())


def marker_fingerprint(marker: ChangeMarker) -> str:
    return f"{marker.generation}:{marker.change_id}"


def save_engine(engine: SearchEngine, folder: Path) -> None:
    view = engine.view
    if view is not None:
        engine.index.save(folder, {GRAPH_FILE: view.save})


def build_services(
    settings: Settings, read_only: bool = False, encoder: Encoder | None = None, snapshots: bool = False
) -> Services:
    """Open the store under the data directory and build the importer around it."""
    read_only = read_only and (settings.store == "sparql" or settings.store_dir.exists())
    store = StagedStore(open_store(settings, read_only))
    log.debug("opened the %s store (read_only=%s)", settings.store, read_only)
    cache = NoteCache(settings.cache_dir)
    return Services(settings, store, Linker(store, cache), encoder, read_only, snapshots)
