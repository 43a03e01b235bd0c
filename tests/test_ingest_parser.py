"""The markdown parser on the seed note and on small notes written for each feature."""

from pathlib import Path

import pytest

from ingest.headings import normalise_heading
from ingest.inline import parse_inline
from ingest.parser import parse_note

from .conftest import FIXTURES, SEED


@pytest.fixture(scope="module")
def seed():
    return parse_note(SEED.read_text("utf-8"), str(SEED))


def test_title_is_the_file_name_and_first_heading_is_content(seed):
    assert seed.title == "Challenges in Deploying Machine Learning - a Survey of Case Studies"
    assert seed.sections[1].title == "Life cycle"
    assert seed.sections[1].line == 1


def test_seed_table_is_a_lifecycle_table_with_blank_cells_filled(seed):
    (table,) = seed.tables
    assert table.kind == "lifecycle"
    assert table.columns == {"stage": 0, "step": 1, "concern": 2}
    assert len(table.rows) == 38
    assert table.rows[2] == ["Data management", "Data preprocessing", "Data cleaning"]
    assert table.rows[-1] == ["Cross-cutting aspects", "Security", "Model inversion"]
    assert table.row_lines[-1] == 42


@pytest.mark.parametrize(
    ("raw", "title", "rest"),
    [
        ("Hyper-parameter selection;", "Hyper-parameter selection", ""),
        ("Data management:", "Data management", ""),
        (
            "Data analysis: uncover potential biases or unexpected distributions:",
            "Data analysis",
            "uncover potential biases or unexpected distributions",
        ),
        ("2.1 Model selection", "Model selection", ""),
    ],
)
def test_headings_are_normalised(raw, title, rest):
    assert normalise_heading(raw) == (title, rest)


def test_heading_tree_and_nested_bullets(seed):
    by_title = {s.title: s for s in seed.sections}
    security = by_title["Security"]
    stealing = by_title["Model stealing"]
    assert seed.sections[stealing.parent].title == "Security"
    assert stealing.level == security.level + 1 == 3
    augmentation = by_title["Data augmentation"]
    (bullet,) = augmentation.blocks
    assert [child.text for child in bullet.children] == [
        "Limited access to experts",
        "Absence of high-variance data",
        "Low volume of data",
    ]
    assert bullet.children[0].line == 59
    assert by_title["Data analysis"].rest == "uncover potential biases or unexpected distributions"


def test_trailer(seed):
    trailer = seed.trailer
    assert trailer.status == "done" and trailer.status_line == 158
    assert [t.name for t in trailer.tags] == ["ai_lifecycle"]
    assert [link.target for link in trailer.related] == [
        "Assuring the Machine Learning Life cycle_Desiderata, Methods, and Challenges",
        "A Recipe for Training Neural Networks",
    ]
    assert trailer.related[1].folder == "01_Experience/AI_in_production/Lifecycle/3_1_Model_training"
    assert seed.identifiers[0].value == "arXiv:2011.09926"
    assert seed.identifiers[0].title.startswith("Challenges in Deploying Machine Learning:")


def test_inline_wikilinks_embeds_links_ids_and_tags():
    inline = parse_inline(
        "See [[Security/Attacks#Extraction|extraction]], ![[fig.png]], [paper](https://arxiv.org/abs/1609.02943v2),"
        " https://doi.org/10.1145/2976749.2978318 and #ml/security but not a#b or `#code`",
        7,
    )
    first, embed = inline.wikilinks
    assert (first.folder, first.target, first.heading, first.alias, first.embed) == (
        "Security",
        "Attacks",
        "Extraction",
        "extraction",
        False,
    )
    assert embed.embed and embed.target == "fig.png"
    assert [i.value for i in inline.identifiers] == ["arXiv:1609.02943", "doi:10.1145/2976749.2978318"]
    assert inline.identifiers[0].title == "paper"
    assert [t.name for t in inline.tags] == ["ml/security"]
    assert inline.text.startswith("See extraction, fig.png, paper,")
    assert {link.line for link in inline.links} == {7}


