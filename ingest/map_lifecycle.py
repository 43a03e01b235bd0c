"""Lifecycle tables and the sections that describe their stages, steps and concerns."""

import re

from rdflib import SKOS, URIRef

from ingest.graph_builder import GraphBuilder
from ingest.inline import parse_inline
from ingest.map_papers import paper_node
from ingest.model import Note, Table
from kg.iris import match_key
from kg.rdf_terms import MLKG


def map_lifecycle(note: Note, builder: GraphBuilder) -> dict[str, URIRef]:
    """Map every lifecycle table; returns match key -> IRI of each stage, step and concern."""
    index: dict[str, URIRef] = {}
    for table in note.tables:
        if table.kind == "lifecycle":
            _map_table(table, builder, index)
    _map_definitions(note, builder, index)
    for iri in index.values():
        builder.add(builder.note, MLKG.discusses, iri)
    return index


def _map_table(table: Table, builder: GraphBuilder, index: dict[str, URIRef]) -> None:
    roles = table.columns
    for row, raw, line in zip(table.rows, table.raw_rows, table.row_lines, strict=True):
        stage_label, step_label = row[roles["stage"]], row[roles["step"]]
        concern_label = row[roles["concern"]]
        if not stage_label:
            if step_label or concern_label:
                builder.problem("lifecycle table row has no stage (and none above it to continue)", line)
            continue
        stage = builder.node("stage", stage_label, line)
        index.setdefault(match_key(stage_label), stage)
        if not step_label:
            if concern_label:
                builder.problem(f"concern {concern_label!r} has no step in its row or above it", line)
            continue
        step = builder.node("step", step_label, line)
        index.setdefault(match_key(step_label), step)
        _link(builder, step, MLKG.stage, MLKG.hasStep, stage)
        if concern_label:
            concern = builder.node("concern", concern_label, line)
            index.setdefault(match_key(concern_label), concern)
            _link(builder, concern, MLKG.step, MLKG.hasConcern, step)
            _map_row_extras(row, raw, line, roles, builder, concern)


def _link(builder: GraphBuilder, child: URIRef, up: URIRef, down: URIRef, parent: URIRef) -> None:
    builder.add(child, up, parent)
    builder.add(parent, down, child)
    # skos:narrower is left out: it is the inverse of skos:broader and mlkg:has* already goes down
    builder.add(child, SKOS.broader, parent)


def _map_row_extras(
    row: list[str], raw: list[str], line: int, roles: dict[str, int], builder: GraphBuilder, concern: URIRef
) -> None:
    """Optional columns: a description, the solutions that mitigate it, papers on it."""
    if "definition" in roles:
        builder.define(concern, row[roles["definition"]], line)
    if "solution" in roles:
        for name in re.split(r"\s*[;,]\s*", row[roles["solution"]]):
            if name:
                builder.add(builder.node("solution", name, line), MLKG.mitigates, concern)
    if "paper" in roles:
        for identifier in parse_inline(raw[roles["paper"]], line).identifiers:
            builder.add(paper_node(builder, identifier.value, identifier.title, line), MLKG.discusses, concern)


def _map_definitions(note: Note, builder: GraphBuilder, index: dict[str, URIRef]) -> None:
    """A section titled like a stage, step or concern of the note's table describes it."""
    for section in note.sections:
        iri = index.get(match_key(section.title)) if section.title else None
        if iri is not None:
            builder.define(iri, section.text(), section.line)
