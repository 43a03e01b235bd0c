"""Obsidian-flavoured markdown to a `Note`, keeping the source line of every item."""

import hashlib
import re
from pathlib import PurePath
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.frontmatter import split_frontmatter
from ingest.headings import normalise_heading
from ingest.hidden_text import blank_display_math, hide_comments
from ingest.indented_prose import is_indented_prose
from ingest.inline import parse_inline, parse_wikilink
from ingest.model import Block, Inline, Note, Section, Table, Tag, WikiLink
from ingest.tables import classify
from kg.errors import Problem

CALLOUT = re.compile(r"^\[![\w-]+\][+-]?[ \t]*")
"""The marker of an Obsidian callout (`> [!note]- Title`): its type is not prose."""
TRAILER_KEY = re.compile(r"^(status|tags|references|related)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_MARKDOWN = MarkdownIt("commonmark", {"maxNesting": 40}).enable("table").disable("inline")
"""Block structure only: inline text is read by `parse_inline` (markdown-it's own inline pass is unused,
and quadratic on runs of unclosed brackets)."""


class _Walker:
    """Walks markdown-it's block tokens and fills a Note."""

    def __init__(self, note: Note, offset: int) -> None:
        self.note = note
        self.offset = offset
        self.lists: list[Block] = []
        self.list_depth = 0
        self.table: Table | None = None
        self.row: list[str] = []
        self.row_line = 0
        self.quote_depth = 0
        note.sections.append(Section(title="", level=0, line=1))

    def line(self, token: Token) -> int:
        return (token.map[0] if token.map else 0) + self.offset + 1

    @property
    def section(self) -> Section:
        return self.note.sections[-1]

    def run(self, tokens: list[Token]) -> None:
        handlers = {
            "heading_open": self.heading,
            "bullet_list_open": self.list_open,
            "ordered_list_open": self.list_open,
            "bullet_list_close": self.list_close,
            "ordered_list_close": self.list_close,
            "list_item_open": self.item_open,
            "list_item_close": self.item_close,
            "table_open": self.table_open,
            "table_close": self.table_close,
            "tr_open": self.tr_open,
            "tr_close": self.tr_close,
            "blockquote_open": self.quote,
            "blockquote_close": self.quote,
        }
        skip_inline = False
        for index, token in enumerate(tokens):
            if token.type in handlers:
                handlers[token.type](token, tokens, index)
                skip_inline = token.type == "heading_open"
            elif token.type == "inline":
                if not skip_inline:
                    self.inline(token)
                skip_inline = False
            elif token.type == "code_block" and is_indented_prose(token.content):
                self.indented(token)

    def indented(self, token: Token) -> None:
        """Indented prose (talk notes typed as a list under a heading) is read as the markdown it is."""
        outer = self.offset
        self.offset += token.map[0] if token.map else 0
        self.run(_MARKDOWN.parse(token.content))
        self.offset = outer

    def quote(self, token: Token, tokens: list[Token], index: int) -> None:
        self.quote_depth += 1 if token.type == "blockquote_open" else -1

    def heading(self, token: Token, tokens: list[Token], index: int) -> None:
        raw = tokens[index + 1].content if index + 1 < len(tokens) else ""
        level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
        inline = parse_inline(raw, self.line(token))
        self.collect(inline)
        title, rest = normalise_heading(inline.text)
        parent = next(
            (i for i in range(len(self.note.sections) - 1, -1, -1) if 0 < self.note.sections[i].level < level),
            None,
        )
        self.note.sections.append(
            Section(title=title, level=level, line=self.line(token), raw=raw, rest=rest, parent=parent)
        )

    def list_open(self, token: Token, tokens: list[Token], index: int) -> None:
        self.list_depth += 1

    def list_close(self, token: Token, tokens: list[Token], index: int) -> None:
        self.list_depth -= 1

    def item_open(self, token: Token, tokens: list[Token], index: int) -> None:
        self.lists.append(Block(Inline(""), self.line(token), depth=self.list_depth))

    def item_close(self, token: Token, tokens: list[Token], index: int) -> None:
        block = self.lists.pop()
        if self.lists:
            self.lists[-1].children.append(block)
        elif not self.trailer(block):
            self.section.blocks.append(block)

    def inline(self, token: Token) -> None:
        if self.table is not None:
            self.row.append(token.content)
            return
        content = CALLOUT.sub("", token.content, count=1) if self.quote_depth else token.content
        inline = parse_inline(content, self.line(token))
        self.collect(inline)
        if self.lists and not self.lists[-1].text:
            self.lists[-1].inline = inline
        elif self.lists:
            self.lists[-1].children.append(Block(inline, self.line(token), depth=self.list_depth + 1))
        else:
            self.section.blocks.append(Block(inline, self.line(token)))

    def collect(self, inline: Inline) -> None:
        self.note.tags.extend(inline.tags)
        self.note.wikilinks.extend(inline.wikilinks)
        self.note.links.extend(inline.links)
        self.note.identifiers.extend(inline.identifiers)

    def table_open(self, token: Token, tokens: list[Token], index: int) -> None:
        self.table = Table(headers=[], rows=[], row_lines=[], line=self.line(token))

    def tr_open(self, token: Token, tokens: list[Token], index: int) -> None:
        self.row = []
        self.row_line = self.line(token)

    def tr_close(self, token: Token, tokens: list[Token], index: int) -> None:
        table = self.table
        if table is None:
            return
        if not table.headers:
            table.headers = [parse_inline(cell, self.row_line).text for cell in self.row]
            return
        cells = []
        for cell in self.row:
            inline = parse_inline(cell, self.row_line)
            self.collect(inline)
            cells.append(inline.text)
        padding = [""] * (len(table.headers) - len(cells))
        table.rows.append(cells + padding)
        table.raw_rows.append(self.row + padding)
        table.row_lines.append(self.row_line)

    def table_close(self, token: Token, tokens: list[Token], index: int) -> None:
        if self.table is not None:
            table = classify(self.table)
            self.section.tables.append(table)
            self.note.tables.append(table)
        self.table = None

    def trailer(self, block: Block) -> bool:
        """Route a top-level `- Status:` / `- Tags:` / ... bullet to the trailer."""
        match = TRAILER_KEY.match(block.text)
        if match is None:
            return False
        key = match.group(1).lower()
        trailer = self.note.trailer
        items = block.walk()
        if key == "status":
            trailer.status = match.group(2).strip().lstrip("#").strip()
            trailer.status_line = block.line
        elif key == "tags":
            trailer.tags.extend(tag for item in items for tag in item.inline.tags)
        elif key == "references":
            trailer.references.extend(block.children or [block])
        else:
            trailer.related.extend(link for item in items for link in item.inline.wikilinks)
        return True


def _aliases(frontmatter: dict[str, Any]) -> list[str]:
    raw = frontmatter.get("aliases", frontmatter.get("alias", []))
    values = raw if isinstance(raw, list) else [raw]
    return [str(value).strip() for value in values if value is not None and str(value).strip()]


def _frontmatter_tags(frontmatter: dict[str, Any], line: int) -> list[Tag]:
    raw = frontmatter.get("tags", frontmatter.get("tag", []))
    values = raw if isinstance(raw, list) else re.split(r"[,\s]+", str(raw or ""))
    return [Tag(str(v).strip().lstrip("#"), line) for v in values if v is not None and str(v).strip("# ")]


def _frontmatter_links(frontmatter: dict[str, Any], key_lines: dict[str, int]) -> list[WikiLink]:
    """Wikilinks written as frontmatter values, e.g. `related: "[[Other note]]"`."""
    links = []
    for key, value in frontmatter.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.startswith("[[") and item.endswith("]]"):
                links.append(parse_wikilink(item[2:-2], key_lines.get(key, 1), embed=False))
    return links


def parse_note(text: str, path: str, content_hash: str | None = None) -> Note:
    """Parse a note's markdown; frontmatter that cannot be read becomes a warning on the note."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    front = split_frontmatter(text, path)
    frontmatter, key_lines = front.properties, front.key_lines
    title = frontmatter.get("title")
    note = Note(
        path=path,
        title=str(title).strip() if title and str(title).strip() else PurePath(path).stem,
        content_hash=content_hash or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        frontmatter=frontmatter,
        frontmatter_lines=key_lines,
        aliases=_aliases(frontmatter),
        warnings=front.warnings,
    )
    note.tags.extend(_frontmatter_tags(frontmatter, key_lines.get("tags", 1)))
    note.wikilinks.extend(_frontmatter_links(frontmatter, key_lines))
    visible = hide_comments(blank_display_math(front.body))
    if visible.unclosed_line is not None:
        line = front.offset + visible.unclosed_line
        hidden = "a %% comment is never closed: the rest of the note is hidden, as in Obsidian"
        note.warnings.append(Problem(hidden, path, line))
    _Walker(note, front.offset).run(_MARKDOWN.parse(visible.body))
    note.tags.extend(note.trailer.tags)
    return note
