"""The typed note model the parser produces; every item keeps its 1-based source line."""

from dataclasses import dataclass, field
from typing import Any

from kg.errors import Problem


@dataclass(frozen=True)
class Tag:
    name: str
    line: int


_ATTACHMENT_EXTENSIONS = (
    "png jpg jpeg gif bmp svg webp avif heic tif tiff ico pdf mp3 wav m4a ogg flac 3gp webm mp4 mov mkv ogv "
    "canvas base csv json xlsx docx pptx zip"
)
ATTACHMENTS = frozenset(_ATTACHMENT_EXTENSIONS.split())
"""Extensions of the files Obsidian embeds or links besides notes."""


@dataclass(frozen=True)
class WikiLink:
    """`[[folder/target#heading|alias]]`, or an embed when written `![[...]]`."""

    target: str
    line: int
    folder: str = ""
    heading: str = ""
    alias: str = ""
    embed: bool = False

    @property
    def name(self) -> str:
        """The file name the link points at, without folders or extension."""
        return self.target.removesuffix(".md")

    @property
    def attachment(self) -> bool:
        """Whether it points at a file that is not a note (an image, a PDF, a canvas...)."""
        return self.target.rpartition(".")[2].lower() in ATTACHMENTS if "." in self.target else False


@dataclass(frozen=True)
class Link:
    """A markdown link `[text](url)` or a bare URL (then text is empty)."""

    url: str
    line: int
    text: str = ""


@dataclass(frozen=True)
class Identifier:
    """A normalised paper identifier found in the text: `arXiv:2011.09926` or `doi:10.x/y`."""

    value: str
    line: int
    title: str = ""


@dataclass
class Inline:
    """What one line of inline markdown holds."""

    text: str
    tags: list[Tag] = field(default_factory=list)
    wikilinks: list[WikiLink] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)


@dataclass
class Block:
    """A bullet (depth >= 1) or a paragraph (depth 0), with its nested bullets."""

    inline: Inline
    line: int
    depth: int = 0
    children: list["Block"] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.inline.text

    def flat_text(self) -> str:
        """The block's text followed by its nested bullets, as one sentence-like string."""
        if not self.children:
            return self.text
        inner = "; ".join(child.flat_text() for child in self.children)
        joiner = " " if self.text.endswith(":") else ": "
        return f"{self.text}{joiner}{inner}" if self.text else inner

    def walk(self) -> "list[Block]":
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass
class Table:
    """A markdown table with blank cells filled from the row above where that applies."""

    headers: list[str]
    rows: list[list[str]]
    row_lines: list[int]
    line: int
    raw_rows: list[list[str]] = field(default_factory=list)
    kind: str = "generic"
    columns: dict[str, int] = field(default_factory=dict)
    """For a lifecycle table: role (stage, step, concern, definition, solution) -> column."""


@dataclass
class Section:
    """A heading and the blocks and tables directly under it (level 0: before any heading)."""

    title: str
    level: int
    line: int
    raw: str = ""
    rest: str = ""
    """Text after the heading's first colon, e.g. the explanation in 'Data analysis: uncover ...'."""
    parent: int | None = None
    blocks: list[Block] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def text(self) -> str:
        """The section's own prose: the heading's rest and its blocks, flattened."""
        parts = [self.rest] if self.rest else []
        parts.extend(block.flat_text() for block in self.blocks)
        return " ".join(part for part in parts if part).strip()


@dataclass
class Trailer:
    """The `- Status: / - Tags: / - References: / - Related:` block at a note's end."""

    status: str = ""
    status_line: int = 0
    tags: list[Tag] = field(default_factory=list)
    references: list[Block] = field(default_factory=list)
    related: list[WikiLink] = field(default_factory=list)


@dataclass
class Note:
    path: str
    title: str
    content_hash: str
    frontmatter: dict[str, Any] = field(default_factory=dict)
    frontmatter_lines: dict[str, int] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    wikilinks: list[WikiLink] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    trailer: Trailer = field(default_factory=Trailer)
    warnings: list[Problem] = field(default_factory=list)
    """What could not be read but did not stop the import (broken frontmatter), with lines."""

    def subtree_indexes(self, index: int) -> list[int]:
        """Indexes of the section at `index` and of every section nested under it, in order."""
        wanted = [index]
        inside = {index}
        for i in range(index + 1, len(self.sections)):
            if self.sections[i].parent in inside:
                inside.add(i)
                wanted.append(i)
        return wanted

    def subtree(self, index: int) -> list[Section]:
        """The section at `index` and every section nested under it, in order."""
        return [self.sections[i] for i in self.subtree_indexes(index)]
