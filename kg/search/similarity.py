"""`mlkg:similarity(?node, "text")` and `mlkg:similarity(?a, ?b)` in SPARQL: cosines from the search index.

The vectors are the ones `/ask` ranks with (node texts embedded by the configured encoder); a text
is encoded once per query. A node without an embedding, or an argument that is neither a node
nor a text, makes the whole query fail with a message once it has been evaluated.
"""

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyoxigraph as ox

from kg.errors import BadRequest
from kg.search.encoder import Vectors
from kg.store.quad_store import Functions

SIMILARITY_IRI = "https://w3id.org/mlkg/ontology#similarity"
SIMILARITY = ox.NamedNode(SIMILARITY_IRI)
XSD_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")


class VectorSource(Protocol):
    """Where the function finds embeddings: the search index's, and the encoder's for free text."""

    def node_vectors(self, iris: list[str]) -> dict[str, Vectors]: ...
    def text_vectors(self, texts: list[str]) -> dict[str, Vectors]: ...


@dataclass
class SimilarityFunction:
    """The SPARQL function; call `check()` once the answer is evaluated to turn a bad argument into an error."""

    source: VectorSource
    nodes: dict[str, Vectors] = field(default_factory=dict)
    texts: dict[str, Vectors] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def __call__(self, first: object, second: object) -> ox.Literal | None:
        try:
            cosine = float(np.dot(self._vector(first), self._vector(second)))
        except LookupError as problem:
            self.problems.append(str(problem.args[0]))
            return None
        return ox.Literal(repr(cosine), datatype=XSD_DOUBLE)

    def _vector(self, term: object) -> Vectors:
        if isinstance(term, ox.NamedNode):
            if term.value not in self.nodes:
                self.nodes.update(self.source.node_vectors([term.value]))
            if term.value not in self.nodes:
                raise LookupError(
                    f"mlkg:similarity: <{term.value}> has no embedding "
                    "(only stages, steps, concerns, papers, solutions and notes in the search index have one)"
                )
            return self.nodes[term.value]
        if isinstance(term, ox.Literal) and term.value.strip():
            if term.value not in self.texts:
                self.texts.update(self.source.text_vectors([term.value]))
            return self.texts[term.value]
        raise LookupError(f"mlkg:similarity takes node IRIs or non-empty texts, not {term}")

    def check(self) -> None:
        if self.problems:
            raise BadRequest(self.problems[0])


def uses_similarity(sparql: str) -> bool:
    """Whether a query may call the function (only those pay for installing it)."""
    return "similarity" in sparql.lower()


def functions(similarity: SimilarityFunction) -> Functions:
    return {SIMILARITY: similarity}
