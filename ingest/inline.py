"""Inline Obsidian markdown: tags, wikilinks, links, arXiv ids, DOIs and plain text."""

import re

from ingest.model import Identifier, Inline, Link, Tag, WikiLink

WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]{1,1000}?)\]\]")
MD_LINK = re.compile(r"(!?)\[([^\[\]\n]{0,1000})\]\(\s*<?([^\s()<>]{1,2000})>?(?:\s+\"[^\"\n]*\")?\s*\)")
URL = re.compile(r"https?://[^\s<>()\[\]{}\"'`|]{1,2000}")
TAG = re.compile(r"(?<![\w/&#\]\)\\])#([A-Za-z_\u00c0-\uffff][\w/\-\u00c0-\uffff]{0,200})")
ARXIV = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|\barXiv\s*:\s*|\barXiv[ \t]+)"
    r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?:\.pdf)?",
    re.IGNORECASE,
)
DOI = re.compile(r"(?:doi\.org/|\bdoi\s*:\s*|\b)(10\.\d{4,9}/[^\s\"<>\[\]|]{1,500})", re.IGNORECASE)
EMPHASIS = re.compile(r"(\*\*|__|~~|==)(.+?)\1")
SINGLE_EMPHASIS = re.compile(r"(?<![\w*])([*_])([^*_\n]+?)\1(?![\w*])")
CODE = re.compile(r"`([^`\n]*)`")
TRAILING_PUNCT = ".,;:!?'\")]}"


def parse_wikilink(inner: str, line: int, embed: bool) -> WikiLink:
    """Split `folder/name#heading|alias` into its parts."""
    target, _, alias = inner.replace("\\|", "|").partition("|")
    target, _, heading = target.partition("#")
    folder, _, name = target.strip().rpartition("/")
    return WikiLink(
        target=name.strip(),
        line=line,
        folder=folder.strip(),
        heading=heading.strip(),
        alias=alias.strip(),
        embed=embed,
    )


def normalise_arxiv(match: re.Match[str]) -> str:
    return f"arXiv:{match.group(1)}"


def normalise_doi(raw: str) -> str:
    return "doi:" + raw.rstrip(TRAILING_PUNCT).lower()


def _identifiers(text: str, line: int, titled: dict[str, str]) -> list[Identifier]:
    found: dict[str, Identifier] = {}
    for match in ARXIV.finditer(text):
        value = normalise_arxiv(match)
        found.setdefault(value, Identifier(value, line, titled.get(match.group(0), "")))
    for match in DOI.finditer(text):
        if "arxiv" in match.group(1).lower():
            continue
        value = normalise_doi(match.group(1))
        found.setdefault(value, Identifier(value, line, titled.get(match.group(0), "")))
    return list(found.values())


def _plain(text: str) -> str:
    text = WIKILINK.sub(
        lambda m: parse_wikilink(m.group(2), 0, False).alias or parse_wikilink(m.group(2), 0, False).target,
        text,
    )
    text = MD_LINK.sub(lambda m: m.group(2) or m.group(3), text)
    text = CODE.sub(r"\1", text)
    text = EMPHASIS.sub(r"\2", text)
    text = SINGLE_EMPHASIS.sub(r"\2", text)
    text = TAG.sub(r"\1", text)
    return " ".join(text.replace("\\", "").split())


def parse_inline(raw: str, line: int) -> Inline:
    """Everything a piece of inline markdown that starts at `line` holds."""
    wikilinks = [parse_wikilink(m.group(2), line, bool(m.group(1))) for m in WIKILINK.finditer(raw)]
    without_wiki = WIKILINK.sub(" ", raw)
    links: list[Link] = []
    titled: dict[str, str] = {}
    for m in MD_LINK.finditer(without_wiki):
        links.append(Link(m.group(3), line, m.group(2).strip()))
        for id_match in (*ARXIV.finditer(m.group(3)), *DOI.finditer(m.group(3))):
            titled[id_match.group(0)] = m.group(2).strip()
    without_links = MD_LINK.sub(" ", without_wiki)
    links.extend(Link(u.rstrip(TRAILING_PUNCT), line) for u in URL.findall(without_links))
    tags = [Tag(t.rstrip("/-"), line) for t in TAG.findall(CODE.sub(" ", without_links))]
    return Inline(
        text=_plain(raw),
        tags=tags,
        wikilinks=wikilinks,
        links=links,
        identifiers=_identifiers(without_wiki, line, titled),
    )
