"""Why a hit matched: its label, a synonym or a definition sentence, whichever shares most words with
the question, with the note line it came from."""

import re
from typing import Any

from kg.search.tokens import tokenize

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
MAX_TEXT = 300


def _candidates(label: str, synonyms: list[str], definition: str) -> list[tuple[str, str]]:
    sentences = [s.strip() for s in SENTENCE.split(definition) if s.strip()]
    return [("label", label), *(("synonym", s) for s in synonyms), *(("definition", s) for s in sentences)]


def explain(
    question: str, label: str, synonyms: list[str], definition: str, sources: list[dict[str, Any]]
) -> dict[str, Any]:
    """The text that matched and where it came from: `field` (label, synonym or definition), `text`,
    and the `note`, `path` and `line` that say it (none for the ontology's own words)."""
    asked = set(tokenize([question])[0])
    candidates = _candidates(label, synonyms, definition)
    shared = [len(asked & set(words)) for words in tokenize([text for _, text in candidates])]
    best = max(range(len(candidates)), key=lambda i: (shared[i], -i))
    if shared[best] == 0 and len(candidates) > 1 and candidates[-1][0] == "definition":
        # matched by meaning alone: the definition says what the node is about
        best = next(i for i, (field, _) in enumerate(candidates) if field == "definition")
    field, text = candidates[best]
    wanted = "definition" if field == "definition" else "node"
    source = next((s for s in sources if s.get("field") == wanted), None)
    return {
        "field": field,
        "text": text[:MAX_TEXT],
        "note": source.get("note") if source else None,
        "path": source.get("path") if source else None,
        "line": source.get("line") if source else None,
    }
