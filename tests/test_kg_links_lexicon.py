"""Finding concern names in prose, and the linker's memory of which notes write which wikilink names."""

from kg.links.inputs import LinkInputs, Reference
from kg.links.lexicon import Lexicon, NoteNames, PhraseMatcher
from kg.links.linker import _Memory


def _found(matcher: PhraseMatcher, text: str) -> list[tuple[str, float]]:
    return sorted((m.concept, m.score) for m in matcher.find(text))


def test_phrases_sharing_a_first_word_are_each_found() -> None:
    matcher = PhraseMatcher()
    matcher.add("c:drift", "data drift", 1.0)
    matcher.add("c:leak", "data leakage", 1.0)
    matcher.add("c:quality", "data quality checks", 0.8)
    matcher.add("c:data", "data", 0.8)

    text = "Data-drift and data leakage; no data quality checks in sight."
    assert _found(matcher, text) == [
        ("c:data", 0.8),
        ("c:data", 0.8),
        ("c:data", 0.8),
        ("c:drift", 1.0),
        ("c:leak", 1.0),
        ("c:quality", 0.8),
    ]
    assert _found(matcher, "data quality alone") == [("c:data", 0.8)]


def test_plurals_and_acronyms_match_as_before() -> None:
    matcher = PhraseMatcher()
    matcher.add("c:stealing", "model stealing attack", 1.0)
    matcher.add("c:gdpr", "GDPR", 1.0)

    assert _found(matcher, "Model-stealing attacks are cheap.") == [("c:stealing", 1.0)]
    assert _found(matcher, "The GDPR applies.") == [("c:gdpr", 1.0)]
    assert _found(matcher, "gdpr in lower case is not the acronym") == []


def _inputs(note: str, *names: str) -> LinkInputs:
    refs = [Reference(name, line) for line, name in enumerate(names, 1)]
    return LinkInputs(note=note, content_hash="0" * 64, wikilinks=refs)


def test_a_note_leaves_only_the_names_it_wrote() -> None:
    memory = _Memory(Lexicon.of({}), "", {}, {}, NoteNames({}, {}, {}))
    memory.note_written("n:a", _inputs("n:a", "Alpha", "Beta"))
    memory.note_written("n:b", _inputs("n:b", "Beta"))
    assert memory.written == {"alpha": {"n:a"}, "beta": {"n:a", "n:b"}}

    memory.note_written("n:a", _inputs("n:a", "Gamma"))
    assert memory.written == {"beta": {"n:b"}, "gamma": {"n:a"}}

    memory.note_written("n:b", None)
    assert memory.written == {"gamma": {"n:a"}}
    assert memory.writes == {"n:a": {"gamma"}}
