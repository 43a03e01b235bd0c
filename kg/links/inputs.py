"""What linking needs from a note, kept so notes can be linked again when the graph around them changes."""

import json
from dataclasses import asdict, dataclass, field

PASSAGES_VERSION = 3
"""How passages are read from a note (2: indented prose and `link_title` too; 3: Obsidian
`%%comments%%` hidden, display math and callout markers dropped, TOML frontmatter, `arXiv 1610.05820`
and embedded notes read). Link inputs kept by an older version still link, but the note counts as
not imported, so the next ingest reads it again."""


@dataclass(frozen=True)
class Passage:
    """A sentence of the note's prose (or a table row) and its line."""

    text: str
    line: int
    source: str = "text"
    """Where it comes from: text; table (a row of a table) or definition (a section defining one of the
    note's own concepts), which are searched for names but not compared by meaning."""


@dataclass(frozen=True)
class Reference:
    """A `[[wikilink]]` (name, folder) or a `#tag` (name) and its line."""

    name: str
    line: int
    folder: str = ""


@dataclass
class LinkInputs:
    """A note's passages, wikilinks and tags, the concepts it asserts itself and its paper."""

    note: str
    content_hash: str
    passages: list[Passage] = field(default_factory=list)
    wikilinks: list[Reference] = field(default_factory=list)
    tags: list[Reference] = field(default_factory=list)
    own: list[str] = field(default_factory=list)
    about: str = ""
    path: str = ""
    """The note's vault path: wikilinks prefer notes in its folder."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "LinkInputs":
        raw = json.loads(text)
        return cls(
            note=raw["note"],
            content_hash=raw["content_hash"],
            passages=[Passage(**p) for p in raw["passages"]],
            wikilinks=[Reference(**r) for r in raw["wikilinks"]],
            tags=[Reference(**r) for r in raw["tags"]],
            own=list(raw["own"]),
            about=raw["about"],
            path=raw.get("path", ""),
        )
