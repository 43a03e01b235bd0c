"""The `kg` command in real processes over a real on-disk store."""

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from .conftest import FIXTURES, KG, MODELS, ROOT, kg

QUERY = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?c a mlkg:Concern ; rdfs:label ?label ; mlkg:step/rdfs:label "Security" } ORDER BY ?label"""


@pytest.fixture(scope="module", autouse=True)
def _subprocess_models(cli_models: Path) -> None:
    """Every `kg` process of this module uses the session's model export."""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory into which one process has ingested the bundled vault."""
    directory = tmp_path_factory.mktemp("cli") / "data"
    done = kg(directory, "ingest", str(Path(__file__).resolve().parent.parent / "notes"))
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout and "failed" in done.stdout
    return directory


def test_a_new_process_sees_the_graph(data_dir: Path):
    done = kg(data_dir, "sparql", "--format", "csv", QUERY)
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(io.StringIO(done.stdout))) == [
        ["label"],
        ["Data poisoning"],
        ["Model inversion"],
        ["Model stealing"],
    ]


def test_query_from_file_and_stdin_and_every_format_parses(data_dir: Path, tmp_path: Path):
    query_file = tmp_path / "q.rq"
    query_file.write_text(QUERY, "utf-8")
    as_json = json.loads(kg(data_dir, "sparql", "-f", str(query_file), "--format", "json").stdout)
    assert [b["label"]["value"] for b in as_json["results"]["bindings"]] == [
        "Data poisoning",
        "Model inversion",
        "Model stealing",
    ]
    tsv = kg(data_dir, "sparql", "-f", "-", "--format", "tsv", stdin=QUERY).stdout.splitlines()
    assert tsv[0] == "?label" and tsv[1] == '"Data poisoning"'
    xml = kg(data_dir, "sparql", "--format", "xml", QUERY).stdout
    assert "<literal>Model stealing</literal>" in xml
    table = kg(data_dir, "sparql", QUERY).stdout
    assert "Model inversion" in table and "3 rows" in table
    construct = (
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . ?s <http://www.w3.org/2000/01/rdf-schema#label> 'Model stealing' }"
    )
    for fmt, rdflib_format in (
        ("turtle", "turtle"),
        ("ntriples", "nt"),
        ("jsonld", "json-ld"),
        ("rdfxml", "xml"),
    ):
        done = kg(data_dir, "sparql", "--format", fmt, construct)
        assert done.returncode == 0, done.stderr
        graph = Graph().parse(data=done.stdout, format=rdflib_format)
        assert len(graph) >= 8


def test_malformed_sparql_prints_the_parser_message_and_fails(data_dir: Path):
    done = kg(data_dir, "sparql", "SELECT ?x WHERE { ?x ?y }")
    assert done.returncode == 2
    assert "SPARQL syntax error" in done.stderr and "1:" in done.stderr
    wrong = kg(data_dir, "sparql", "--format", "turtle", QUERY)
    assert wrong.returncode == 2
    assert "format 'turtle' is for CONSTRUCT and DESCRIBE; use one of json, xml, csv, tsv" in wrong.stderr


def test_ingest_reports_bad_notes_with_file_and_line_and_keeps_the_rest(tmp_path: Path):
    data = tmp_path / "data"
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "good.md").write_text((FIXTURES / "Tables that are not lifecycles.md").read_text("utf-8"), "utf-8")
    (vault / "bad.md").write_bytes(b"ok\n\xc3\x28 broken\n")
    done = kg(data, "ingest", "--json", str(vault))
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["summary"]["added"] == 1 and report["summary"]["failed"] == 1
    bad = next(n for n in report["notes"] if n["status"] == "failed")
    assert bad["problems"] == [
        {"path": str(vault / "bad.md"), "line": 2, "message": "invalid UTF-8 byte 0xc3; save the note as UTF-8"}
    ]
    stats = json.loads(kg(data, "stats", "--json").stdout)
    assert stats["imported_notes"] == 1


