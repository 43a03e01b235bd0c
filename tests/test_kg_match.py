"""Answers say how sure they are: off-topic questions are told nothing matches, on-topic ones are not."""

import csv

from api.service.core import Services
from kg.search.match import NONE_BELOW, STRONG_FROM, match_of

from .conftest import ROOT

EVAL = ROOT / "bench" / "eval"


def _offtopic(split: str, kind: str, name: str = "offtopic.tsv") -> list[str]:
    with (EVAL / name).open(encoding="utf-8") as file:
        return [r["question"] for r in csv.DictReader(file, delimiter="\t") if (r["split"], r["kind"]) == (split, kind)]


def _ontopic(name: str) -> list[str]:
    with (EVAL / name).open(encoding="utf-8") as file:
        return [row[0] for row in csv.reader(file, delimiter="\t")][1:]


def test_thresholds_order_the_matches() -> None:
    assert NONE_BELOW < STRONG_FROM
    assert [match_of(x) for x in (NONE_BELOW - 0.01, NONE_BELOW, STRONG_FROM)] == ["none", "weak", "strong"]


def test_everyday_questions_are_told_nothing_matches(seed_services: Services) -> None:
    engine = seed_services.open().engine
    written_later = [q for split in ("tune", "heldout") for q in _offtopic(split, "everyday", "offtopic-own-words.tsv")]
    for question in _offtopic("heldout", "everyday") + _offtopic("tune", "everyday") + written_later:
        answer = engine.ask(question, k=5)
        assert answer["match"] == "none", (question, answer["hits"][0]["scores"])
        assert "nothing in the graph matches" in answer["message"]
        assert {hit["match"] for hit in answer["hits"]} == {"none"}


def test_on_topic_tune_questions_are_never_flagged(seed_services: Services) -> None:
    engine = seed_services.open().engine
    for question in _ontopic("questions.tsv"):
        answer = engine.ask(question, k=5)
        assert answer["match"] != "none" and "message" not in answer, question
        assert answer["hits"][0]["match"] == match_of(answer["hits"][0]["scores"]["dense"])
