"""YAML frontmatter: split it from the body and parse it, reporting errors by line."""

import re
from typing import Any

import yaml

from kg.errors import NoteParseError, Problem

_CLOSING = re.compile(r"^(---|\.\.\.)\s*$")
_TOP_KEY = re.compile(r"^([^\s#:][^:]*):")


def split_frontmatter(text: str, path: str) -> tuple[dict[str, Any], dict[str, int], str, int]:
    """Return (properties, key -> line, body, lines before the body)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, {}, text, 0
    for index in range(1, len(lines)):
        if _CLOSING.match(lines[index]):
            break
    else:
        raise NoteParseError(
            "frontmatter is not closed",
            [Problem("frontmatter opened with '---' is never closed by '---'", path, 1)],
        )
    block = "\n".join(lines[1:index])
    properties = _load_yaml(block, path)
    key_lines = {
        m.group(1).strip(): offset + 2 for offset, line in enumerate(lines[1:index]) if (m := _TOP_KEY.match(line))
    }
    return properties, key_lines, "\n".join(lines[index + 1 :]), index + 1


def _load_yaml(block: str, path: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).split("\n")[0]
        raise NoteParseError("invalid YAML frontmatter", [Problem(f"YAML: {problem}", path, line)]) from error
    except RecursionError as error:
        raise NoteParseError("invalid YAML frontmatter", [Problem("YAML nested too deeply", path, 1)]) from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise NoteParseError(
            "invalid YAML frontmatter",
            [Problem(f"frontmatter must be a mapping of keys to values, not a {type(loaded).__name__}", path, 2)],
        )
    return {str(key): value for key, value in loaded.items()}
