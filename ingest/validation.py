"""SHACL validation of a note's graph, with messages that name the file and line."""

from dataclasses import dataclass
from functools import lru_cache

from pyshacl import validate
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH

from kg.errors import Problem
from kg.iris import MLKG, PROV
from ontology import SHAPES_TTL


@lru_cache(maxsize=1)
def load_shapes() -> Graph:
    """The shipped SHACL shapes, parsed once per process."""
    return Graph().parse(SHAPES_TTL)


@dataclass
class ShapeValidator:
    """Checks graphs against the shapes and explains each violation in the note's terms."""

    shapes: Graph

    def check(self, graph: Graph, path: str) -> list[Problem]:
        """All violations in `graph`, each located at the line its focus node came from."""
        conforms, report, _ = validate(
            graph, shacl_graph=self.shapes, inference="none", advanced=False, allow_warnings=True
        )
        if conforms:
            return []
        assert isinstance(report, Graph)
        problems = [self._explain(report, result, graph, path)
                    for result in report.subjects(SH.resultSeverity, SH.Violation)]
        return sorted(problems, key=lambda p: (p.line or 0, p.message))

    @staticmethod
    def _explain(report: Graph, result: object, data: Graph, path: str) -> Problem:
        focus = report.value(result, SH.focusNode)  # type: ignore[arg-type]
        message = report.value(result, SH.resultMessage)  # type: ignore[arg-type]
        name = data.value(focus, RDFS.label) or data.value(focus, DCTERMS.title) or focus
        line = _line_of(focus, data) if isinstance(focus, URIRef) else None
        text = str(message) if isinstance(message, Literal) else "violates a shape"
        return Problem(f"{name!s}: {text}", path, line)


def default_validator() -> ShapeValidator:
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
