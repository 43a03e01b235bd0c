"""Obsidian `%%comments%%` are hidden before the markdown is read; code and math keep their `%%`."""

from ingest.hidden_text import blank_display_math, hide_comments
from ingest.parser import parse_note

from .conftest import FIXTURES


def test_inline_and_block_comments_are_hidden_and_lines_keep_their_numbers():
    body = "a %%hidden%% b %%also%%\n%%\nblock\n%%\nafter"
    found = hide_comments(body)
    assert found.body.split("\n") == ["a  b ", "", "", "", "after"]
    assert found.unclosed_line is None


def test_code_and_math_keep_their_percent_signs():
    body = "```\n%% fenced %%\n```\n`%%` and ``a %% b`` and $$x %% y$$\n$$\n%%\n$$\n~~~~\n%%\n~~~~"
    assert hide_comments(body).body == body


def test_a_fence_inside_a_comment_does_not_open_code():
    body = "%%\n```\n%%\nvisible"
    assert hide_comments(body).body == "\n\n\nvisible"


def test_an_unclosed_comment_hides_the_rest_and_says_where_it_opened():
    found = hide_comments("one\ntwo %% three\nfour\n")
    assert found.body == "one\ntwo \n\n"
    assert found.unclosed_line == 2


def test_the_parser_reads_neither_comments_nor_callout_markers():
    path = FIXTURES / "obsidian" / "Hugo paper note.md"
    note = parse_note(path.read_text("utf-8"), str(path))
    texts = {block.text: block.line for section in note.sections for block in section.blocks}
    callout = "Abstract We investigate how models leak the records they were trained on. The callout discusses model inversion."
    assert texts[callout] == 12  # the callout's title and body, without its [!abstract]- marker
    assert not any("stealing" in text or "concept drift" in text for text in texts)
    assert texts["The last visible line is about feedback loops."] == 28
    assert "Inline code %% and display math $$a %% b$$ stay text." in texts
    assert note.warnings == []


def test_an_unclosed_comment_is_a_warning_on_its_line():
    path = FIXTURES / "obsidian" / "Unclosed comment.md"
    note = parse_note(path.read_text("utf-8"), str(path))
    (warning,) = note.warnings
    assert warning.line == 5 and "never closed" in warning.message
    texts = [block.text for section in note.sections for block in section.blocks]
    assert texts == ["Outlier detection is discussed here."]


def test_display_math_over_several_lines_is_neither_heading_nor_list():
    text = "Bound:\n$$\n\\log p(x) \\geq 0\n# not a heading\n- not a list\n$$\nwhere $x$ is \\#1, see #real.\n"
    note = parse_note(text, "m.md")
    assert [section.title for section in note.sections] == [""]
    assert [(block.line, block.text) for block in note.sections[0].blocks] == [
        (1, "Bound:"),
        (7, "where $x$ is #1, see real."),
    ]
    assert [tag.name for tag in note.tags] == ["real"]  # an escaped \\# is no tag


def test_display_math_left_alone_when_inline_unclosed_or_in_code():
    assert blank_display_math("a $$x$$ b\n$$y$$\n") == "a $$x$$ b\n$$y$$\n"
    assert blank_display_math("$$$ profit\nnext line\n") == "$$$ profit\nnext line\n"  # never closed
    fenced = "```\n$$\n# code\n$$\n```"
    assert blank_display_math(fenced) == fenced
    assert blank_display_math("x\n  $$\n  a\n  b $$\ny") == "x\n\n\n\ny"
