"""Papers: identifiers in the text, reference lists and the frontmatter of a literature note."""

import hashlib
import re
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from ingest.graph_builder import GraphBuilder
from ingest.inline import ARXIV, DOI, normalise_arxiv, normalise_doi
from ingest.model import Block, Note
from kg.iris import ID_BASE, match_key, slugify
from kg.rdf_terms import MLKG

REFERENCE_HEADINGS = re.compile(r"^(references?|bibliography|sources?|citations?|papers?|reading)$", re.I)
YEAR = re.compile(r"^\d{4}$")


def paper_iri(identifier: str, title: str = "") -> URIRef:
    """Stable IRI of a paper: from its arXiv id, DOI or URL, else from its title."""
    if identifier.startswith("arXiv:"):
        return URIRef(f"{ID_BASE}paper/arxiv-{slugify(identifier[6:])}")
    if identifier.startswith("doi:"):
        return URIRef(f"{ID_BASE}paper/doi-{slugify(identifier[4:])}")
    if identifier:
        digest = hashlib.sha1(identifier.encode(), usedforsecurity=False).hexdigest()[:16]
        return URIRef(f"{ID_BASE}paper/url-{digest}")
    return URIRef(f"{ID_BASE}paper/{slugify(title)}")


def normalise_identifier(raw: str) -> str:
    """arXiv ids and DOIs in any spelling to `arXiv:NNNN.NNNNN` / `doi:10.x/y`; URLs unchanged."""
    raw = raw.strip()
    if re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", raw):
        raw = f"arXiv:{raw}"
    if match := ARXIV.search(raw):
        return normalise_arxiv(match)
    if match := DOI.search(raw):
        return normalise_doi(match.group(1))
    return raw if raw.startswith(("http://", "https://")) else ""


def paper_node(builder: GraphBuilder, identifier: str, title: str, line: int) -> URIRef:
    """Add a paper with its identifier and title (if known); returns its IRI."""
    node = paper_iri(identifier, title)
    builder.node("paper", title, line, iri=node)
    if identifier:
        builder.add(node, DCTERMS.identifier, Literal(identifier))
    builder.add(builder.note, DCTERMS.references, node)
    return node


def reference_sections(note: Note) -> set[int]:
    """Indexes of the sections that list references: a reference heading and everything under it."""
    found: set[int] = set()
    for index, section in enumerate(note.sections):
        if REFERENCE_HEADINGS.match(section.title):
            found.update(note.subtree_indexes(index))
    return found


def _reference_blocks(note: Note) -> list[Block]:
    blocks = list(note.trailer.references)
    for index in sorted(reference_sections(note)):
        blocks.extend(note.sections[index].blocks)
    return [item for block in blocks for item in block.walk()]


def _map_references(note: Note, builder: GraphBuilder) -> dict[str, URIRef]:
    """Each reference bullet is a paper: by identifier, by URL, or by its text as a title."""
    titles: dict[str, URIRef] = {}
    for block in _reference_blocks(note):
        inline = block.inline
        if inline.identifiers:
            for found in inline.identifiers:
                node = paper_node(builder, found.value, found.title, block.line)
                titles[match_key(found.title or inline.text)] = node
        elif inline.links:
            link = inline.links[0]
            node = paper_node(builder, link.url, link.text or inline.text, block.line)
            titles[match_key(link.text or inline.text)] = node
        elif inline.text and not inline.wikilinks:
            titles[match_key(inline.text)] = paper_node(builder, "", inline.text, block.line)
    return titles


ID_KEYS = ("arxiv", "arxiv_id", "doi", "paper", "url", "paper_url", "paperurl", "pdf", "link", "links", "source")
"""Frontmatter keys that may hold the identifier of the paper a note is about, most telling first."""


def _id_values(value: Any, key: str, top: str, found: list[tuple[int, str, str]]) -> None:
    """(rank of the key, value, top-level key) for every identifier-like value, at any depth."""
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            _id_values(inner, str(inner_key).lower(), top, found)
    elif isinstance(value, list):
        for item in value:
            _id_values(item, key, top, found)
    elif value is not None and key in ID_KEYS:
        found.append((ID_KEYS.index(key), str(value).strip(), top))


def _frontmatter_ids(fm: dict[str, Any]) -> list[tuple[str, str]]:
    """(identifier, top-level key) of every paper identifier in the frontmatter, most telling first."""
    found: list[tuple[int, str, str]] = []
    for key, value in fm.items():
        _id_values(value, key.lower(), key, found)
    seen: dict[str, str] = {}
    for _, value, top in sorted(found, key=lambda item: item[0]):
        if (identifier := normalise_identifier(value)) and identifier not in seen:
            seen[identifier] = top
    return list(seen.items())


def _frontmatter_paper(note: Note, builder: GraphBuilder) -> URIRef | None:
    fm = note.frontmatter
    ids = _frontmatter_ids(fm)
    identifier, key = ids[0] if ids else ("", "title")
    title = str(fm.get("paper_title") or fm.get("link_title") or fm.get("title") or "").strip()
    for other, other_key in ids[1:]:
        if not other.startswith("http"):  # further arXiv ids and DOIs are papers the note cites
            paper_node(builder, other, "", note.frontmatter_lines.get(other_key, 1))
    if not identifier and not (title and (fm.get("authors") or fm.get("year"))):
        return None
    node = paper_node(builder, identifier, title or note.title, note.frontmatter_lines.get(key, 1))
    _paper_metadata(fm, node, builder)
    return node


def _paper_metadata(fm: dict[str, Any], node: URIRef, builder: GraphBuilder) -> None:
    authors = fm.get("authors", fm.get("author", []))
    for author in authors if isinstance(authors, list) else str(authors).split(";"):
        if str(author).strip():
            builder.add(node, DCTERMS.creator, Literal(str(author).strip()))
    year = str(fm.get("year", "")).strip()
    if YEAR.match(year):
        builder.add(node, DCTERMS.date, Literal(year, datatype=XSD.gYear))


def map_papers(note: Note, builder: GraphBuilder) -> URIRef | None:
    """Map every paper the note cites; returns the paper the note is about, if any."""
    about = _frontmatter_paper(note, builder)
    titles = _map_references(note, builder)
    for found in note.identifiers:
        paper_node(builder, found.value, found.title, found.line)
    if about is None:
        about = titles.get(match_key(note.title))
    if about is not None:
        builder.add(builder.note, MLKG.aboutPaper, about)
    return about
