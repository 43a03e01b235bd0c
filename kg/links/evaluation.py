"""Precision and recall of inferred concern links against notes labelled by hand.

Labels: a TSV of `note path<TAB>concern slugs it discusses<TAB>concern slugs it must not get`
(slugs separated by spaces; lines starting with # are comments).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.iris import ID_BASE


@dataclass
class LabelledNote:
    path: str
    gold: set[str]
    forbidden: set[str] = field(default_factory=set)


@dataclass
class LinkScores:
    threshold: float
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def _concerns(slugs: str) -> set[str]:
    return {f"{ID_BASE}concern/{slug}" for slug in slugs.split()}


def read_labels(path: Path) -> list[LabelledNote]:
    labelled = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        note, gold, forbidden = [*line.split("\t"), "", ""][:3]
        labelled.append(LabelledNote(note.strip(), _concerns(gold), _concerns(forbidden)))
    return labelled


def predicted(links: list[dict[str, Any]], threshold: float, cap: int) -> set[str]:
    """The concern links a note gets at `threshold`: explicit ones plus its best `cap` semantic ones."""
    concerns = [link for link in links if "/concern/" in link["iri"] and link["method"] != "table"]
    explicit = {link["iri"] for link in concerns if link["method"] != "semantic"}
    semantic = sorted((link for link in concerns if link["method"] == "semantic"), key=lambda x: -float(x["score"]))
    chosen = [link["iri"] for link in semantic if float(link["score"]) >= threshold and link["iri"] not in explicit]
    return explicit | set(chosen[:cap])


def score(found: dict[str, list[dict[str, Any]]], labels: list[LabelledNote], threshold: float, cap: int) -> LinkScores:
    """Micro-averaged precision and recall over every labelled note."""
    tp = fp = fn = 0
    wrong, missed = [], []
    for note in labels:
        links = predicted(found.get(note.path, []), threshold, cap)
        tp += len(links & note.gold)
        fp += len(links - note.gold)
        fn += len(note.gold - links)
        wrong += [f"{note.path} -> {iri.rsplit('/', 1)[-1]}" for iri in sorted(links - note.gold)]
        missed += [f"{note.path} -> {iri.rsplit('/', 1)[-1]}" for iri in sorted(note.gold - links)]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return LinkScores(threshold, round(precision, 3), round(recall, 3), tp, fp, fn, wrong, missed)


def sweep(found: dict[str, list[dict[str, Any]]], labels: list[LabelledNote], cap: int) -> list[LinkScores]:
    """Scores at thresholds from 0.40 to 0.80 in steps of 0.02."""
    return [score(found, labels, round(0.40 + 0.02 * i, 2), cap) for i in range(21)]
