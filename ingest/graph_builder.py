"""Adds nodes to one note's graph, each with its type, label and the line it came from."""

from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from kg.errors import Problem
from kg.iris import Kind, hashed_iri, node_iri
from kg.rdf_terms import LIFECYCLE_SCHEME, MLKG, PROV

CLASSES: dict[str, URIRef] = {
    "stage": MLKG.Stage,
    "step": MLKG.Step,
    "concern": MLKG.Concern,
    "paper": MLKG.Paper,
    "solution": MLKG.Solution,
    "note": MLKG.Note,
}
LIFECYCLE_KINDS = ("stage", "step", "concern")


@dataclass
class GraphBuilder:
    """The graph of one note under construction."""

    note: URIRef
    path: str
    triples: set[tuple[URIRef, URIRef, URIRef | Literal]] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    lines: dict[URIRef, int] = field(default_factory=dict)
    derived: set[URIRef] = field(default_factory=set)

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        self.triples.add((s, p, o))

    def problem(self, message: str, line: int | None) -> None:
        self.problems.append(Problem(message, self.path, line))

    def derive(self, node: URIRef, line: int, field_: URIRef | None = None) -> None:
        """Record that `node` (or its `field_`) came from this note at `line`."""
        derivation = hashed_iri("derivation", str(self.note), str(node), str(field_ or ""))
        if derivation in self.derived:
            return  # the first place a fact appears is the line it keeps
        self.derived.add(derivation)
        self.add(node, PROV.wasDerivedFrom, self.note)
        self.add(node, PROV.qualifiedDerivation, derivation)
        self.add(derivation, RDF.type, PROV.Derivation)
        self.add(derivation, PROV.entity, self.note)
        self.add(derivation, MLKG.line, Literal(max(line, 1), datatype=XSD.integer))
        if field_ is not None:
            self.add(derivation, MLKG.field, field_)

    def node(self, kind: Kind, label: str, line: int, iri: URIRef | None = None) -> URIRef:
        """Add (once) a typed, labelled node with its provenance; returns its IRI."""
        node = iri if iri is not None else node_iri(kind, label)
        if node in self.lines:
            return node
        self.lines[node] = line
        self.add(node, RDF.type, CLASSES[kind])
        if kind == "paper":
            if label:
                self.add(node, DCTERMS.title, Literal(label))
        else:
            self.add(node, RDFS.label, Literal(label))
            self.add(node, SKOS.prefLabel, Literal(label))
        if kind in LIFECYCLE_KINDS:
            self.add(node, RDF.type, SKOS.Concept)
            self.add(node, SKOS.inScheme, LIFECYCLE_SCHEME)
        if kind == "stage":
            self.add(node, SKOS.topConceptOf, LIFECYCLE_SCHEME)
        self.derive(node, line)
        return node

    def define(self, node: URIRef, text: str, line: int) -> None:
        """Give `node` a definition taken from the note at `line`."""
        if text:
            self.add(node, SKOS.definition, Literal(text))
            self.derive(node, line, SKOS.definition)
