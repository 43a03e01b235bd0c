"""mlkg:similarity in this process, against the dense scores the search engine ranks with (to 1e-5)."""

import pyoxigraph as ox
import pytest

from api.service.core import Services
from api.service.reads import similarity_function
from kg.errors import BadRequest
from kg.search.similarity import SimilarityFunction, functions

QUESTION = "copying a model through its API"
QUERY = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?node ?score WHERE { ?node a mlkg:Concern BIND(mlkg:similarity(?node, "%s") AS ?score) }"""


def test_scores_equal_the_engines_dense_scores(seed_services: Services) -> None:
    engine = seed_services.open().engine
    query = engine.encoder.encode([QUESTION])[0]
    dense = {engine.index.texts[row].iri: cosine for row, cosine in engine.index.vectors.search(query, 60)}  # type: ignore[union-attr]
    similarity = similarity_function(seed_services)
    result = seed_services.store.query(QUERY % QUESTION, functions=functions(similarity))
    assert isinstance(result, ox.QuerySolutions)
    ours = {row["node"].value: float(row["score"].value) for row in result}
    similarity.check()
    shared = set(ours) & set(dense)
    assert len(shared) >= 30
    assert max(abs(ours[iri] - dense[iri]) for iri in shared) < 1e-5
    assert max(ours, key=ours.__getitem__) == "https://w3id.org/mlkg/id/concern/model-stealing"


def test_a_text_is_encoded_once_per_query(seed_services: Services) -> None:
    asked: list[list[str]] = []
    source = similarity_function(seed_services).source

    class Counting:
        def node_vectors(self, iris: list[str]):  # type: ignore[no-untyped-def]
            return source.node_vectors(iris)

        def text_vectors(self, texts: list[str]):  # type: ignore[no-untyped-def]
            asked.append(texts)
            return source.text_vectors(texts)

    similarity = SimilarityFunction(Counting())
    result = seed_services.store.query(QUERY % QUESTION, functions=functions(similarity))
    assert isinstance(result, ox.QuerySolutions) and len(list(result)) >= 30
    assert asked == [[QUESTION]]


def test_a_blank_text_or_an_unknown_node_is_an_error(seed_services: Services) -> None:
    for argument in ('""', "<urn:nowhere>"):
        similarity = similarity_function(seed_services)
        query = f"SELECT ?s WHERE {{ BIND(<https://w3id.org/mlkg/ontology#similarity>(<urn:x>, {argument}) AS ?s) }}"
        list(seed_services.store.query(query, functions=functions(similarity)))  # type: ignore[call-overload]
        with pytest.raises(BadRequest, match="mlkg:similarity"):
            similarity.check()
