"""Solutions: tools, techniques and approaches named in a note's solution sections."""

import re

from rdflib import SKOS, Literal, URIRef

from ingest.graph_builder import GraphBuilder
from ingest.model import Block, Note
from ingest.vocabulary import Vocabulary
from kg.iris import match_key, node_iri
from kg.rdf_terms import MLKG

SOLUTION_HEADINGS = re.compile(r"solution|mitigat|remed|countermeasure|defen[cs]e|tools?\b|approach|what helps", re.I)
ACRONYM = re.compile(
    r"((?:[A-Z][\w-]*)(?:\s+(?:(?:for|of|and|in|to|the|on)\s+)*[A-Z][\w-]*){0,6})\s+\(([A-Z][A-Za-z0-9-]{1,15})\)"
)
LEAD = re.compile(r"^([A-Z][\w\- ]{2,60}):\s")


def _solution_blocks(note: Note) -> list[Block]:
    blocks: list[Block] = []
    for index, section in enumerate(note.sections):
        if section.title and SOLUTION_HEADINGS.search(section.title):
            for sub in note.subtree(index):
                blocks.extend(item for block in sub.blocks for item in block.walk())
    unique = {id(block): block for block in blocks}
    return list(unique.values())


def _names(block: Block, vocabulary: Vocabulary) -> list[tuple[URIRef, str, list[str]]]:
    """(IRI, label, synonyms) of each solution a block names."""
    found: dict[URIRef, tuple[URIRef, str, list[str]]] = {}
    for term in vocabulary.solution_mentions(block.text):
        found.setdefault(term.iri, (term.iri, term.label, []))
    for match in ACRONYM.finditer(block.text):
        name, acronym = match.group(1).strip(), match.group(2)
        known = [
            t for t in vocabulary.solutions if {match_key(name), match_key(acronym)} & {match_key(f) for f in t.forms}
        ]
        if not known:
            iri = node_iri("solution", name)
            found.setdefault(iri, (iri, name, [acronym]))
    if not found and (lead := LEAD.match(block.inline.text)):
        name = lead.group(1).strip()
        iri = node_iri("solution", name)
        found[iri] = (iri, name, [])
    return list(found.values())


def map_solutions(note: Note, builder: GraphBuilder, vocabulary: Vocabulary, concerns: dict[str, URIRef]) -> None:
    """Add each named solution with its description, and what it mitigates when the text says."""
    for block in _solution_blocks(note):
        for iri, label, synonyms in _names(block, vocabulary):
            is_new = iri not in builder.lines
            builder.node("solution", label, block.line, iri=iri)
            for synonym in synonyms:
                builder.add(iri, SKOS.altLabel, Literal(synonym))
            if is_new:
                builder.define(iri, block.flat_text(), block.line)
            for key, concern in concerns.items():
                if "/concern/" in str(concern) and len(key) > 6 and key in match_key(block.text):
                    builder.add(iri, MLKG.mitigates, concern)
