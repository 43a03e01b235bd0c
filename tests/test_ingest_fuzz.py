"""Property tests: arbitrary text never crashes the parser or the mapping."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.mapping import map_note
from ingest.parser import parse_note
from kg.errors import NoteParseError

MARKDOWNISH = st.lists(
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(
            [
                "---",
                "# ",
                "## Step:",
                "| Stage | Step | Concern |",
                "|---|---|---|",
                "| a | | c |",
                "- ",
                "\t- ",
                "[[",
                "]]",
                "![[x]]",
                "#tag",
                "[x](",
                "arXiv:2011.09926",
                "10.1000/x",
                "title: [",
                "aliases:",
                "```",
                "> ",
                "\x00",
                "\u202e",
                "e\u0301",
                "|",
                ":",
                "- Related:",
            ]
        ),
    ),
    max_size=40,
).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=2000), MARKDOWNISH))
def test_arbitrary_text_gives_a_note_or_a_located_parse_error(text: str) -> None:
    try:
        note = parse_note(text, "fuzz.md")
    except NoteParseError as error:
        assert error.problems and all(p.path == "fuzz.md" for p in error.problems)
        assert all(p.line is None or p.line >= 1 for p in error.problems)
        return
    mapped = map_note(note)
    assert all(line >= 1 for line in mapped.lines.values())
    for problem in mapped.problems:
        assert problem.path == "fuzz.md" and problem.line is not None
