"""Vaults shaped like real ones: one folder per topic with the same file names, Hugo-style
frontmatter with unquoted identifiers, broken YAML and a binary file, on the real store and encoder."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.service import writes
from api.service.core import Services, build_services
from api.service.results import ImportResult, NoteResult
from kg.search.encoder import Encoder
from kg.settings import Settings

from .conftest import FIXTURES, ROOT, kg, live_server_for, select

TOPICS = FIXTURES / "topics"
NOTE = "https://w3id.org/mlkg/id/note/"
AUTH = {"Authorization": "Bearer secret-token"}


@pytest.fixture(scope="module")
def topics(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[Services, ImportResult]]:
    data = tmp_path_factory.mktemp("topics")
    services = build_services(Settings(data_dir=data, ingest_workers=1), encoder=encoder)
    result = writes.import_paths(services, [ROOT / "notes", TOPICS])
    yield services, result
    services.close()


def _by_path(result: ImportResult) -> dict[str, NoteResult]:
    return {Path(note.path).relative_to(TOPICS).as_posix(): note for note in result.notes if TOPICS.name in note.path}


def test_notes_with_the_same_file_name_in_several_folders_are_all_imported(topics):
    services, result = topics
    notes = _by_path(result)
    assert {path for path, note in notes.items() if note.status == "added"} == {
        "Home.md",
        "Security/index.md",
        "Security/README.md",
        "Privacy/index.md",
        "Monitoring/index.md",
        "Monitoring/README.md",
    }
    assert notes["Security/index.md"].iri == f"{NOTE}security/index"
    assert notes["Monitoring/README.md"].id == "monitoring/readme"
    assert set(services.store.note_paths().values()) >= {"Security/index.md", "Privacy/index.md", "Monitoring/index.md"}


def test_a_binary_file_is_refused_with_a_clear_message_and_nothing_else_is_lost(topics):
    _services, result = topics
    binary = _by_path(result)["attachments/diagram.md"]
    assert binary.status == "failed" and "binary file" in binary.error
    assert binary.problems[0].line == 1
    assert result.summary.added == 7 and result.summary.failed == 1  # the seed and six topic notes


def test_invalid_frontmatter_imports_the_body_with_a_warning_on_its_line(topics):
    services, result = topics
    monitoring = _by_path(result)["Monitoring/index.md"]
    assert monitoring.status == "added"
    (warning,) = monitoring.warnings
    assert warning.line == 3 and "invalid YAML" in warning.message and "kept title" in warning.message
    rows = select(services.store, f"SELECT ?t WHERE {{ <{NOTE}monitoring/index> dcterms:title ?t }}")
    assert rows == [{"t": "Monitoring"}]


def _related(services: Services, note: str) -> set[str]:
    rows = select(services.store, f"SELECT ?o WHERE {{ <{NOTE}{note}> mlkg:relatedNote ?o }}")
    return {row["o"].removeprefix(NOTE) for row in rows}


def test_wikilinks_resolve_as_obsidian_does_and_the_report_names_the_ambiguous_ones(topics):
    services, result = topics
    notes = _by_path(result)
    # a link with a folder means that path; a bare name prefers the linking note's folder, else the shortest path
    assert _related(services, "home") >= {"privacy/index", "security/index"}
    assert "security/readme" in _related(services, "security/index")
    assert "security/readme" in _related(services, "privacy/index")  # shorter than Monitoring/README.md
    assert "overview" in _related(services, "monitoring/index")  # no such note: a placeholder
    home = {link.name: link for link in notes["Home.md"].ambiguous_links}
    assert set(home) == {"index"}  # [[Security/index]] names a path: not ambiguous
    assert home["index"].chosen == f"{NOTE}privacy/index" and home["index"].chosen_path == "Privacy/index.md"
    assert home["index"].candidates == ["Monitoring/index.md", "Privacy/index.md", "Security/index.md"]
    (readme,) = notes["Security/index.md"].ambiguous_links
    assert (readme.name, readme.line, readme.chosen_path) == ("README", 7, "Security/README.md")
    assert notes["Monitoring/index.md"].ambiguous_links == []


def test_an_unquoted_arxiv_id_keeps_its_digits_and_gives_one_paper(topics):
    services, _ = topics
    rows = select(
        services.store,
        "SELECT DISTINCT ?p ?id WHERE { ?p a mlkg:Paper ; dcterms:identifier ?id FILTER(CONTAINS(?id, '1610')) }",
    )
    assert rows == [{"p": "https://w3id.org/mlkg/id/paper/arxiv-1610.05820", "id": "arXiv:1610.05820"}]
    titles = select(
        services.store, "SELECT ?t WHERE { <https://w3id.org/mlkg/id/paper/arxiv-1610.05820> dcterms:title ?t }"
    )
    assert titles == [{"t": "Membership Inference Attacks against Machine Learning Models"}]


def test_identifiers_in_nested_frontmatter_lists_name_the_paper(topics):
    services, _ = topics
    about = select(services.store, f"SELECT ?p WHERE {{ <{NOTE}monitoring/readme> mlkg:aboutPaper ?p }}")
    assert about == [{"p": "https://w3id.org/mlkg/id/paper/doi-10.1145-3318464.3386126"}]


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("frontmatter", "---\narxiv: 1610.05820\ntitle: Shokri 2017\n---\nNotes.\n"),
        ("body", "# Shokri 2017\nSee arXiv:1610.05820.\n"),
        ("both", "---\narxiv: 1610.05820\ntitle: Shokri 2017\n---\nSee arXiv:1610.05820 again.\n"),
    ],
)
def test_the_paper_is_the_same_wherever_it_is_cited(seeded, importer, where: str, text: str):
    from ingest.reading import NoteFile

    importer.import_bytes(text.encode(), NoteFile(f"{where}.md", f"{where}.md"))
    query = f"SELECT DISTINCT ?p ?id WHERE {{ GRAPH <{NOTE}{where}> {{ ?p a mlkg:Paper ; dcterms:identifier ?id }} }}"
    assert select(seeded, query) == [{"p": "https://w3id.org/mlkg/id/paper/arxiv-1610.05820", "id": "arXiv:1610.05820"}]


def test_cli_and_http_give_the_same_typed_import_result(tmp_path: Path, encoder: Encoder, cli_models):
    vault = tmp_path / "vault" / "Security"
    vault.mkdir(parents=True)
    shutil.copy(TOPICS / "Security" / "README.md", vault / "README.md")
    done = kg(tmp_path / "cli", "ingest", "--json", str(vault.parent))
    assert done.returncode == 0, done.stderr
    from_cli = ImportResult.model_validate_json(done.stdout)
    for url in live_server_for(tmp_path / "http", tmp_path / "empty-vault", encoder):
        posted = httpx.post(
            f"{url}/notes",
            params={"name": "Security/README.md"},
            content=(vault / "README.md").read_bytes(),
            headers=AUTH,
            timeout=60,
        )
        assert posted.status_code == 201, posted.text
        from_http = ImportResult.model_validate(posted.json())
    assert set(json.loads(done.stdout)) == set(posted.json())  # the same document, key for key
    cli_note, http_note = from_cli.notes[0], from_http.notes[0]
    volatile = {"path"}  # the CLI names the file it read, HTTP the vault path it was given
    assert cli_note.model_dump(exclude=volatile) == http_note.model_dump(exclude=volatile)
    assert cli_note.iri == f"{NOTE}security/readme" and http_note.path == "Security/README.md"
    assert from_cli.summary == from_http.summary and from_cli.summary.added == 1


def test_openapi_describes_every_response(live_server: str):
    spec = httpx.get(f"{live_server}/openapi.json").json()
    undescribed = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("2") and status != "204":
                    content = response.get("content", {})
                    if not content or not all(media.get("schema") for media in content.values()):
                        undescribed.append(f"{method.upper()} {path} {status}")
    assert undescribed == []
    answer = spec["paths"]["/ask"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Answer"}
    imported = spec["paths"]["/notes"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert imported == {"$ref": "#/components/schemas/ImportResult"}


def test_a_synthetic_folder_per_topic_vault_imports_whole(tmp_path: Path, encoder: Encoder):
    from bench.synth_vault import write_vault

    vault = write_vault(40, tmp_path / "vault", style="topics")
    assert len(list(vault.rglob("index.md"))) == 5  # the same file names in every topic folder
    settings = Settings(data_dir=tmp_path / "data", ingest_workers=1, max_semantic_links=0)
    services = build_services(settings, encoder=encoder)
    try:
        result = writes.import_paths(services, [vault])
    finally:
        services.close()
    assert (result.summary.added, result.summary.failed) == (40, 0)
    broken = [n for n in result.notes if n.warnings]
    assert [Path(n.path).name for n in broken] == ["Paper 00007.md", "Paper 00037.md"]  # invalid YAML, 1 in 30
    assert any(link.name in ("index", "overview", "README") for n in result.notes for link in n.ambiguous_links)
    assert all(n.id.startswith("topic-") for n in result.notes)


@pytest.fixture(scope="module")
def obsidian(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[Services, ImportResult]]:
    data = tmp_path_factory.mktemp("obsidian")
    services = build_services(Settings(data_dir=data, ingest_workers=1), encoder=encoder)
    yield services, writes.import_paths(services, [ROOT / "notes", FIXTURES / "obsidian"])
    services.close()


def _discussed(result: ImportResult, name: str) -> dict[str, tuple[str, int | None]]:
    note = next(note for note in result.notes if Path(note.path).name == name)
    return {link.label: (link.method, link.line) for link in note.discusses}


def test_hugo_toml_frontmatter_names_the_paper_and_its_tags(obsidian):
    services, _ = obsidian
    note = f"{NOTE}hugo-paper-note"
    rows = select(services.store, f"SELECT ?t ?p WHERE {{ <{note}> dcterms:title ?t ; mlkg:aboutPaper ?p }}")
    assert rows == [{"t": "Membership inference, read again", "p": "https://w3id.org/mlkg/id/paper/arxiv-1610.05820"}]
    cited = select(services.store, f"SELECT ?p WHERE {{ <{note}> dcterms:references ?p }} ORDER BY ?p")
    assert [row["p"] for row in cited] == [
        "https://w3id.org/mlkg/id/paper/arxiv-1610.05820",
        "https://w3id.org/mlkg/id/paper/doi-10.1145-3292500.3330701",
    ]
    tags = select(services.store, f"SELECT ?tag WHERE {{ <{note}> mlkg:tag ?tag }} ORDER BY ?tag")
    assert [row["tag"] for row in tags] == ["privacy", "reading"]


def test_comments_and_code_give_no_link_while_a_callout_does(obsidian):
    _, result = obsidian
    links = _discussed(result, "Hugo paper note.md")
    assert links["Model inversion"] == ("mention", 12)  # the callout, without its marker
    assert links["Feedback loops"] == ("mention", 28)  # after a block comment: lines still count
    mentioned = {label for label, (method, _) in links.items() if method == "mention"}
    assert not mentioned & {"Model stealing", "Concept drift", "Data poisoning"}  # comments and code
    assert all(line not in (16, 24, 25, 26) for _, line in links.values())
    unclosed = _discussed(result, "Unclosed comment.md")
    assert unclosed["Outlier detection"] == ("mention", 3) and "Data cleaning" not in unclosed


def test_broken_toml_and_an_unclosed_comment_are_warnings_with_their_lines(obsidian):
    _, result = obsidian
    notes = {Path(note.path).name: note for note in result.notes}
    assert all(note.status == "added" for note in notes.values())
    (toml,) = notes["Broken TOML.md"].warnings
    assert toml.line == 2 and "invalid TOML frontmatter" in toml.message
    assert _discussed(result, "Broken TOML.md")["Hardware-aware optimization"] == ("mention", 6)
    (comment,) = notes["Unclosed comment.md"].warnings
    assert comment.line == 5 and "never closed" in comment.message


def test_an_embedded_note_is_a_link_and_an_attachment_is_none(obsidian):
    services, _ = obsidian
    assert _related(services, "embeds") == {"hugo-paper-note", "unclosed-comment"}
    placeholders = select(
        services.store, "SELECT ?t WHERE { ?n a mlkg:Note ; dcterms:title ?t FILTER(CONTAINS(?t, '.')) }"
    )
    assert placeholders == []  # no note made up for diagram.png or slides.pdf
