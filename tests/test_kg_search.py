"""Questions on the real model, the real store and the real FAISS and BM25 indexes."""

import pytest

from api.service import reads
from kg.errors import BadRequest
from kg.search.evaluation import evaluate_all, read_cases

from .conftest import ROOT

SHARED_EVAL = ROOT / "bench" / "eval" / "questions.tsv"
HELD_OUT = ROOT / "bench" / "eval" / "heldout.tsv"
SEED_PATH = "Challenges in Deploying Machine Learning - a Survey of Case Studies.md"


def test_copying_a_model_through_its_api_is_model_stealing_with_its_context(seed_services):
    answer = reads.ask(seed_services, "someone is copying my model through its API", k=1).model_dump()
    first = answer["hits"][0]
    assert first["label"] == "Model stealing" and first["kind"] == "concern"
    assert first["step"]["label"] == "Security"
    assert first["stage"]["label"] == "Cross-cutting aspects"
    assert [p["identifier"] for p in first["papers"]] == ["arXiv:2011.09926"]
    assert [n["path"] for n in first["notes"]] == [SEED_PATH]
    assert [(s["line"], s["field"]) for s in first["sources"]] == [(41, "node"), (133, "definition")]
    assert first["definition"].startswith("Another type of adversarial attack")
    assert first["related"] == []  # only the survey discusses it with others: no evidence of a relation
    matched = first["matched"]  # the definition sentence sharing most words with the question, with its line
    assert matched["field"] == "definition" and matched["line"] == 133 and matched["path"] == SEED_PATH
    assert "public prediction API" in matched["text"] and first["why"] == matched["text"]
    assert first["scores"]["dense"] > 0
    assert answer["took_ms"] >= 0 and answer["question"] == "someone is copying my model through its API"


def test_solutions_answer_with_what_they_are(seed_services):
    answer = reads.ask(
        seed_services, "libraries that produce labels programmatically", k=3, kind="solution"
    ).model_dump()
    assert answer["hits"][0]["label"] == "Weak supervision"
    assert {h["kind"] for h in answer["hits"]} == {"solution"}
    assert answer["hits"][0]["sources"][0]["line"] == 146


def test_type_filter_and_determinism(seed_services):
    engine = seed_services.open().engine
    steps = engine.ask("keeping a deployed model healthy over time", k=4, kind="step")
    assert {h["kind"] for h in steps["hits"]} == {"step"}
    assert len(steps["hits"]) == 4
    first = engine.ask("keeping a deployed model healthy over time", k=8)
    second = engine.ask("keeping a deployed model healthy over time", k=8)
    assert [h["iri"] for h in first["hits"]] == [h["iri"] for h in second["hits"]]
    assert [h["score"] for h in first["hits"]] == [h["score"] for h in second["hits"]]


def test_a_question_of_stopwords_still_gets_dense_hits(seed_services):
    answer = reads.ask(seed_services, "is it the?", k=3).model_dump()
    assert len(answer["hits"]) == 3
    assert all(hit["scores"]["bm25"] == 0 for hit in answer["hits"])


def test_bad_questions_are_clear_errors(seed_services):
    with pytest.raises(BadRequest, match="empty"):
        reads.ask(seed_services, "   ")
    with pytest.raises(BadRequest, match="unknown type 'planet'"):
        reads.ask(seed_services, "drift", kind="planet")


def test_quality_floor_on_the_shared_questions(seed_services):
    scores = evaluate_all(seed_services.open().engine, read_cases(SHARED_EVAL))
    hybrid, dense, bm25 = scores["hybrid"], scores["dense"], scores["bm25"]
    assert hybrid.hit_at_3 >= 0.9, hybrid.misses
    assert hybrid.mrr >= 0.85, hybrid.misses
    assert hybrid.mrr > dense.mrr and hybrid.mrr > bm25.mrr


def test_hybrid_beats_each_alone_on_held_out_paraphrases(seed_services):
    scores = evaluate_all(seed_services.open().engine, read_cases(HELD_OUT))
    assert scores["hybrid"].mrr > scores["dense"].mrr
    assert scores["hybrid"].mrr > scores["bm25"].mrr
    assert scores["hybrid"].hit_at_3 >= 0.85, scores["hybrid"].misses
