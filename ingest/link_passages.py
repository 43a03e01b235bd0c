"""A parsed note to the inputs of linking: its sentences, wikilinks, tags, own concepts and paper."""

import re

from rdflib import RDFS

from ingest.map_papers import reference_sections
from ingest.mapping import MappedNote
from ingest.model import Block, Note
from kg.iris import kind_of, match_key
from kg.links.inputs import LinkInputs, Passage, Reference
from kg.rdf_terms import MLKG

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
SUMMARY_KEYS = ("summary", "abstract", "description", "tldr")
MAX_PASSAGE = 600


def sentences(text: str) -> list[str]:
    """Split prose into sentences; very long ones are cut so one passage stays one thought."""
    return [s.strip()[:MAX_PASSAGE] for s in SENTENCE_END.split(text) if s.strip()]


def _marked(block: Block) -> str:
    """The block's text with links to other notes written `[[name]]`: a note's name is not its prose."""
    text = block.text
    for link in block.inline.wikilinks:
        if not link.alias and link.target:
            text = text.replace(link.target, f"[[{link.target}]]", 1)
    return text


def _section_passages(note: Note, index: int, own: set[str]) -> list[Passage]:
    section = note.sections[index]
    # a section titled like one of the note's own concepts defines it: searched for names, not by meaning
    source = "definition" if section.title and match_key(section.title) in own else "text"
    found = [Passage(section.title, section.line, source)] if section.title else []
    found += [Passage(s, section.line, source) for s in sentences(section.rest)]
    for block in section.blocks:
        for item in block.walk():
            found += [Passage(s, item.line, source) for s in sentences(_marked(item))]
    for table in section.tables:
        if table.kind == "lifecycle":
            continue  # its cells are the note's own concepts, already in its graph
        for row, line in zip(table.rows, table.row_lines, strict=True):
            text = "; ".join(cell for cell in row if cell)
            if text:
                found.append(Passage(text[:MAX_PASSAGE], line, "table"))
    return found


def passages(note: Note, own: set[str] | None = None) -> list[Passage]:
    """The note's frontmatter title and summary and its prose, leaving out reference lists and the trailer.

    A title taken from the file name is not prose the note contains, so it gives no evidence.
    """
    found = [Passage(note.title, note.frontmatter_lines["title"])] if "title" in note.frontmatter_lines else []
    if isinstance(link_title := note.frontmatter.get("link_title"), str) and link_title.strip():
        found.append(Passage(link_title.strip(), note.frontmatter_lines.get("link_title", 1)))
    for key in SUMMARY_KEYS:
        if isinstance(value := note.frontmatter.get(key), str):
            found += [Passage(s, note.frontmatter_lines.get(key, 1)) for s in sentences(value)]
    references = reference_sections(note)
    for index in range(len(note.sections)):
        if index not in references:
            found += _section_passages(note, index, own or set())
    return found


def link_inputs(note: Note, mapped: MappedNote) -> LinkInputs:
    """What the linker needs to link this note, now or after the rest of the vault changes."""
    wikilinks = [
        Reference(link.name, link.line, link.folder)
        for link in [*note.wikilinks, *note.trailer.related]
        if link.name and not link.attachment
    ]
    about = next((str(o) for s, p, o in mapped.triples if s == mapped.iri and p == MLKG.aboutPaper), "")
    own = sorted(str(node) for node in mapped.lines if kind_of(str(node)) in ("stage", "step", "concern"))
    labels = {match_key(str(o)) for s, p, o in mapped.triples if p == RDFS.label and str(s) in own}
    return LinkInputs(
        note=str(mapped.iri),
        content_hash=note.content_hash,
        passages=passages(note, labels),
        wikilinks=wikilinks,
        tags=[Reference(tag.name, tag.line) for tag in note.tags],
        own=own,
        about=about,
        path=mapped.path,
    )
