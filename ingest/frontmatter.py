"""Frontmatter: YAML between `---` lines, or TOML between `+++` lines (Hugo), split from the body and
read as the user wrote it.

Scalars that YAML would read as numbers or dates stay text (`arxiv: 1610.05820` is an identifier,
not the float 1610.0582); TOML numbers and dates keep their text too. Frontmatter that cannot be
parsed does not stop the import: the body is read, the YAML properties that can be read on their own
line are kept, and a warning names the line.
"""

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

from kg.errors import Problem

_CLOSING = re.compile(r"^(---|\.\.\.)\s*$")
_NOT_PLAIN = tuple("[]{}|>&*!%@`'\"")
"""First characters of YAML values that are not plain text (flow collections, block scalars, quotes...)."""
_TOML_FENCE = "+++"
_TOML_KEY = re.compile(r"^\s*(?:\[{1,2}\s*)?([A-Za-z0-9_-]+|\"[^\"]*\")\s*(?:=|[.\]])")
"""A top-level key, or the first name of a `[table]` or `[[array of tables]]` header."""
_TOML_LINE = re.compile(r"at line (\d+)")
_TOP_KEY = re.compile(r"^([^\s#:\-][^:]*):(?:\s|$)")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_KEPT_TAGS = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"}


class TextLoader(yaml.SafeLoader):
    """SafeLoader that resolves only null and true/false; every other plain scalar stays a string."""


TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in _KEPT_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
TextLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


@dataclass
class Frontmatter:
    properties: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    offset: int = 0
    """Lines before the body."""
    warnings: list[Problem] = field(default_factory=list)


def split_frontmatter(text: str, path: str) -> Frontmatter:
    """The properties (with the line of each key), the body and any warnings."""
    lines = text.split("\n")
    if lines and lines[0].strip() == _TOML_FENCE:
        return _split_toml(text, lines, path)
    if not lines or lines[0].strip() != "---":
        return Frontmatter(body=text)
    end = next((i for i in range(1, len(lines)) if _CLOSING.match(lines[i])), None)
    if end is None:
        warning = Problem("frontmatter opened with '---' is never closed; read as markdown", path, 1)
        return Frontmatter(body=text, warnings=[warning])
    block_lines = lines[1:end]
    key_lines = {m.group(1).strip(): i + 2 for i, line in enumerate(block_lines) if (m := _TOP_KEY.match(line))}
    found = Frontmatter(key_lines=key_lines, body="\n".join(lines[end + 1 :]), offset=end + 1)
    found.properties = _load(block_lines, path, found.warnings)
    found.key_lines = {key: line for key, line in key_lines.items() if key in found.properties}
    return found


def _load(block_lines: list[str], path: str, warnings: list[Problem]) -> dict[str, Any]:
    block = "\n".join(block_lines)
    try:
        loaded = yaml.load(block, Loader=TextLoader) if block.strip() else {}  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).split("\n")[0]
        salvaged = _salvage(block_lines)
        kept = f"; kept {', '.join(salvaged)}" if salvaged else ""
        warnings.append(Problem(f"invalid YAML frontmatter ({problem}): imported the body{kept}", path, line))
        return salvaged
    except RecursionError:
        warnings.append(Problem("frontmatter nested too deeply: imported the body only", path, 1))
        return {}
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        kind = type(loaded).__name__
        warnings.append(Problem(f"frontmatter is a {kind}, not key: value pairs: imported the body only", path, 2))
        return {}
    return {str(key): value for key, value in loaded.items()}


def _salvage(block_lines: list[str]) -> dict[str, Any]:
    """The `key: value` lines of broken frontmatter that are valid YAML on their own, and plain values
    whose only fault is a colon inside them (`title: Attention: is all you need`)."""
    found: dict[str, Any] = {}
    for line in block_lines:
        match = _TOP_KEY.match(line)
        value = line[match.end() :].strip() if match else ""
        if match is None or not value:
            continue
        try:
            loaded = yaml.load(line, Loader=TextLoader)  # noqa: S506 - a SafeLoader
        except yaml.YAMLError:
            if not value.startswith(_NOT_PLAIN) and " #" not in value:
                found[match.group(1).strip()] = value
            continue
        if isinstance(loaded, dict) and len(loaded) == 1:
            found.update({str(k): v for k, v in loaded.items()})
    return found


def _split_toml(text: str, lines: list[str], path: str) -> Frontmatter:
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == _TOML_FENCE), None)
    if end is None:
        warning = Problem("frontmatter opened with '+++' is never closed; read as markdown", path, 1)
        return Frontmatter(body=text, warnings=[warning])
    block_lines = lines[1:end]
    found = Frontmatter(body="\n".join(lines[end + 1 :]), offset=end + 1)
    try:
        loaded = tomllib.loads("\n".join(block_lines), parse_float=str)
    except tomllib.TOMLDecodeError as error:
        where = _TOML_LINE.search(str(error))
        line = int(where.group(1)) + 1 if where else 1
        found.warnings.append(Problem(f"invalid TOML frontmatter ({error}): imported the body", path, line))
        return found
    found.properties = {key: _as_text(value) for key, value in loaded.items()}
    keys: dict[str, int] = {}
    for number, raw in enumerate(block_lines, 2):
        if match := _TOML_KEY.match(raw):
            keys.setdefault(match.group(1).strip('"'), number)
    found.key_lines = {key: line for key, line in keys.items() if key in found.properties}
    return found


def _as_text(value: Any) -> Any:
    """TOML values as the YAML reader gives them: numbers and dates as their text."""
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)
