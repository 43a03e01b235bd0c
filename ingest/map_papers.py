"""Papers: identifiers in the text, reference lists and the frontmatter of a literature note."""

import hashlib
import re
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from ingest.graph_builder import GraphBuilder
from ingest.inline import ARXIV, DOI, normalise_arxiv, normalise_doi
from ingest.model import Block, Note
from kg.iris import ID_BASE, MLKG, match_key, slugify

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


def _frontmatter_paper(note: Note, builder: GraphBuilder) -> URIRef | None:
    fm = note.frontmatter
    raw = next((str(fm[k]) for k in ("arxiv", "doi", "url", "paper") if fm.get(k)), "")
    identifier = normalise_identifier(raw)
    title = str(fm.get("paper_title") or fm.get("title") or "").strip()
    if not identifier and not (title and (fm.get("authors") or fm.get("year"))):
        return None
    line = next(
        (note.frontmatter_lines[k] for k in ("arxiv", "doi", "url", "paper", "title") if k in note.frontmatter_lines),
        1,
    )
    node = paper_node(builder, identifier, title or note.title, line)
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