def test_frontmatter_properties_aliases_tags_and_lines():
    path = FIXTURES / "Stealing Machine Learning Models via Prediction APIs.md"
    note = parse_note(path.read_text("utf-8"), str(path))
    assert note.title == "Stealing Machine Learning Models via Prediction APIs"
    assert note.aliases == ["Model extraction paper", "Tramer 2016"]
    assert {t.name for t in note.tags} >= {"security", "ml/attacks", "to-read"}
    assert note.frontmatter["venue"] == "USENIX Security"
    assert note.frontmatter_lines["arxiv"] == 7
    assert note.sections[1].title == "Summary" and note.sections[1].line == 10
    table = note.tables[0]
    assert table.kind == "lifecycle" and table.columns["definition"] == 3
    assert table.rows[1][:3] == ["Cross-cutting aspects", "Security", "Membership leakage"]
    assert table.rows[2][:3] == ["Model deployment", "Monitoring", "Query pattern anomalies"]


def test_generic_table_stays_generic_and_keeps_continuation_raw():
    path = FIXTURES / "Tables that are not lifecycles.md"
    note = parse_note(path.read_text("utf-8"), str(path))
    (table,) = note.tables
    assert table.kind == "generic"
    assert table.headers == ["Model", "Accuracy", "Latency"]
    assert table.rows[1] == ["", "77.0", "14 ms"]
    assert note.sections[0].blocks[0].line == 1


def test_stage_change_does_not_carry_the_previous_step():
    text = "| Stage | Step | Concern |\n|---|---|---|\n| A | S1 | C1 |\n| B | | C2 |\n"
    (table,) = parse_note(text, "t.md").tables
    assert table.rows == [["A", "S1", "C1"], ["B", "", "C2"]]


def test_lifecycle_table_found_by_shape_when_one_header_is_unusual():
    text = (
        "| Phase | What | Concern |\n|---|---|---|\n| Data | Collection | Bias |\n"
        "| | | Cost |\n| | Cleaning | Noise |\n"
    )
    (table,) = parse_note(text, "t.md").tables
    assert table.kind == "lifecycle"
    assert table.rows[1] == ["Data", "Collection", "Cost"]


def test_bad_yaml_is_a_warning_with_file_and_line_and_the_body_is_read():
    path = FIXTURES / "Broken frontmatter.md"
    note = parse_note(path.read_text("utf-8"), "Broken frontmatter.md")
    (warning,) = note.warnings
    assert warning.path == "Broken frontmatter.md"
    assert warning.line == 3  # the unclosed flow list
    assert "invalid YAML" in warning.message and "kept title" in warning.message
    assert note.title == "Broken"  # the line that is valid on its own is kept
    assert [s.title for s in note.sections] == ["", "Body"]
    assert note.sections[1].line == 5


def test_a_colon_inside_a_plain_value_keeps_the_value():
    text = "---\ntitle: Attention: is all you need\narxiv: 1706.03762\ntags: [nlp, broken\nnote: a: b # c\n---\nBody.\n"
    note = parse_note(text, "x.md")
    assert note.title == "Attention: is all you need"
    assert note.frontmatter == {"title": "Attention: is all you need", "arxiv": "1706.03762"}
    (warning,) = note.warnings
    assert warning.line == 2 and "kept title, arxiv" in warning.message


def test_unclosed_frontmatter_is_markdown_and_non_mapping_frontmatter_is_ignored():
    note = parse_note("---\ntitle: x\n# never closed\n", "u.md")
    assert "never closed" in note.warnings[0].message and note.warnings[0].line == 1
    assert note.title == "u" and note.sections[-1].title == "never closed"
    note = parse_note("---\n- a\n- b\n---\ntext\n", "l.md")
    assert "not key: value" in note.warnings[0].message
    assert note.frontmatter == {} and note.sections[0].blocks[0].text == "text"