def test_brackets_in_names_and_values_reach_the_terminal_as_written(tmp_path: Path):
    """Rich markup must not eat `[name]` from paths, titles, warnings or table cells."""
    vault = tmp_path / "v"
    (vault / "a").mkdir(parents=True)
    (vault / "b").mkdir()
    (vault / "a" / "index.md").write_text("# A\n", "utf-8")
    (vault / "b" / "index.md").write_text("# B\n", "utf-8")
    (vault / "a" / "draft [wip].md").write_text("---\ntitle: [broken\n---\nSee [[index]].\n", "utf-8")
    done = kg(tmp_path / "data", "ingest", str(vault))
    assert done.returncode == 0, done.stderr
    assert "draft [wip].md:2: invalid YAML frontmatter" in done.stderr
    assert "draft [wip].md:4: [[index]] is ambiguous (a/index.md, b/index.md); took a/index.md" in done.stderr
    query = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#> SELECT ?p WHERE { ?n mlkg:path ?p } ORDER BY ?p"
    table = kg(tmp_path / "data", "sparql", query).stdout
    assert "a/draft [wip].md" in table
    turtle = kg(
        tmp_path / "data", "sparql", "CONSTRUCT { ?n <urn:p> ?p } WHERE { ?n <https://w3id.org/mlkg/ontology#path> ?p }"
    )
    assert '"a/draft [wip].md"' in turtle.stdout


def test_an_ambiguous_link_names_a_few_candidates_and_counts_them(tmp_path: Path):
    vault = tmp_path / "v"
    for topic in "abcdef":
        (vault / topic).mkdir(parents=True)
        (vault / topic / "index.md").write_text(f"# {topic}\n", "utf-8")
    (vault / "f" / "note.md").write_text("See [[index]].\n", "utf-8")
    done = kg(tmp_path / "data", "ingest", str(vault))
    shown = "(a/index.md, b/index.md, c/index.md, d/index.md, … 6 notes); took f/index.md"
    assert f"note.md:1: [[index]] is ambiguous {shown}" in done.stderr
    report = json.loads(kg(tmp_path / "data2", "ingest", "--json", str(vault)).stdout)
    (link,) = next(note for note in report["notes"] if note["id"] == "f/note")["ambiguous_links"]
    assert len(link["candidates"]) == 6  # --json names them all


def test_stats_validate_export_and_help(data_dir: Path, tmp_path: Path):
    stats = json.loads(kg(data_dir, "stats", "--json").stdout)
    assert {k: stats[k] for k in ("stages", "steps", "concerns", "papers", "solutions")} == {
        "stages": 5,
        "steps": 16,
        "concerns": 38,
        "papers": 1,
        "solutions": 4,
    }
    valid = kg(data_dir, "validate", "--json")
    assert valid.returncode == 0 and json.loads(valid.stdout) == {"conforms": True, "problems": []}
    out = tmp_path / "kg.trig"
    assert kg(data_dir, "export", "--format", "trig", "-o", str(out)).returncode == 0
    dataset = Dataset().parse(out, format="trig")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert "https://w3id.org/mlkg/ontology" in graphs
    assert any(g.endswith("/note/challenges-in-deploying-machine-learning-a-survey-of-case-studies") for g in graphs)
    nquads = kg(data_dir, "export", "--format", "nquads").stdout
    assert len(nquads.splitlines()) == stats["triples"]
    help_text = kg(data_dir, "--help").stdout
    for command in ("ingest", "sparql", "validate", "export", "stats", "delete"):
        assert command in help_text


def test_delete_from_the_command_line(tmp_path: Path):
    data = tmp_path / "data"
    assert kg(data, "ingest", str(FIXTURES / "Tables that are not lifecycles.md")).returncode == 0
    done = kg(data, "delete", "Tables that are not lifecycles.md")
    assert (
        done.returncode == 0 and "deleted https://w3id.org/mlkg/id/note/tables-that-are-not-lifecycles" in done.stdout
    )
    missing = kg(data, "delete", "nothing-here")
    assert missing.returncode == 1 and "no imported note matches 'nothing-here'" in missing.stderr


def test_ask_from_a_fresh_process(data_dir: Path):
    done = kg(data_dir, "ask", "--json", "-k", "3", "someone is copying my model through its API")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    first = answer["hits"][0]
    assert (first["label"], first["step"]["label"], first["stage"]["label"]) == (
        "Model stealing",
        "Security",
        "Cross-cutting aspects",
    )
    assert len(answer["hits"]) == 3
    readable = kg(data_dir, "ask", "--type", "concern", "attackers recover training records")
    assert readable.returncode == 0
    assert "1. Model inversion" in readable.stdout
    assert "lifecycle: Cross-cutting aspects > Security" in readable.stdout
    assert ".md:42" in readable.stdout
    bad = kg(data_dir, "ask", "--type", "planet", "drift")
    assert bad.returncode == 2 and "unknown type 'planet'" in bad.stderr


