"""Tell indented prose (a list or paragraph indented four spaces, which CommonMark reads as code) from real code."""

import re

LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
CODE_LINE = re.compile(
    r"^\s*(?:def|class|import|from|return|if|elif|else|for|while|try|except|with|function|const|let|var|"
    r"public|private|static|package|#include|SELECT|INSERT|UPDATE|CREATE|PREFIX|\$|>>>|//|/\*)\b"
    r"|[;{}]\s*$|\):\s*$|==|=>|->|::|\w\(.*\)|\w\[|\s=\s|^\s*[\w.]+\s*=\s*\S|^\s*#!"
)
MIN_WORDS = 8
MIN_LETTER_SHARE = 0.8
MAX_CODE_LINES = 0.2


def is_indented_prose(text: str) -> bool:
    """Sentences in an indented block: mostly letters, few lines that look like code, enough words."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    body = " ".join(LIST_MARKER.sub("", line) for line in lines)
    if len(body.split()) < MIN_WORDS:
        return False
    letters = sum(ch.isalpha() or ch.isspace() or ch in ",.;:'\"?!()-" for ch in body)
    if letters < MIN_LETTER_SHARE * len(body):
        return False
    code = sum(1 for line in lines if CODE_LINE.search(LIST_MARKER.sub("", line)))
    return code <= MAX_CODE_LINES * len(lines)
