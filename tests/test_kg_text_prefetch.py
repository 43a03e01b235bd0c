"""The texts of a query's similarity calls are found in its text and encoded ahead (real encoder):
the vectors are the encoder's own, and what the hint misses is encoded when asked for."""

import numpy as np

from kg.search.encoder import Encoder
from kg.search.text_prefetch import MAX_TEXTS, PrefetchedTexts, similarity_texts

from .conftest import RememberingEncoder

QUERY = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?c WHERE { ?c a mlkg:Concern
  BIND(mlkg:similarity(?c, "labels arrive \\"weeks\\" late") AS ?s)
  BIND(<https://w3id.org/mlkg/ontology#similarity>(?c, 'it\\'s copied') AS ?t)
  BIND(mlkg:similarity(?c, <https://w3id.org/mlkg/id/concern/model-stealing>) AS ?u) }"""


def test_the_second_argument_literals_are_found_with_their_escapes() -> None:
    assert similarity_texts(QUERY) == ['labels arrive "weeks" late', "it's copied"]
    assert similarity_texts("SELECT * WHERE { ?s ?p ?o }") == []
    many = " ".join(f'BIND(mlkg:similarity(?c, "text {i}") AS ?s{i})' for i in range(20))
    assert similarity_texts(many) == [f"text {i}" for i in range(MAX_TEXTS)]


def test_prefetched_vectors_are_the_encoders_and_only_the_hinted_texts_wait(encoder: Encoder) -> None:
    remembering = RememberingEncoder(encoder)
    prefetched = PrefetchedTexts(remembering, similarity_texts(QUERY))  # type: ignore[arg-type]
    found = prefetched.take(['labels arrive "weeks" late', "not in the query"])
    assert list(found) == ['labels arrive "weeks" late']
    assert np.allclose(found['labels arrive "weeks" late'], encoder.encode(['labels arrive "weeks" late'])[0])
    assert sorted(remembering.encoded) == ["it's copied", 'labels arrive "weeks" late']
    assert PrefetchedTexts(remembering, []).take(["anything"]) == {}
