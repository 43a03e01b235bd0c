"""Retrieval quality on a TSV of `question<TAB>expected labels separated by |`."""

import csv
from dataclasses import dataclass
from pathlib import Path

from kg.errors import BadRequest
from kg.search.engine import Mode, SearchEngine

MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")


@dataclass
class Case:
    question: str
    expected: set[str]


@dataclass
class Scores:
    hit_at_1: float
    hit_at_3: float
    mrr: float
    misses: list[str]


def read_cases(path: Path) -> list[Case]:
    """Cases from the TSV; a header row (starting with 'question') is skipped."""
    cases = []
    for line in path.read_text("utf-8").splitlines():
        question, _, expected = line.partition("\t")
        if question.strip() and expected.strip() and question.strip().lower() != "question":
            cases.append(Case(question.strip(), {e.strip().lower() for e in expected.split("|") if e.strip()}))
    return cases


def evaluate(engine: SearchEngine, cases: list[Case], mode: Mode, kind: str | None = "concern") -> Scores:
    """hit@1, hit@3 and mean reciprocal rank (over the top 10) for one ranking mode."""
    ranks = []
    misses = []
    for case in cases:
        ranked = engine.rank(case.question, 10, kind, mode)
        labels = [text.label.lower() for s in ranked if (text := engine.index.text(s.iri)) is not None]
        rank = next((i + 1 for i, label in enumerate(labels) if label in case.expected), None)
        ranks.append(rank)
        if rank != 1:
            misses.append(f"{case.question} -> {labels[0] if labels else '-'} (expected rank {rank})")
    n = len(cases) or 1
    return Scores(
        hit_at_1=sum(1 for r in ranks if r == 1) / n,
        hit_at_3=sum(1 for r in ranks if r is not None and r <= 3) / n,
        mrr=sum(1 / r for r in ranks if r is not None) / n,
        misses=misses,
    )


def evaluate_all(engine: SearchEngine, cases: list[Case], kind: str | None = "concern") -> dict[str, Scores]:
    return {mode: evaluate(engine, cases, mode, kind) for mode in MODES}


def flagged(engine: SearchEngine, questions: list[str], kind: str | None = "concern") -> float:
    """The share of questions told that nothing in the graph matches (`match` none)."""
    if not questions:
        return 0.0
    told = sum(1 for q in questions if engine.ask(q, k=5, kind=kind)["match"] == "none")
    return told / len(questions)


def read_offtopic(path: Path) -> dict[str, list[str]]:
    """Off-topic questions by `split` (the TSV's columns: question, kind, split)."""
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter="\t"))
    if not rows or not {"question", "split"} <= set(rows[0]):
        raise BadRequest(f"{path}: needs the columns question and split")
    by_split: dict[str, list[str]] = {}
    for row in rows:
        by_split.setdefault(row["split"], []).append(row["question"])
    return by_split
