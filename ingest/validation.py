"""SHACL validation of a note's graph, with messages that name the file and line."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from pyshacl import validate
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH
from rdflib.term import Node

from kg.errors import Problem
from kg.rdf_terms import MLKG, PROV
from ontology import SHAPES_TTL


@lru_cache(maxsize=1)
def load_shapes() -> Graph:
    """The shipped SHACL shapes, parsed once per process."""
    return Graph().parse(SHAPES_TTL)


def shape_predicates(shapes: Graph) -> frozenset[URIRef]:
    """Predicates the shapes can look at: their paths, sh:targetSubjectsOf and rdf:type."""
    used = {RDF.type}
    for predicate in (SH.path, SH.targetSubjectsOf, SH.targetObjectsOf):
        used.update(o for o in shapes.objects(None, predicate) if isinstance(o, URIRef))
    return frozenset(used)


@dataclass
class ShapeValidator:
    """Checks graphs against the shapes and explains each violation in the note's terms."""

    shapes: Graph
    predicates: frozenset[URIRef] = field(init=False)

    def __post_init__(self) -> None:
        self.predicates = shape_predicates(self.shapes)

    def relevant(self, triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[tuple[Node, Node, Node]]:
        """Only the triples a shape can see; leaving out the rest cannot change the report."""
        return (t for t in triples if t[1] in self.predicates)

    def check(self, graph: Graph, path: str) -> list[Problem]:
        """All violations in `graph`, each located at the line its focus node came from."""
        conforms, report, _ = validate(
            graph, shacl_graph=self.shapes, inference="none", advanced=False, allow_warnings=True
        )
        if conforms:
            return []
        assert isinstance(report, Graph)
        problems = [
            self._explain(report, result, graph, path) for result in report.subjects(SH.resultSeverity, SH.Violation)
        ]
        return sorted(problems, key=lambda p: (p.line or 0, p.message))

    @staticmethod
    def _explain(report: Graph, result: Node, data: Graph, path: str) -> Problem:
        focus = report.value(result, SH.focusNode)
        message = report.value(result, SH.resultMessage)
        name = data.value(focus, RDFS.label) or data.value(focus, DCTERMS.title) or focus
        line = _line_of(focus, data) if isinstance(focus, URIRef) else None
        text = str(message) if isinstance(message, Literal) else "violates a shape"
        return Problem(f"{name!s}: {text}", path, line)


@lru_cache(maxsize=1)
def default_validator() -> ShapeValidator:
    """The validator for the shipped shapes, built once per process."""
    return ShapeValidator(load_shapes())


def _line_of(node: URIRef, data: Graph) -> int | None:
    """The line a node was derived from, read from its qualified derivation in the graph."""
    lines = [
        int(line)
        for derivation in data.objects(node, PROV.qualifiedDerivation)
        if data.value(derivation, MLKG.field) is None
        for line in data.objects(derivation, MLKG.line)
        if isinstance(line, Literal)
    ]
    return min(lines) if lines else None
