"""A parsed note to the RDF graph it asserts (its own named graph)."""

import json
from dataclasses import dataclass
from pathlib import PurePath

from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from ingest.graph_builder import GraphBuilder
from ingest.map_lifecycle import map_lifecycle
from ingest.map_papers import map_papers
from ingest.map_solutions import map_solutions
from ingest.model import Note
from ingest.vocabulary import Vocabulary, load_vocabulary
from kg.errors import Problem
from kg.iris import match_key, note_iri
from kg.rdf_terms import MLKG, PROV

KNOWN_KEYS = {
    "title",
    "aliases",
    "alias",
    "tags",
    "tag",
    "status",
    "authors",
    "author",
    "year",
    "doi",
    "arxiv",
    "url",
    "paper",
    "paper_title",
    "date",
}


Triple = tuple[URIRef, URIRef, URIRef | Literal]


@dataclass
class MappedNote:
    """The triples a note asserts, with the line each node came from."""

    iri: URIRef
    path: str
    display: str
    content_hash: str
    triples: set[Triple]
    problems: list[Problem]
    lines: dict[URIRef, int]

    def graph(self) -> Graph:
        graph = Graph()
        for triple in self.triples:
            graph.add(triple)
        return graph


def _metadata(note: Note, builder: GraphBuilder, relative: str) -> None:
    iri = builder.note
    builder.add(iri, RDF.type, MLKG.Note)
    builder.add(iri, RDF.type, PROV.Entity)
    builder.add(iri, DCTERMS.title, Literal(note.title))
    builder.add(iri, MLKG.path, Literal(relative))
    builder.add(iri, MLKG.contentHash, Literal(note.content_hash))
    for alias in note.aliases:
        builder.add(iri, SKOS.altLabel, Literal(alias))
    status = note.trailer.status or str(note.frontmatter.get("status") or "").strip().lstrip("#")
    if status:
        builder.add(iri, MLKG.status, Literal(status))
    for tag in {t.name for t in note.tags} - {status}:
        builder.add(iri, MLKG.tag, Literal(tag))
    extra = {k: v for k, v in note.frontmatter.items() if k not in KNOWN_KEYS}
    if extra:
        text = json.dumps(extra, default=str, sort_keys=True, ensure_ascii=False)
        builder.add(iri, MLKG.frontmatter, Literal(text, datatype=RDF.JSON))


def _map_wikilinks(note: Note, builder: GraphBuilder, lifecycle: dict[str, URIRef]) -> None:
    """Wikilinks to the note's own stages, steps or concerns are discussions.

    Links to other notes and concepts depend on the rest of the vault; the linker resolves them.
    """
    for link in [*note.wikilinks, *note.trailer.related]:
        concept = lifecycle.get(match_key(link.name)) if link.name and not link.embed else None
        if concept is not None:
            builder.add(builder.note, MLKG.discusses, concept)


def map_note(note: Note, relative: str | None = None, vocabulary: Vocabulary | None = None) -> MappedNote:
    """Build the graph a note asserts; problems found on the way are returned, not raised."""
    relative = relative or PurePath(note.path).name
    builder = GraphBuilder(note=note_iri(relative), path=note.path)
    _metadata(note, builder, relative)
    lifecycle = map_lifecycle(note, builder)
    about = map_papers(note, builder)
    if about is not None:
        for concept in lifecycle.values():
            builder.add(about, MLKG.discusses, concept)
    map_solutions(note, builder, vocabulary or load_vocabulary(), lifecycle)
    _map_wikilinks(note, builder, lifecycle)
    return MappedNote(
        builder.note,
        relative,
        note.path,
        note.content_hash,
        builder.triples,
        builder.problems,
        builder.lines,
    )
