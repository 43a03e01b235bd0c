"""Namespaces and stable IRIs: the same label gives the same IRI in every note."""

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # rdflib loads where graphs are built (kg.rdf_terms), not for reading them
    from rdflib import URIRef

ID_BASE = "https://w3id.org/mlkg/id/"

Kind = Literal["stage", "step", "concern", "note", "paper", "solution", "derivation", "discussion"]

_NON_SLUG = re.compile(r"[^a-z0-9.]+")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")


def slugify(text: str, max_length: int = 120) -> str:
    """Lower-case ASCII slug of a label: 'End users’ trust' -> 'end-users-trust'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = _APOSTROPHES.sub("", ascii_text.lower())
    slug = _NON_SLUG.sub("-", ascii_text).strip("-.")
    if len(slug) > max_length or not slug:
        digest = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
        slug = f"{slug[: max_length - 13].rstrip('-.')}-{digest}".lstrip("-")
    return slug


def node_iri(kind: Kind, label: str) -> "URIRef":
    """IRI of a node of this kind named by this label."""
    from rdflib import URIRef

    return URIRef(f"{ID_BASE}{kind}/{slugify(label)}")


NOTE_SUFFIXES = (".md", ".markdown")


def note_iri(relative: str) -> "URIRef":
    """A note's IRI from its vault-relative path: `Topic A/index.md` -> `.../note/topic-a/index`.

    Each folder and the file name are slugged on their own, so `a/index.md` and `b/index.md` are
    two notes, and a note at the top of the vault keeps the IRI its file name gives."""
    stem = relative
    for suffix in NOTE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    segments = [slugify(part) for part in stem.replace("\\", "/").split("/") if part.strip()]
    from rdflib import URIRef

    return URIRef(f"{ID_BASE}note/{'/'.join(segments) or slugify(relative)}")


def note_id(iri: str) -> str:
    """The id of a note (its IRI after `.../note/`), as used in `/notes/{id}`; other IRIs: last segment."""
    prefix = f"{ID_BASE}note/"
    return iri[len(prefix) :] if iri.startswith(prefix) else iri.rsplit("/", 1)[-1]


def links_graph_iri(note: str) -> str:
    """The graph holding a note's inferred links, beside the note's own graph."""
    return f"{ID_BASE}links/{note_id(note)}"


def hashed_iri(kind: Kind, *parts: str) -> "URIRef":
    """Deterministic IRI for a helper node (derivation, discussion) named by its parts."""
    from rdflib import URIRef

    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()[:20]
    return URIRef(f"{ID_BASE}{kind}/{digest}")


def kind_of(iri: str) -> str | None:
    """The kind segment of an mlkg instance IRI, or None for other IRIs."""
    if not iri.startswith(ID_BASE):
        return None
    return iri[len(ID_BASE) :].split("/", 1)[0]


def match_key(text: str) -> str:
    """Key that ignores case, punctuation, spacing and hyphenation, for matching labels."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())
