"""The names of the graph's stages, steps and concerns, and a matcher that finds them in prose.

Matching ignores case, hyphenation and plurals: "model-extraction attacks" mentions the
synonym "model extraction attack".
"""

import hashlib
import posixpath
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from kg.iris import kind_of, match_key
from kg.store.node_values import values_by_node
from kg.store.quad_store import Store, iri_term
from kg.store.staged_store import GraphLocal, select_local

WORD = re.compile(r"[A-Za-z0-9]+")
NOTE_NAME = re.compile(r"\[\[[^\]]*\]\]")
KINDS = "VALUES ?value { mlkg:Stage mlkg:Step mlkg:Concern }"
KIND_LIST = "mlkg:Stage, mlkg:Step, mlkg:Concern"
LABELS, ALT, HIDDEN = (f"?node {p} ?value" for p in ("rdfs:label|skos:prefLabel", "skos:altLabel", "skos:hiddenLabel"))
STRONG, NEAR = 1.0, 0.8
"""Scores of a mention of a label or synonym (altLabel), and of a near term (hiddenLabel)."""


@lru_cache(maxsize=1 << 16)  # a vault's vocabulary repeats: each word is made singular once
def singular(word: str) -> str:
    """English plural to singular for matching: 'attacks' -> 'attack', 'biases' -> 'bias'."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def prose(text: str) -> str:
    """The text without `[[note names]]`, which name other notes rather than say anything."""
    return NOTE_NAME.sub(" ", text)


def words(text: str) -> list[str]:
    """Lower-case singular words; hyphens and punctuation separate words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return [singular(w.lower()) for w in WORD.findall(ascii_text)]


@dataclass(frozen=True)
class Form:
    concept: str
    words: tuple[str, ...]
    score: float
    acronym: str = ""
    """For an all-capitals form ('GDPR'), the exact spelling a mention must use."""


@dataclass(frozen=True)
class Mention:
    concept: str
    score: float


@dataclass
class PhraseMatcher:
    """Finds every known phrase in a text: each word is looked up once per phrase length that
    starts with it, not compared with every phrase it starts."""

    phrases: dict[tuple[str, ...], list[Form]] = field(default_factory=lambda: defaultdict(list))
    lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """First word -> the lengths (in words) of the phrases it starts."""

    def add(self, concept: str, text: str, score: float) -> None:
        found = tuple(words(text))
        if found:
            acronym = text if text.isupper() and " " not in text else ""
            self.phrases[found].append(Form(concept, found, score, acronym))
            self.lengths[found[0]] = tuple(sorted({*self.lengths.get(found[0], ()), len(found)}))

    def find(self, text: str) -> list[Mention]:
        text = prose(text)
        tokens = words(text)
        raw: set[str] | None = None
        found: list[Mention] = []
        for i, token in enumerate(tokens):
            for size in self.lengths.get(token, ()):
                for form in self.phrases.get(tuple(tokens[i : i + size]), ()):
                    if form.acronym:
                        raw = set(WORD.findall(text)) if raw is None else raw
                        if form.acronym not in raw:
                            continue
                    found.append(Mention(form.concept, form.score))
        return found


@dataclass(frozen=True)
class Entry:
    """A stage, step or concern: its kind, labels, synonyms (altLabel) and near terms (hiddenLabel)."""

    kind: str
    labels: tuple[str, ...]
    alt: tuple[str, ...]
    hidden: tuple[str, ...]


