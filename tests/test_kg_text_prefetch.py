"""The texts of a query's similarity calls are found in its text and encoded ahead (real encoder):
the vectors are the encoder's own, what the hint misses is encoded when asked for, and a text
already encoded is not encoded again."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kg.search.encoder import Encoder, Vectors
from kg.search.text_prefetch import MAX_TEXTS, PrefetchedTexts, TextVectors, similarity_texts

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
    prefetched = PrefetchedTexts(TextVectors(remembering), similarity_texts(QUERY))  # type: ignore[arg-type]
    found = prefetched.take(['labels arrive "weeks" late', "not in the query"])
    assert list(found) == ['labels arrive "weeks" late']
    assert np.allclose(found['labels arrive "weeks" late'], encoder.encode(['labels arrive "weeks" late'])[0])
    assert sorted(remembering.encoded) == ["it's copied", 'labels arrive "weeks" late']
    assert PrefetchedTexts(TextVectors(remembering), []).take(["anything"]) == {}  # type: ignore[arg-type]


@dataclass
class CountingEncoder:
    """The real encoder; records every batch it is given, repeats included."""

    inner: Encoder
    calls: list[list[str]] = field(default_factory=list)

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        return self.inner.encode(texts)


def test_a_kept_text_is_not_encoded_again_and_the_least_recent_goes_first(encoder: Encoder) -> None:
    counting = CountingEncoder(encoder)
    kept = TextVectors(counting, size=2)  # type: ignore[arg-type]
    first = PrefetchedTexts(kept, ["labels arrive late", "model stolen"]).take(["labels arrive late"])
    again = PrefetchedTexts(kept, ["labels arrive late"]).take(["labels arrive late"])
    assert counting.calls == [["labels arrive late", "model stolen"]]
    assert np.array_equal(again["labels arrive late"], first["labels arrive late"])
    assert np.allclose(again["labels arrive late"], encoder.encode(["labels arrive late"])[0], atol=1e-6)
    kept.encode(["data drift", "labels arrive late"])  # only the new text; "model stolen" is dropped
    kept.encode(["model stolen", "labels arrive late"])
    assert counting.calls[1:] == [["data drift"], ["model stolen"]]
