"""Import notes: read, parse, map, validate (SHACL) and store, one named graph per note."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from rdflib import Graph

from ingest.mapping import MappedNote, map_note
from ingest.parser import parse_note
from ingest.reading import NoteFile, collect, decode_note
from ingest.validation import ShapeValidator
from kg.errors import Conflict, KGError, NotFound, NoteValidationError, Problem
from kg.store import Store

log = logging.getLogger(__name__)
BATCH = 64


class Status(str, Enum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass
class NoteOutcome:
    """What happened to one note."""

    path: str
    status: Status
    iri: str = ""
    triples: int = 0
    error: str = ""
    problems: list[Problem] = field(default_factory=list)
    exception: KGError | None = None


@dataclass
class IngestReport:
    outcomes: list[NoteOutcome] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def triples(self) -> int:
        return sum(o.triples for o in self.outcomes if o.status in (Status.ADDED, Status.UPDATED))

    def summary(self) -> dict[str, int]:
        return {s.value: self.count(s) for s in Status} | {"triples": self.triples}


def to_ntriples(mapped: MappedNote) -> str:
    return "\n".join(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in mapped.triples)


@dataclass
class Importer:
    """Turns note files into named graphs in the store; bad notes are reported, never stored."""

    store: Store
    validator: ShapeValidator | None
    max_bytes: int

    def ingest_paths(self, paths: list[Path], progress: Callable[[str], None] | None = None) -> IngestReport:
        """Import every markdown file named or found under `paths`."""
        files = collect(paths)
        report = IngestReport()
        hashes, owners = self.store.note_hashes(), self.store.note_paths()
        for start in range(0, len(files), BATCH):
            batch = files[start : start + BATCH]
            report.outcomes.extend(self._import_batch(batch, hashes, owners))
            for note_file in batch:
                if progress is not None:
                    progress(note_file.display)
        return report

    def import_bytes(self, data: bytes, note_file: NoteFile) -> NoteOutcome:
        """Import one note given as bytes; raises the domain error when it is rejected."""
        outcome = self._import_batch([note_file], self.store.note_hashes(), self.store.note_paths(), data)[0]
        if outcome.exception is not None:
            raise outcome.exception
        return outcome

    def _import_batch(
        self, batch: list[NoteFile], hashes: dict[str, str], owners: dict[str, str], data: bytes | None = None
    ) -> list[NoteOutcome]:
        outcomes: dict[str, NoteOutcome] = {}
        mapped: list[MappedNote] = []
        for note_file in batch:
            result = self._prepare(note_file, hashes, owners, data)
            if isinstance(result, NoteOutcome):
                outcomes[note_file.display] = result
            else:
                mapped.append(result)
                owners[str(result.iri)] = result.path
        for note, problems in self._validate(mapped):
            if problems:
                error = NoteValidationError(f"{note.display}: fails the SHACL shapes", problems)
                outcomes[note.display] = _failed(note.display, error)
        self._store([m for m in mapped if m.display not in outcomes], hashes, outcomes)
        return [outcomes[f.display] for f in batch]

    def _prepare(
        self, note_file: NoteFile, hashes: dict[str, str], owners: dict[str, str], data: bytes | None
    ) -> MappedNote | NoteOutcome:
        try:
            raw = data if data is not None else _read(note_file)
            note = parse_note(decode_note(raw, note_file.display, self.max_bytes), note_file.display)
        except KGError as error:
            return _failed(note_file.display, error)
        mapped = map_note(note, note_file.relative)
        iri = str(mapped.iri)
        if mapped.problems:
            return _failed(note_file.display, NoteValidationError(f"{note_file.display}: has problems", mapped.problems))
        if owners.get(iri, mapped.path) != mapped.path:
            message = f"another note, {owners[iri]!r}, already has the name of this one"
            return _failed(note_file.display, Conflict(message, [Problem(message, note_file.display, 1)]))
        if hashes.get(iri) == mapped.content_hash:
            return NoteOutcome(note_file.display, Status.UNCHANGED, iri, len(mapped.triples))
        return mapped

    def _validate(self, mapped: list[MappedNote]) -> Iterable[tuple[MappedNote, list[Problem]]]:
        """Validate the batch at once; only when it fails, find the notes that fail alone."""
        if self.validator is None or not mapped:
            return []
        union = Graph()
        for note in mapped:
            for triple in note.triples:
                union.add(triple)
        if not self.validator.check(union, ""):
            return []
        return [(note, self.validator.check(note.graph(), note.display)) for note in mapped]

    def _store(self, valid: list[MappedNote], hashes: dict[str, str], outcomes: dict[str, NoteOutcome]) -> None:
        for note in valid:
            iri = str(note.iri)
            self.store.replace_graphs({iri: to_ntriples(note)})
            status = Status.UPDATED if iri in hashes else Status.ADDED
            hashes[iri] = note.content_hash
            outcomes[note.display] = NoteOutcome(note.display, status, iri, len(note.triples))
            log.info("%s %s (%d triples)", status.value, note.display, len(note.triples))


def _read(note_file: NoteFile) -> bytes:
    assert note_file.file is not None
    return note_file.file.read_bytes()


def _failed(path: str, error: KGError) -> NoteOutcome:
    log.warning("rejected %s: %s", path, error.message)
    return NoteOutcome(path, Status.FAILED, error=error.message, problems=error.problems, exception=error)


def delete_note(store: Store, note: str) -> str:
    """Drop a note's graph, named by IRI, vault-relative path or file name; returns its IRI."""
    paths = store.note_paths()
    matches = [iri for iri, path in paths.items() if note in (iri, path, Path(path).name, Path(path).stem)]
    if len(matches) != 1:
        reason = "no imported note" if not matches else f"{len(matches)} notes"
        raise NotFound(f"{reason} matches {note!r}")
    store.drop_graphs(matches)
    log.info("deleted %s", matches[0])
    return matches[0]