def test_frontmatter_scalars_keep_the_text_the_user_wrote():
    text = "---\narxiv: 1610.05820\nyear: 2017\ndate: 2021-03-04\nversion: 1.10\ndraft: false\nnone:\n---\n"
    note = parse_note(text, "n.md")
    assert note.frontmatter == {
        "arxiv": "1610.05820",
        "year": "2017",
        "date": "2021-03-04",
        "version": "1.10",
        "draft": False,
        "none": None,
    }
    assert note.warnings == []


def test_toml_frontmatter_as_hugo_writes_it_keeps_the_text_the_user_wrote():
    path = FIXTURES / "obsidian" / "Hugo paper note.md"
    note = parse_note(path.read_text("utf-8"), str(path))
    assert note.title == "Membership inference, read again"
    assert note.frontmatter["arxiv"] == "1610.05820"  # a TOML float, kept as written
    assert note.frontmatter["date"] == "2017-05-22"
    assert note.frontmatter["params"] == {"doi": "10.1145/3292500.3330701"}
    assert [(tag.name, tag.line) for tag in note.tags] == [("privacy", 5), ("reading", 5)]
    assert note.frontmatter_lines["arxiv"] == 3 and note.frontmatter_lines["params"] == 6
    assert note.sections[1].line == 10
    assert parse_note("+++\nversion = 1.10\nyear = 2017\n+++\n", "v.md").frontmatter == {
        "version": "1.10",
        "year": "2017",
    }


def test_broken_toml_is_a_warning_on_its_line_and_the_body_is_read():
    path = FIXTURES / "obsidian" / "Broken TOML.md"
    note = parse_note(path.read_text("utf-8"), "Broken TOML.md")
    (warning,) = note.warnings
    assert warning.line == 2 and "invalid TOML frontmatter" in warning.message
    assert note.title == "Broken TOML" and note.frontmatter == {}
    assert note.sections[0].blocks[0].line == 6
    unclosed = parse_note("+++\ntitle = 'x'\nbody\n", "u.md")
    assert "'+++' is never closed" in unclosed.warnings[0].message and unclosed.title == "u"


def test_lines_count_the_frontmatter(tmp_path: Path):
    note = parse_note("---\ntitle: T\n---\n\n## Step one\n- bullet\n", "n.md")
    section = note.sections[1]
    assert (section.title, section.line, section.blocks[0].line) == ("Step one", 5, 6)


def test_block_structure_is_the_full_parsers_without_its_inline_pass():
    """The parser skips markdown-it's inline pass (quadratic on unclosed `[[` runs): blocks stay the same."""
    from markdown_it import MarkdownIt

    from ingest.parser import _MARKDOWN

    full = MarkdownIt("commonmark", {"maxNesting": 40}).enable("table")
    notes = [SEED, *FIXTURES.rglob("*.md")]
    for path in notes:
        text = path.read_text("utf-8", errors="replace")
        ours = [(t.type, t.map, t.content) for t in _MARKDOWN.parse(text)]
        assert ours == [(t.type, t.map, t.content) for t in full.parse(text)], path
    assert len(notes) > 20
    (token,) = [t for t in _MARKDOWN.parse("[[" * 1000) if t.type == "inline"]
    assert token.content == "[[" * 1000 and not token.children


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Shokri et al., arXiv 1610.05820", ["arXiv:1610.05820"]),
        ("https://arxiv.org/html/2401.00001v1", ["arXiv:2401.00001"]),
        ("arXiv:1706.03762v5 and doi:10.1145/3292500.3330701.", ["arXiv:1706.03762", "doi:10.1145/3292500.3330701"]),
        ("an arXiv 2023 survey", []),
    ],
)
def test_arxiv_ids_as_reading_lists_write_them(text: str, found: list[str]):
    assert [identifier.value for identifier in parse_inline(text, 1).identifiers] == found
