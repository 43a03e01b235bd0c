"""Note operations behind the HTTP routes: save (with triple counts), list and describe."""

import hashlib
from pathlib import Path, PurePosixPath
from typing import Any

import pyoxigraph as ox

from api.services import Services
from kg.errors import NotFound
from kg.graph.discussions import discussions
from kg.iris import ID_BASE, links_graph_iri, node_iri
from kg.links.linker import LinkChange

DERIVED = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?node ?label ?line WHERE { GRAPH <%s> {
  ?node prov:qualifiedDerivation ?d . ?d mlkg:line ?line .
  FILTER NOT EXISTS { ?d mlkg:field ?f }
  OPTIONAL { ?node rdfs:label ?l } OPTIONAL { ?node dcterms:title ?t } BIND(COALESCE(?l, ?t, "") AS ?label) } }
ORDER BY ?line"""
CONSTRUCT_NOTE = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?p != <https://w3id.org/mlkg/ontology#linkState>) }"
PREFIX = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#>\n"


def _triples(services: Services, iri: str) -> set[str]:
    """The note's own triples and its links (the links graph's state marker left out)."""
    graphs = [iri, links_graph_iri(iri)]
    result = services.store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?p != <https://w3id.org/mlkg/ontology#linkState>) }",
        default_graphs=graphs,
    )
    assert isinstance(result, ox.QueryTriples)
    return {str(t) for t in result}


def save_note(services: Services, name: str, data: bytes) -> dict[str, Any]:
    """Import a note; the answer says what changed in its graph and in the search index."""
    iri = str(node_iri("note", name.rsplit(".", 1)[0]))
    before = _triples(services, iri)
    outcome, synced, linked = services.import_note(name, data)
    after = _triples(services, iri)
    change = linked.changes.get(outcome.iri, LinkChange())
    kept = _kept_path(services, name)
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(data)
    return {
        "iri": outcome.iri,
        "id": outcome.iri.rsplit("/", 1)[1],
        "status": outcome.status.value,
        "content_hash": hashlib.sha256(data).hexdigest(),
        "triples_added": len(after - before),
        "triples_removed": len(before - after),
        "discusses": discussions(services.store, outcome.iri, links_graph_iri(outcome.iri)),
        "links_gained": change.gained,
        "links_lost": change.lost,
        "notes_relinked": len(linked.changes.keys() - {outcome.iri}),
        "index": {"encoded": synced.encoded, "reused": synced.reused, "removed": synced.removed},
    }


def _kept_path(services: Services, path: str) -> Path:
    """Where the markdown of a note imported over HTTP is kept (only its file name is used)."""
    return services.settings.data_dir / "notes" / PurePosixPath(path).name


def remove_kept_note(services: Services, note: dict[str, Any]) -> None:
    """Delete a note's graph, then the markdown kept for it."""
    services.delete_note(note["iri"])
    _kept_path(services, note["path"]).unlink(missing_ok=True)


def note_list(services: Services) -> list[dict[str, Any]]:
    paths = services.reader.note_paths()
    return [{"id": iri.rsplit("/", 1)[1], "iri": iri, "path": path} for iri, path in sorted(paths.items())]


def note_detail(services: Services, note_id: str, full: bool) -> dict[str, Any]:
    """A note by id (slug) or IRI; 404 when it was never imported."""
    iri = note_id if note_id.startswith(ID_BASE) else f"{ID_BASE}note/{note_id}"
    store = services.reader
    path = store.note_paths().get(iri)
    if path is None:
        raise NotFound(f"no imported note has the id {note_id!r}")
    detail: dict[str, Any] = {"id": iri.rsplit("/", 1)[1], "iri": iri, "path": path}
    if full:
        content_hash = store.note_hashes().get(iri, "")
        detail["markdown"] = services.linker.cache.source(content_hash)
        rows = store.query(PREFIX + DERIVED % iri)
        assert isinstance(rows, ox.QuerySolutions)
        detail["derived"] = [
            {"iri": r["node"].value, "label": r["label"].value, "line": int(r["line"].value)} for r in rows
        ]
        detail["discusses"] = discussions(store, iri, links_graph_iri(iri))
    return detail
