"""Why a hit matched: its label, a synonym or a definition sentence, whichever shares most words with
the question, with the note line it came from."""

import re
from dataclasses import dataclass
from typing import Any

from kg.search.tokens import tokenize

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
MAX_TEXT = 300


@dataclass(frozen=True)
class Reason:
    """A text a hit may have matched by: its field (label, synonym or definition) and its words."""

    field: str
    text: str
    words: frozenset[str]


def reasons(label: str, synonyms: list[str], definition: str) -> list[Reason]:
    """What a node may match by, label first (the same for every question, so a server keeps them)."""
    sentences = [s.strip() for s in SENTENCE.split(definition) if s.strip()]
    fields = [("label", label), *(("synonym", s) for s in synonyms), *(("definition", s) for s in sentences)]
    words = tokenize([text for _, text in fields])
    return [Reason(field, text, frozenset(w)) for (field, text), w in zip(fields, words, strict=True)]


def explain(question: str, candidates: list[Reason], sources: list[dict[str, Any]]) -> dict[str, Any]:
    """The text that matched and where it came from: `field` (label, synonym or definition), `text`,
    and the `note`, `path` and `line` that say it (none for the ontology's own words)."""
    asked = set(tokenize([question])[0])
    shared = [len(asked & reason.words) for reason in candidates]
    best = max(range(len(candidates)), key=lambda i: (shared[i], -i))
    if shared[best] == 0 and len(candidates) > 1 and candidates[-1].field == "definition":
        # matched by meaning alone: the definition says what the node is about
        best = next(i for i, reason in enumerate(candidates) if reason.field == "definition")
    field, text = candidates[best].field, candidates[best].text
    wanted = "definition" if field == "definition" else "node"
    source = next((s for s in sources if s.get("field") == wanted), None)
    return {
        "field": field,
        "text": text[:MAX_TEXT],
        "note": source.get("note") if source else None,
        "path": source.get("path") if source else None,
        "line": source.get("line") if source else None,
    }