@dataclass
class Lexicon:
    """Every stage, step and concern with its names: for wikilinks and tags, and for prose."""

    kinds: dict[str, str]
    labels: dict[str, str]
    keys: dict[str, str]
    """match_key of a label or synonym -> concept, for `[[wikilinks]]` and `#tags`."""
    matcher: PhraseMatcher
    fingerprint: str
    entries: dict[str, Entry] = field(default_factory=dict, repr=False)

    @classmethod
    def from_store(cls, store: Store, previous: "Lexicon | None" = None, touched: set[str] | None = None) -> "Lexicon":
        """Every stage, step and concern with its names; with `previous` and the IRIs a write touched,
        only the touched concepts are read again."""
        if previous is not None and touched is not None:
            wanted: list[str] | None = sorted(i for i in touched if kind_of(i) in ("stage", "step", "concern"))
            if not wanted:
                return previous
            entries = {iri: entry for iri, entry in previous.entries.items() if iri not in touched}
        else:
            wanted, entries = None, {}
        pattern = f"?node a ?value {KINDS}" if wanted is None else f"?node a ?value FILTER(?value IN ({KIND_LIST}))"
        by_node = values_by_node(store, pattern, wanted, one_graph=True)
        kinds = {iri: v[0].rsplit("#", 1)[1].lower() for iri, v in by_node.items()}
        found = sorted(kinds)
        names = [values_by_node(store, p, found, one_graph=True) if found else {} for p in (LABELS, ALT, HIDDEN)]
        for iri in found:
            entries[iri] = Entry(kinds[iri], *(tuple(part.get(iri, [])) for part in names))
        return cls.of(entries)

    @classmethod
    def of(cls, entries: dict[str, Entry]) -> "Lexicon":
        keys: dict[str, str] = {}
        matcher = PhraseMatcher()
        for iri, entry in sorted(entries.items()):
            for name in (*entry.labels, *entry.alt):
                keys.setdefault(match_key(name), iri)
                # a one-word step or stage ('Training', 'Monitoring') is too common to count as a mention
                if entry.kind == "concern" or len(words(name)) > 1:
                    matcher.add(iri, name, STRONG)
            for name in entry.hidden:
                matcher.add(iri, name, NEAR)
        state = repr(sorted((iri, e.kind, list(e.labels), list(e.alt), list(e.hidden)) for iri, e in entries.items()))
        fingerprint = hashlib.sha256(state.encode("utf-8")).hexdigest()
        names = {iri: min(e.labels, key=len) for iri, e in entries.items() if e.labels}
        kinds = {iri: e.kind for iri, e in entries.items()}
        return cls(kinds, names, keys, matcher, fingerprint, entries)


NAME_PREFIXES = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
PATHS = GraphLocal(
    "SELECT ?g ?p ?t ?a",
    "GRAPH ?g { ?g mlkg:path ?p ; dcterms:title ?t OPTIONAL { ?g skos:altLabel ?a } }",
    "?g",
    NAME_PREFIXES,
)


def note_names_query(note: str) -> GraphLocal:
    """A note's path, title and aliases, from its own graph."""
    term = iri_term(note)
    where = f"GRAPH {term} {{ {term} mlkg:path ?p ; dcterms:title ?t OPTIONAL {{ {term} skos:altLabel ?a }} }}"
    return GraphLocal("SELECT ?p ?t ?a", where, term, NAME_PREFIXES)


@dataclass(frozen=True)
class Resolution:
    """What a wikilink means: the note (None: no imported note) and, when the name was
    ambiguous, the paths of every note it could mean."""

    note: str | None
    candidates: tuple[str, ...] = ()
    path: str = ""
    """The vault path of the chosen note, when the name was ambiguous."""


def _stem(path: str) -> str:
    lower = path.lower()
    for suffix in (".md", ".markdown"):
        if lower.endswith(suffix):
            return path[: -len(suffix)]
    return path


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _pick(candidates: list[tuple[str, str]], source_path: str) -> Resolution:
    """Obsidian's choice among notes sharing a name: the one in the linking note's folder, else the
    shortest path; ambiguous whenever there was more than one."""
    if len(candidates) == 1:
        return Resolution(candidates[0][1])
    here = _folder(source_path)
    ranked = sorted(candidates, key=lambda c: (_folder(c[0]) != here, c[0].count("/"), len(c[0]), c[0]))
    return Resolution(ranked[0][1], tuple(sorted(path for path, _ in candidates)), ranked[0][0])


