"""The shipped vocabulary: known solution names and practitioners' synonyms for concerns."""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import SKOS, Graph, URIRef

from kg.iris import ID_BASE
from ontology import VOCABULARY_TTL


@dataclass(frozen=True)
class Term:
    iri: URIRef
    label: str
    forms: tuple[str, ...]


@dataclass
class Vocabulary:
    solutions: list[Term] = field(default_factory=list)
    synonyms: dict[URIRef, list[str]] = field(default_factory=dict)

    def solution_mentions(self, text: str) -> list[Term]:
        """Known solutions named in `text` (whole words, any case)."""
        found = []
        for term in self.solutions:
            if any(_mentions(form, text) for form in term.forms):
                found.append(term)
        return found


def _mentions(form: str, text: str) -> bool:
    flags = 0 if form.isupper() else re.IGNORECASE
    return re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text, flags) is not None


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """Parse the shipped vocabulary once per process."""
    graph = Graph().parse(VOCABULARY_TTL)
    vocabulary = Vocabulary()
    prefix = f"{ID_BASE}solution/"
    for subject, label in graph.subject_objects(SKOS.prefLabel):
        if isinstance(subject, URIRef) and str(subject).startswith(prefix):
            alt = [str(a) for a in graph.objects(subject, SKOS.altLabel)]
            vocabulary.solutions.append(Term(subject, str(label), (str(label), *alt)))
    for predicate in (SKOS.altLabel, SKOS.hiddenLabel):
        for subject, label in graph.subject_objects(predicate):
            if isinstance(subject, URIRef) and not str(subject).startswith(prefix):
                vocabulary.synonyms.setdefault(subject, []).append(str(label))
    vocabulary.solutions.sort(key=lambda term: str(term.iri))
    return vocabulary
