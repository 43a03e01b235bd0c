"""What a reader of the rendered note does not read as markdown prose: Obsidian's `%%comments%%` and
display math (`$$` blocks over several lines, whose `# ...` or `- ...` lines are not headings or lists).

A comment may be inline or span lines; `%%` inside code (fenced or inline) and display math stays
text. An unclosed `%%` hides the rest of the note, as in Obsidian. Newlines are kept, so every
later line keeps its number.
"""

import re
from dataclasses import dataclass

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
MARKS = re.compile(r"`+|\$\$|%%")


@dataclass
class Uncommented:
    body: str
    unclosed_line: int | None
    """Line (1-based, within the body) of a `%%` that is never closed."""


@dataclass
class _Scan:
    in_comment: bool = False
    in_math: bool = False
    opened_at: int = 0


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and not stripped.strip(fence[0])


def blank_display_math(body: str) -> str:
    """`body` with each `$$` block that spans lines (opened at the start of a line, and closed) made
    blank lines; a `$$` never closed stays text."""
    if "$$" not in body:
        return body
    lines, fence, number = body.split("\n"), "", 0
    while number < len(lines):
        line, stripped = lines[number], lines[number].strip()
        if fence:
            fence = "" if _closes(line, fence) else fence
        elif opening := FENCE.match(line):
            fence = opening.group(1)
        elif stripped.startswith("$$") and stripped.count("$$") % 2 == 1:
            end = next((i for i in range(number + 1, len(lines)) if lines[i].count("$$") % 2 == 1), None)
            if end is not None:
                lines[number : end + 1] = [""] * (end + 1 - number)
                number = end
        number += 1
    return "\n".join(lines)


def hide_comments(body: str) -> Uncommented:
    """`body` without its comments; cheap when it has no `%%`."""
    if "%%" not in body:
        return Uncommented(body, None)
    scan, fence, kept = _Scan(), "", []
    for number, line in enumerate(body.split("\n"), 1):
        if fence:
            fence = "" if _closes(line, fence) else fence
            kept.append(line)
            continue
        opening = FENCE.match(line)
        if opening and not scan.in_comment and not scan.in_math:
            fence = opening.group(1)
            kept.append(line)
            continue
        kept.append(_line(line, number, scan))
    return Uncommented("\n".join(kept), scan.opened_at if scan.in_comment else None)


def _line(line: str, number: int, scan: _Scan) -> str:
    """The visible part of one line, carrying comment and math state to the next."""
    out: list[str] = []
    pos = 0
    while pos < len(line):
        if scan.in_comment:
            end = line.find("%%", pos)
            if end < 0:
                return "".join(out)
            scan.in_comment, pos = False, end + 2
            continue
        mark = MARKS.search(line, pos)
        if mark is None:
            out.append(line[pos:])
            break
        found, start = mark.group(0), mark.start()
        out.append(line[pos:start])
        if found == "%%" and not scan.in_math:
            scan.in_comment, scan.opened_at, pos = True, number, mark.end()
        elif found.startswith("`"):
            pos = _code_span(line, mark, out)
        else:  # `$$` opens or closes math; `%%` inside math is text
            scan.in_math ^= found == "$$"
            out.append(found)
            pos = mark.end()
    return "".join(out)


def _code_span(line: str, mark: re.Match[str], out: list[str]) -> int:
    """Keep an inline code span whole (its closing run of the same length), or the lone backticks."""
    run = mark.group(0)
    close = re.compile(rf"(?<!`){re.escape(run)}(?!`)").search(line, mark.end())
    end = close.end() if close else mark.end()
    out.append(line[mark.start() : end])
    return end