@dataclass
class NoteNames:
    """Imported notes by the names a wikilink may use: path, file name, title and aliases."""

    by_path: dict[str, tuple[str, str]]
    """Lower-case vault path without extension -> (path, note)."""
    by_name: dict[str, list[tuple[str, str]]]
    """match_key of a file name -> every (path, note) with that name."""
    by_title: dict[str, list[str]]
    """match_key of a title or alias -> the notes that have it."""
    keys: dict[str, set[str]] = field(default_factory=dict)
    """Note -> its entries above, as `path:…`, `name:…` and `title:…`, so a note can be taken out."""

    @classmethod
    def from_store(cls, store: Store) -> "NoteNames":
        names = cls({}, {}, {})
        for row in select_local(store, PATHS):
            names._add(row["g"], row["p"], row["t"], row.get("a"))
        return names

    def updated(self, store: Store, notes: set[str]) -> "NoteNames":
        """A copy with these notes read again from the store (gone if they were deleted)."""
        names = NoteNames(dict(self.by_path), dict(self.by_name), dict(self.by_title), dict(self.keys))
        for note in notes:
            for key in names.keys.pop(note, set()):
                if key.startswith("path:"):
                    names.by_path.pop(key[5:], None)
                elif key.startswith("name:"):
                    names.by_name[key[5:]] = [e for e in names.by_name.get(key[5:], []) if e[1] != note]
                else:
                    names.by_title[key[6:]] = [n for n in names.by_title.get(key[6:], []) if n != note]
        for note in sorted(notes):
            # one note at a time, its IRI in the query: a VALUES list makes Oxigraph scan every note (500x)
            for row in select_local(store, note_names_query(note)):
                names._add(note, row["p"], row["t"], row.get("a"))
        return names

    def _add(self, note: str, path: str, title: str, alias: str | None) -> None:
        keys = self.keys.setdefault(note, set())
        stem = _stem(path).lower()
        if stem not in self.by_path:
            self.by_path[stem] = (path, note)
            name = match_key(_stem(path).rsplit("/", 1)[-1])
            self.by_name[name] = [*self.by_name.get(name, []), (path, note)]
            keys |= {f"path:{stem}", f"name:{name}"}
        for text in (title, alias):
            if text is not None:
                key = match_key(text)
                if note not in self.by_title.get(key, []):
                    self.by_title[key] = sorted([*self.by_title.get(key, []), note])
                keys.add(f"title:{key}")

    def keys_of(self, notes: set[str]) -> set[str]:
        """The keys (file name, title, alias) by which a wikilink can name one of these notes."""
        return {
            key.split(":", 1)[1] for note in notes for key in self.keys.get(note, ()) if not key.startswith("path:")
        }

    def resolve(self, name: str, folder: str, source_path: str = "") -> Resolution:
        """The note `[[folder/name]]` means when written in the note at `source_path`.

        A link with a folder matches a vault path, a path from the linking note's folder, or the
        end of a path; folders the vault lacks are ignored. A bare name matches a file name (see
        `_pick` when several share it), else a title or alias."""
        if folder and (found := self._by_folder(f"{folder}/{name}", source_path)) is not None:
            return found
        if candidates := self.by_name.get(match_key(name)):
            return _pick(candidates, source_path)
        titled = self.by_title.get(match_key(name))
        return Resolution(titled[0] if titled else None)

    def _by_folder(self, target: str, source_path: str) -> Resolution | None:
        target = _stem(target).lower().strip("/")
        here = _folder(source_path).lower()
        relative = posixpath.normpath(posixpath.join(here, target)) if here else target
        for key in (target, relative):
            if key in self.by_path:
                return Resolution(self.by_path[key][1])
        named = self.by_name.get(match_key(target.rsplit("/", 1)[-1]), [])
        suffix = [(path, note) for path, note in named if _stem(path).lower().endswith(f"/{target}")]
        return _pick(suffix, source_path) if suffix else None
