"""The pure part of an import: bytes -> parsed -> mapped -> validated N-Triples.

It touches no store, so the importer can run it in worker processes for large vaults.
"""

from dataclasses import dataclass, field

from rdflib import Graph

from ingest.link_passages import link_inputs
from ingest.mapping import MappedNote, map_note
from ingest.parser import parse_note
from ingest.reading import decode_note
from ingest.validation import ShapeValidator, default_validator
from kg.errors import KGError, NoteValidationError, Problem
from kg.links.inputs import LinkInputs
from kg.store.ntriples import to_ntriples


@dataclass(frozen=True)
class RawNote:
    display: str
    relative: str
    data: bytes
    content_hash: str


@dataclass
class Prepared:
    """A note ready to store (ntriples) or rejected (error)."""

    raw: RawNote
    iri: str = ""
    ntriples: str = ""
    triples: int = 0
    error: KGError | None = None
    inputs: LinkInputs | None = None
    warnings: list[Problem] = field(default_factory=list)


def _map(raw: RawNote, max_bytes: int) -> tuple[MappedNote, LinkInputs, list[Problem]] | Prepared:
    try:
        text = decode_note(raw.data, raw.display, max_bytes)
        note = parse_note(text, raw.display, content_hash=raw.content_hash)
    except KGError as error:
        return Prepared(raw, error=error)
    mapped = map_note(note, raw.relative)
    if mapped.problems:
        return Prepared(raw, str(mapped.iri), error=NoteValidationError("has problems", mapped.problems))
    return mapped, link_inputs(note, mapped), note.warnings


def _validate(mapped: list[MappedNote], validator: ShapeValidator) -> dict[str, KGError]:
    """Validate the batch in one pass; only when it fails, find the notes that fail on their own."""
    union = Graph()
    for note in mapped:
        for triple in validator.relevant(note.triples):
            union.add(triple)
    if not mapped or not validator.check(union, ""):
        return {}
    errors: dict[str, KGError] = {}
    for note in mapped:
        if problems := validator.check(note.graph(), note.display):
            errors[note.display] = NoteValidationError("fails the SHACL shapes", problems)
    return errors


def prepare_batch(batch: list[RawNote], max_bytes: int, validate: bool = True) -> list[Prepared]:
    """Parse, map and validate notes; the result keeps the batch's order."""
    results = [_map(raw, max_bytes) for raw in batch]
    mapped = [r[0] for r in results if not isinstance(r, Prepared)]
    errors = _validate(mapped, default_validator()) if validate else {}
    out = []
    for raw, result in zip(batch, results, strict=True):
        if isinstance(result, Prepared):
            out.append(result)
            continue
        note, inputs, warnings = result
        if error := errors.get(raw.display):
            out.append(Prepared(raw, str(note.iri), error=error, warnings=warnings))
        else:
            ntriples = to_ntriples(note.triples)
            out.append(Prepared(raw, str(note.iri), ntriples, len(note.triples), inputs=inputs, warnings=warnings))
    return out
