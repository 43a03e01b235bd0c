"""A hit's graph context (and what it may match by) is kept between questions and dropped by every write (real store and encoder)."""

from pathlib import Path

from api.service import reads, writes
from api.service.core import build_services
from kg.graph.context import graph_context
from kg.recent_values import RecentValues
from kg.search.encoder import Encoder
from kg.settings import Settings

from .conftest import ROOT

QUESTION = "someone is copying my model through its API"
NOTE = b"""---
title: Extraction seminar
---
Model stealing through a public prediction API is cheap; the seminar copied one in an afternoon.
"""


def test_recent_values_keep_the_last_used_and_drop_the_oldest():
    kept: RecentValues[str, int] = RecentValues(2)
    kept.keep({"a": 1, "b": 2})
    assert kept.found(["a", "z"]) == {"a": 1}  # "a" is now the most recent
    kept.keep({"c": 3})
    assert kept.found(["a", "b", "c"]) == {"a": 1, "c": 3} and len(kept) == 2
    kept.clear()
    assert kept.found(["a", "c"]) == {}


def test_a_hits_context_is_kept_until_a_write_changes_it(tmp_path: Path, encoder: Encoder):
    services = build_services(Settings(data_dir=tmp_path, max_semantic_links=0, ingest_workers=1), encoder=encoder)
    try:
        writes.import_paths(services, [ROOT / "notes"])
        first = reads.ask(services, QUESTION, k=3).model_dump(exclude={"took_ms"})
        engine = services.open().engine
        top = first["hits"][0]["iri"]
        assert first["hits"][0]["label"] == "Model stealing"
        kept = engine.facts.found([h["iri"] for h in first["hits"]])
        assert set(kept) == {h["iri"] for h in first["hits"]}
        assert engine.view is not None
        read = graph_context(engine.store, engine.view, list(kept))
        assert {iri: facts.context for iri, facts in kept.items()} == read  # what is kept is what would be read
        assert reads.ask(services, QUESTION, k=3).model_dump(exclude={"took_ms"}) == first
        assert "Extraction seminar" not in [n["title"] for n in first["hits"][0]["notes"]]

        writes.import_note(services, "Seminars/Extraction seminar.md", NOTE)
        assert len(services.open().engine.facts) == 0
        after = reads.ask(services, QUESTION, k=3).model_dump()["hits"]
        stealing = next(h for h in after if h["iri"] == top)
        assert "Extraction seminar" in [n["title"] for n in stealing["notes"]]
        assert stealing["counts"]["notes"] == first["hits"][0]["counts"]["notes"] + 1

        writes.delete_note(services, "Seminars/Extraction seminar.md")
        again = reads.ask(services, QUESTION, k=3).model_dump(exclude={"took_ms"})
        assert again == first
    finally:
        services.close()
