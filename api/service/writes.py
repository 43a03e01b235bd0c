"""Every write: import files or bytes, delete a note, run a SPARQL update. One at a time, each
stored, linked, indexed and published before it returns its typed result."""

from collections.abc import Callable
from pathlib import Path

from api.service.core import Refreshed, Services
from api.service.results import (
    AmbiguousLinkModel,
    Discussion,
    ImportResult,
    IndexReport,
    NoteResult,
    ProblemModel,
    Summary,
)
from ingest.pipeline import IngestReport, NoteOutcome
from ingest.reading import NOTE_SUFFIXES, NoteFile, absolute, collect
from ingest.vault_roots import VaultRoots
from kg.errors import Problem
from kg.graph.discussions import discussions
from kg.iris import links_graph_iri, note_id, note_iri
from kg.links.linker import LinkChange

Progress = Callable[[str], None]


def import_files(
    services: Services, files: list[NoteFile], progress: Progress | None = None, link: bool = True
) -> ImportResult:
    """Import note files (each under its vault path); bad notes are reported, the others stored.

    Without `link`, notes are only stored: the next write or start links and indexes them."""
    with services.writing():
        if link:
            services.open()
        report = services.importer.ingest_files(files, progress)
        refreshed = services.refresh(report) if link else None
        return _result(services, report, refreshed)


def import_paths(
    services: Services, paths: list[Path], progress: Progress | None = None, link: bool = True
) -> ImportResult:
    """Import every markdown file named or found under `paths`."""
    return import_files(services, collect_paths(services, paths), progress, link)


def collect_paths(services: Services, paths: list[Path]) -> list[NoteFile]:
    """The note files under `paths`, each named by its path in its vault (see `ingest.vault_roots`);
    folders imported are remembered as vault roots for later imports of their parts, and the vault
    paths found under each root for `prune`."""
    roots = VaultRoots(services.settings.data_dir)
    files = collect(paths, roots.root_of)
    found: dict[Path, set[str]] = {}
    for file in files:
        if file.root is not None:
            found.setdefault(file.root, set()).add(file.relative)
    roots.remember([roots.root_of(path) for path in paths if path.is_dir()], found)
    return files


def prune(services: Services, folders: list[Path]) -> ImportResult:
    """Delete, in one write, the notes an earlier import found under these folders whose files are gone.
    Only notes imported from these folders' vault roots are candidates, never notes from elsewhere."""
    roots = VaultRoots(services.settings.data_dir)
    gone: dict[Path, set[str]] = {}
    for folder in folders:
        root = roots.root_of(folder)
        prefix = absolute(folder).relative_to(root).as_posix()
        present = {file.relative for file in collect([folder], roots.root_of)}
        under = {p for p in roots.found.get(str(root), set()) if prefix == "." or p.startswith(f"{prefix}/")}
        gone.setdefault(root, set()).update(under - present)
    if not any(gone.values()):
        return ImportResult(summary=Summary(), notes=[])
    with services.writing():
        services.open()
        report = IngestReport()
        stored = services.store.note_paths([str(note_iri(p)) for paths in gone.values() for p in paths])
        for paths in gone.values():
            for path in sorted(paths):
                if stored.get(str(note_iri(path))) == path:  # that note, not another of the same name
                    services.importer.delete(str(note_iri(path)), report)
        result = _result(services, report, services.refresh(report))
    for root, paths in gone.items():
        roots.forget(root, paths)
    return result


def vault_path_of(services: Services, note: str) -> str:
    """A note's file on disk (a path that exists, or an absolute one) as its vault path; anything else
    (IRI, id, vault path, file name) as given."""
    given = Path(note)
    if given.suffix.lower() not in NOTE_SUFFIXES or not (given.is_absolute() or given.is_file()):
        return note
    root = VaultRoots(services.settings.data_dir).root_of(given)
    return absolute(given).relative_to(root).as_posix()


def vault_roots(services: Services, paths: list[Path]) -> list[Path]:
    """The vault roots of `paths`, as `collect_paths` names their files."""
    roots = VaultRoots(services.settings.data_dir)
    return [roots.root_of(path) for path in paths]


def import_note(services: Services, path: str, data: bytes) -> ImportResult:
    """Import one note given as bytes under its vault path; raises the domain error when it is refused."""
    with services.writing():
        services.open()
        report = IngestReport()
        services.importer.import_bytes(data, NoteFile(path, path), report)
        return _result(services, report, services.refresh(report))


def delete_note(services: Services, note: str) -> ImportResult:
    """Drop a note (by IRI, id, vault path or file name) and its links; notes linking to it are linked again."""
    with services.writing():
        services.open()
        report = IngestReport()
        services.importer.delete(note, report)
        return _result(services, report, services.refresh(report))


def sparql_update(services: Services, update: str, base_iri: str | None = None) -> None:
    """Run a SPARQL update; anything may have changed, so links and the index are compared whole."""
    with services.writing():
        services.open()
        services.store.update(update, base_iri)
        services.linker.forget()
        services.refresh(None)


def _problems(problems: list[Problem]) -> list[ProblemModel]:
    return [ProblemModel(path=p.path, line=p.line, message=p.message) for p in problems]


def _note(services: Services, outcome: NoteOutcome, refreshed: Refreshed | None) -> NoteResult:
    links = refreshed.links if refreshed is not None else None
    change = links.changes.get(outcome.iri, LinkChange()) if links is not None else LinkChange()
    ambiguous = links.ambiguous.get(outcome.iri, []) if links is not None else []
    stored = outcome.status.value in ("added", "updated", "unchanged")
    return NoteResult(
        path=outcome.path,
        status=outcome.status.value,
        iri=outcome.iri,
        id=note_id(outcome.iri) if outcome.iri else "",
        content_hash=outcome.content_hash,
        triples=outcome.triples,
        triples_added=outcome.triples_added,
        triples_removed=outcome.triples_removed,
        discusses=[
            Discussion.model_validate(d) for d in discussions(services.store, outcome.iri, links_graph_iri(outcome.iri))
        ]
        if stored and refreshed is not None
        else [],
        links_gained=change.gained,
        links_lost=change.lost,
        ambiguous_links=[
            AmbiguousLinkModel(
                name=a.name, line=a.line, chosen=a.chosen, chosen_path=a.chosen_path, candidates=list(a.candidates)
            )
            for a in ambiguous
        ],
        warnings=_problems(outcome.warnings),
        error=outcome.error,
        problems=_problems(outcome.problems),
    )


def _result(services: Services, report: IngestReport, refreshed: Refreshed | None) -> ImportResult:
    notes = [_note(services, outcome, refreshed) for outcome in report.outcomes]
    others = sorted(refreshed.links.changes.keys() - {o.iri for o in report.outcomes}) if refreshed else []
    index = None
    if refreshed is not None:
        change = refreshed.index
        index = IndexReport(encoded=change.encoded, reused=change.reused, removed=change.removed)
    return ImportResult(
        summary=Summary(**report.summary()),
        notes=notes,
        index=index,
        relinked=others,
        notes_relinked=len(others),
    )
