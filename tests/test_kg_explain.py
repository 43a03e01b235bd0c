"""A hit's explanation: the label, synonym or definition sentence that shares most words with the question."""

from kg.search.explain import explain, reasons

SOURCES = [
    {"note": "n", "path": "Survey.md", "line": 41, "field": "node"},
    {"note": "n", "path": "Survey.md", "line": 133, "field": "definition"},
]
DEFINITION = "Attackers query a deployed model to copy it. The copy is then used to craft attacks."


def test_a_synonym_the_question_uses_is_named_with_the_line_of_the_node():
    found = explain(
        "how do I stop model extraction", reasons("Model stealing", ["model extraction"], DEFINITION), SOURCES
    )
    assert found == {"field": "synonym", "text": "model extraction", "note": "n", "path": "Survey.md", "line": 41}


def test_the_definition_sentence_sharing_most_words_is_named_with_its_own_line():
    found = explain(
        "attackers query my deployed model", reasons("Model stealing", ["model extraction"], DEFINITION), SOURCES
    )
    assert found["field"] == "definition" and found["text"] == "Attackers query a deployed model to copy it."
    assert found["line"] == 133


def test_a_match_by_meaning_alone_names_the_definition_and_the_vocabulary_has_no_line():
    found = explain("someone clones my classifier", reasons("Model stealing", [], DEFINITION), [])
    assert found["field"] == "definition" and found["text"].startswith("Attackers query")
    assert (found["note"], found["path"], found["line"]) == (None, None, None)
    bare = explain("someone clones my classifier", reasons("Model stealing", [], ""), [])
    assert bare["field"] == "label" and bare["text"] == "Model stealing"