def test_ask_loads_neither_networkx_nor_rdflib(data_dir: Path):
    """A one-off question reads the graph around its hits without the modules that build or analyse
    graphs (0.2 s of a fresh process)."""
    probe = (
        "import json, sys; from api.cli import run; sys.argv = ['kg', 'ask', '--json', 'copying a model'];\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in ('networkx', 'rdflib') if m in sys.modules)))"
    )
    env = {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_MODEL_CACHE": str(MODELS[-1])}
    done = subprocess.run(
        [str(Path(KG).parent / "python"), "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer, loaded = done.stdout.strip().splitlines()
    assert json.loads(answer)["hits"][0]["label"] == "Model stealing"
    assert json.loads(loaded) == []


def test_eval_prints_the_three_rankings(data_dir: Path):
    done = kg(data_dir, "eval", "--json", str(ROOT / "bench" / "eval" / "questions.tsv"))
    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout)
    assert set(scores) == {"dense", "bm25", "hybrid", "nothing_matches"} and scores["nothing_matches"] == {}
    assert scores["hybrid"]["hit_at_3"] >= 0.9
    table = kg(data_dir, "eval", str(ROOT / "bench" / "eval" / "questions.tsv")).stdout
    assert "hybrid" in table and "MRR" in table
    offtopic = str(ROOT / "bench" / "eval" / "offtopic.tsv")
    flags = kg(data_dir, "eval", "--json", "--off-topic", offtopic, str(ROOT / "bench" / "eval" / "questions.tsv"))
    shares = json.loads(flags.stdout)["nothing_matches"]
    assert (
        shares["on-topic"] == 0.0
        and shares["off-topic tune"] == 1.0
        and set(shares)
        == {
            "on-topic",
            "off-topic tune",
            "off-topic heldout",
        }
    )


def test_serve_refuses_a_public_interface_without_a_token(tmp_path: Path):
    done = kg(tmp_path / "data", "serve", "--host", "0.0.0.0", "--port", "9")
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0 without KG_API_TOKEN" in done.stderr


def test_ingest_keeps_the_notes_when_the_model_cannot_load(tmp_path: Path):
    env_model = {"KG_MODEL": str(tmp_path / "no-such-model")}
    done = subprocess.run(
        [KG, "ingest", str(FIXTURES / "Tables that are not lifecycles.md")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KG_DATA_DIR": str(tmp_path / "data"), **env_model},
    )
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout and "search index not updated" in done.stderr
    assert "neither the bundled all-MiniLM-L6-v2 nor a folder" in done.stderr


def test_version_and_help_load_no_heavy_module(tmp_path: Path):
    """`kg --version` and `kg --help` import neither the model, the store's services nor the web stack."""
    probe = (
        "import sys; from typer.testing import CliRunner; from api.cli import app;"
        "runner = CliRunner(); print(runner.invoke(app, ['--version']).output.strip());"
        "print(runner.invoke(app, ['--help']).output.count('ingest'));"
        "print(runner.invoke(app, ['sparql', '--help']).output.count('turtle'));"
        "heavy = ['numpy', 'torch', 'onnxruntime', 'pydantic_settings', 'fastapi', 'networkx', 'rdflib'];"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([str(Path(KG).parent / "python"), "-c", probe], capture_output=True, text=True, check=True)
    version, ingest_mentions, turtle_mentions, heavy = done.stdout.splitlines()
    from kg import __version__

    assert version == f"mlkg {__version__}"
    assert int(ingest_mentions) >= 1 and int(turtle_mentions) >= 1
    assert heavy == "[]"
    shown = subprocess.run([KG, "--version"], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == f"mlkg {__version__}"


def test_kg_sparql_honours_from(data_dir: Path):
    def count(query: str) -> int:
        done = kg(data_dir, "sparql", "--format", "csv", query)
        assert done.returncode == 0, done.stderr
        return int(done.stdout.splitlines()[1])

    graph = kg(
        data_dir,
        "sparql",
        "--format",
        "csv",
        "SELECT ?g WHERE { GRAPH ?g { ?n a <https://w3id.org/mlkg/ontology#Note> } }",
    )
    note_graph = graph.stdout.splitlines()[1].strip()
    assert count("SELECT (COUNT(*) AS ?n) FROM <urn:nonexistent> WHERE { ?s ?p ?o }") == 0
    in_graph = count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{note_graph}> {{ ?s ?p ?o }} }}")
    assert 0 < in_graph == count(f"SELECT (COUNT(*) AS ?n) FROM <{note_graph}> WHERE {{ ?s ?p ?o }}")
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") > in_graph


def test_kg_sparql_sorts_evaluation_errors_as_the_users(data_dir: Path):
    done = kg(data_dir, "sparql", "SELECT ?x WHERE { BIND(<urn:f>(1) AS ?x) }")
    assert done.returncode == 2
    assert "cannot be evaluated" in done.stderr and "urn:f" in done.stderr and "Traceback" not in done.stderr
