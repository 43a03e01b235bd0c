"""Concern links on forty labelled notes in six styles (bench/eval/links-styles), on the real encoder.

The floors are the figures measured at the configured threshold (bench/README.md): the tuning half
chose the method, the held-out half was scored once per method.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from api.link_eval import evaluate_links
from ingest.link_passages import passages
from ingest.parser import parse_note
from kg.links.evaluation import LinkScores
from kg.links.inputs import PASSAGES_VERSION, Passage
from kg.links.note_cache import NoteCache
from kg.links.note_links import ConceptVectors, Judgement
from kg.search.encoder import Encoder
from kg.settings import Settings

from .conftest import ROOT

STYLES = ROOT / "bench" / "eval" / "links-styles"
OFF_TOPIC = {
    "tune": [
        "Weeknight ramen.md",
        "Lisbon trip.md",
        "Adam vs SGD.md",
        "The transformer explained.md",
        "Puppy training log.md",
    ],
    "heldout": [
        "Garden planting schedule.md",
        "Marathon training plan.md",
        "Backpropagation derivation.md",
        "GPU buying guide.md",
        "Hypothesis testing homework.md",
    ],
}
FLOORS = {"tune": (0.85, 0.5), "heldout": (0.9, 0.45)}


def at_threshold(scores: list[LinkScores], threshold: float) -> LinkScores:
    return min(scores, key=lambda s: abs(s.threshold - threshold))


@pytest.mark.parametrize("split", ["tune", "heldout"])
def test_precision_and_recall_floors_and_no_link_off_topic(split: str, tmp_path: Path, encoder: Encoder):
    settings = Settings(data_dir=tmp_path / "unused", ingest_workers=1)
    sweep = evaluate_links(settings, STYLES / split, STYLES / split / "labels.tsv", ROOT / "notes", encoder)
    chosen = at_threshold(sweep, settings.link_threshold)
    precision, recall = FLOORS[split]
    assert chosen.precision >= precision and chosen.recall >= recall, chosen
    wrong_notes = {line.split(" -> ")[0] for line in chosen.wrong}
    assert not wrong_notes & set(OFF_TOPIC[split]), chosen.wrong  # everyday topics and near-field theory: no link


def test_an_indented_list_is_read_as_prose_with_its_lines_and_code_stays_out():
    text = (STYLES / "tune" / "Meetup - retraining at a bank.md").read_text("utf-8")
    found = {p.text: p.line for p in passages(parse_note(text, "meetup.md"))}
    assert found["their credit model is retrained every month by an automated pipeline"] == 5
    assert found["the regulator has to be told about every model change, which slows releases"] == 8
    code = "# Setup\n\n    def train(model):\n        return model.fit(x, y)\n\n    for epoch in range(3): train(m)\n"
    assert [p.text for p in passages(parse_note(code, "code.md"))] == ["Setup"]


def test_a_block_quote_gives_evidence_with_its_line():
    text = (STYLES / "heldout" / "BadNets.md").read_text("utf-8")
    found = {p.text: p.line for p in passages(parse_note(text, "badnets.md"))}
    quoted = next(t for t in found if t.startswith("We show that outsourced training introduces new security risks"))
    assert found[quoted] == 6


def unit(*rows: list[float]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_each_passage_votes_for_its_closest_concern_and_the_note_judgement_can_add_one():
    concerns = ConceptVectors(["a", "b", "c"], [0, 1, 2], unit([1, 0, 0], [0, 1, 0], [0, 0, 1]))
    said = [Passage("about a", 3), Passage("between a and b", 7)]
    vectors = unit([0.9, 0.1, 0.0], [0.6, 0.55, 0.0])
    by_passage = concerns.best(said, vectors, Judgement(0.5))
    assert [(link.concept, link.line) for link in by_passage] == [("a", 3)]  # both passages are closest to a
    by_note = concerns.best(said, vectors, Judgement(0.5, by_note=True, note_weight=1.0, gap=0.5))
    assert [link.concept for link in by_note] == ["a", "b"]  # the note as a whole is about b too
    assert by_note[1].line == 7  # with the passage closest to b as its evidence


@pytest.mark.parametrize("suffix", [".json", ".v2.json"])
def test_notes_kept_by_an_older_passage_reader_are_read_again_on_the_next_ingest(
    tmp_path: Path, encoder: Encoder, suffix: str
):
    from api.service import writes
    from api.service.core import build_services

    vault = tmp_path / "vault"
    vault.mkdir()
    talk = STYLES / "tune" / "Meetup - retraining at a bank.md"
    (vault / talk.name).write_bytes(talk.read_bytes())
    services = build_services(Settings(data_dir=tmp_path / "data", ingest_workers=1), encoder=encoder)
    writes.import_paths(services, [vault])
    current = f".v{PASSAGES_VERSION}.json"
    kept = next((tmp_path / "data" / "cache" / "inputs").glob(f"*{current}"))
    older = kept.with_name(kept.name.replace(current, suffix))
    kept.rename(older)  # as an earlier version left it: no indented prose among the passages
    services.close()
    content_hash, note = kept.name.split("-")[0], "https://w3id.org/mlkg/id/note/meetup-retraining-at-a-bank"
    assert NoteCache(tmp_path / "data" / "cache").load(content_hash, note) is not None  # still links meanwhile
    services = build_services(Settings(data_dir=tmp_path / "data", ingest_workers=1), encoder=encoder)
    writes.import_paths(services, [vault])
    assert kept.exists() and not older.exists()  # read again, though its bytes did not change
    lines = {p["line"] for p in json.loads(kept.read_text("utf-8"))["passages"]}
    assert {5, 6, 7, 8} <= lines  # the indented talk notes
    services.close()
