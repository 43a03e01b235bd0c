"""Import notes: read, parse, map, validate (SHACL) and store, one named graph per note."""

import hashlib
import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath

from ingest.prepare import Prepared, RawNote, prepare_batch
from ingest.reading import NoteFile, collect, read_note
from kg.errors import Conflict, KGError, NotFound, Problem
from kg.iris import ID_BASE, links_graph_iri, note_id, note_iri
from kg.links.note_cache import NoteCache
from kg.store.ntriples import iris_in, parse_terms
from kg.store.quad_store import Store, TermTriple

log = logging.getLogger(__name__)
BATCH = 32


class Status(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    DELETED = "deleted"


@dataclass
class NoteOutcome:
    """What happened to one note."""

    path: str
    status: Status
    iri: str = ""
    triples: int = 0
    exception: KGError | None = None
    warnings: list[Problem] = field(default_factory=list)
    """What did not stop the import but the user should know (broken frontmatter), by file:line."""
    content_hash: str = ""
    triples_added: int = 0
    triples_removed: int = 0
    """Against the note's graph before this import (or deletion)."""

    @property
    def error(self) -> str:
        return self.exception.message if self.exception else ""

    @property
    def problems(self) -> list[Problem]:
        return self.exception.problems if self.exception else []


@dataclass
class IngestReport:
    outcomes: list[NoteOutcome] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    """Notes whose graph was added, replaced or dropped."""
    touched: set[str] = field(default_factory=set)
    """IRIs in a triple that was added or removed: the nodes whose text or links may have changed."""

    def record(self, outcome: NoteOutcome, old: set[TermTriple], new: set[TermTriple]) -> NoteOutcome:
        """Add an outcome that replaced `old` triples of its graph by `new` ones."""
        self.outcomes.append(outcome)
        outcome.triples_added, outcome.triples_removed = len(new - old), len(old - new)
        self.changed.add(outcome.iri)
        self.touched |= iris_in(old ^ new)
        return outcome

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def triples(self) -> int:
        return sum(o.triples for o in self.outcomes if o.status in (Status.ADDED, Status.UPDATED))

    def summary(self) -> dict[str, int]:
        return {s.value: self.count(s) for s in Status} | {"triples": self.triples}


@dataclass
class Importer:
    """Turns note files into named graphs in the store; bad notes are reported, never stored.

    Large imports parse, map and validate in `workers` processes while this one writes.
    """

    store: Store
    max_bytes: int
    validate: bool = True
    workers: int = 1
    cache: NoteCache | None = None
    """Where each note's markdown and link inputs are kept; without it notes are not linked."""

    def ingest_paths(self, paths: list[Path], progress: Callable[[str], None] | None = None) -> IngestReport:
        """Import every markdown file named or found under `paths`."""
        return self.ingest_files(collect(paths), progress)

    def ingest_files(
        self, files: list[NoteFile], progress: Callable[[str], None] | None = None, report: IngestReport | None = None
    ) -> IngestReport:
        """Import these note files, each under its vault-relative path."""
        report = report if report is not None else IngestReport()
        hashes, owners = self.store.note_hashes(), self.store.note_paths()
        pending: list[RawNote] = []
        for note_file in files:
            try:
                data = read_note(note_file, self.max_bytes)
            except KGError as error:
                report.outcomes.append(_failed(note_file.display, error))
                continue
            outcome, raw = self._screen(note_file, data, hashes, owners)
            if outcome is not None:
                report.outcomes.append(outcome)
                if progress is not None:
                    progress(outcome.path)
            elif raw is not None:
                pending.append(raw)
        for prepared in self._prepare_all(pending):
            self._store(prepared, hashes, report)
            if progress is not None:
                progress(prepared.raw.display)
        return report

    def import_bytes(self, data: bytes, note_file: NoteFile, report: IngestReport | None = None) -> NoteOutcome:
        """Import one note given as bytes; raises the domain error when it is rejected."""
        report = report if report is not None else IngestReport()
        iri = [str(note_iri(note_file.relative))]
        hashes, owners = self.store.note_hashes(iri), self.store.note_paths(iri)
        outcome, raw = self._screen(note_file, data, hashes, owners)
        if outcome is None and raw is not None:
            outcome = self._store(prepare_batch([raw], self.max_bytes, self.validate)[0], hashes, report)
        elif outcome is not None:
            report.outcomes.append(outcome)
        assert outcome is not None
        if outcome.exception is not None:
            raise outcome.exception
        return outcome

    def delete(self, note: str, report: IngestReport | None = None) -> NoteOutcome:
        """Drop a note's graph and links graph, named by IRI, vault path or file name."""
        report = report if report is not None else IngestReport()
        iri, path = find_note(self.store, note)
        old = self.store.graph_triples(iri) | self.store.graph_triples(links_graph_iri(iri))
        self.store.drop_graphs([iri, links_graph_iri(iri)])
        log.info("deleted %s", iri)
        return report.record(NoteOutcome(path, Status.DELETED, iri), old, set())

    def _screen(
        self, note_file: NoteFile, data: bytes, hashes: dict[str, str], owners: dict[str, str]
    ) -> tuple[NoteOutcome | None, RawNote | None]:
        """Skip unchanged notes and refuse name clashes before any parsing."""
        iri = str(note_iri(note_file.relative))
        if owners.setdefault(iri, note_file.relative) != note_file.relative:
            message = f"another note, {owners[iri]!r}, has a path that gives the same IRI ({iri}); rename one"
            clash = Conflict(message, [Problem(message, note_file.display, 1)])
            return _failed(note_file.display, clash), None
        content_hash = hashlib.sha256(data).hexdigest()
        if hashes.get(iri) == content_hash and (self.cache is None or self.cache.has(content_hash, iri)):
            return NoteOutcome(note_file.display, Status.UNCHANGED, iri), None
        return None, RawNote(note_file.display, note_file.relative, data, content_hash)

    def _prepare_all(self, pending: list[RawNote]) -> Iterator[Prepared]:
        batches = [pending[i : i + BATCH] for i in range(0, len(pending), BATCH)]
        if self.workers <= 1 or len(batches) < 2:
            for batch in batches:
                yield from prepare_batch(batch, self.max_bytes, self.validate)
            return
        # Workers fork from a server process started clean: forking this process, whose other threads
        # (index saver, encoder, web server) may hold locks at that moment, left workers deadlocked on a
        # second import in one process. The server has the parser and shapes loaded; the store is only
        # touched here. A bounded window of batches in flight keeps memory flat however large the vault.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["ingest.prepare"])
        with ProcessPoolExecutor(self.workers, mp_context=context) as pool:
            window: deque[Future[list[Prepared]]] = deque()
            for batch in batches:
                window.append(pool.submit(prepare_batch, batch, self.max_bytes, self.validate))
                if len(window) > 2 * self.workers:
                    yield from window.popleft().result()
            while window:
                yield from window.popleft().result()

    def _store(self, prepared: Prepared, hashes: dict[str, str], report: IngestReport) -> NoteOutcome:
        display, content_hash = prepared.raw.display, prepared.raw.content_hash
        if prepared.error is not None:
            report.outcomes.append(_failed(display, prepared.error, prepared.warnings))
            return report.outcomes[-1]
        if self.cache is not None and prepared.inputs is not None:
            # first: a stored note always has its markdown and link inputs
            self.cache.save_source(prepared.raw.content_hash, prepared.raw.data)
            self.cache.save(prepared.inputs)
        if hashes.get(prepared.iri) == content_hash:
            # only its link inputs were missing
            outcome = NoteOutcome(display, Status.UNCHANGED, prepared.iri, warnings=prepared.warnings)
            report.outcomes.append(outcome)
            return outcome
        old = self.store.graph_triples(prepared.iri) if prepared.iri in hashes else set()
        self.store.replace_graphs({prepared.iri: prepared.ntriples})
        status = Status.UPDATED if prepared.iri in hashes else Status.ADDED
        hashes[prepared.iri] = content_hash
        log.info("%s %s (%d triples)", status.value, display, prepared.triples)
        outcome = NoteOutcome(display, status, prepared.iri, prepared.triples, None, prepared.warnings, content_hash)
        return report.record(outcome, old, parse_terms(prepared.ntriples))


def _failed(path: str, error: KGError, warnings: list[Problem] | None = None) -> NoteOutcome:
    log.info("rejected %s: %s", path, error.message)
    return NoteOutcome(path, Status.FAILED, exception=error, warnings=warnings or [])


def find_note(store: Store, note: str) -> tuple[str, str]:
    """The IRI and vault path of the one note named by IRI, vault path, file name or id."""
    direct = note if note.startswith(ID_BASE) else str(note_iri(note))  # an IRI or a vault path: one lookup
    if (known := store.note_paths([direct])) and (direct == note or next(iter(known.values())) == note):
        return next(iter(known.items()))
    paths = store.note_paths()
    matches = sorted(
        (iri, path)
        for iri, path in paths.items()
        if note in (iri, note_id(iri), path, PurePosixPath(path).name, PurePosixPath(path).stem)
    )
    if len(matches) != 1:
        if not matches:
            raise NotFound(f"no imported note matches {note!r}")
        raise NotFound(f"{len(matches)} notes match {note!r}: {', '.join(p for _, p in matches)}; give its path")
    return matches[0]
