"""The coverage report: its counts match SPARQL counts on the seed plus fixture notes, in every format."""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import FIXTURES, ROOT, kg, live_server_for

PREFIX = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
UNLINKED = "# Gardening\n\nTomatoes want sun and patience.\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[str]:
    vault = tmp_path_factory.mktemp("vault")
    seed = next((ROOT / "notes").glob("*.md"))
    (vault / seed.name).write_bytes(seed.read_bytes())
    paper = "Stealing Machine Learning Models via Prediction APIs.md"
    (vault / paper).write_bytes((FIXTURES / paper).read_bytes())
    (vault / "Gardening.md").write_text(UNLINKED, "utf-8")
    yield from live_server_for(tmp_path_factory.mktemp("coverage"), vault, encoder)


def _count(server: str, query: str) -> int:
    rows = httpx.get(f"{server}/sparql", params={"query": PREFIX + query}).json()["results"]["bindings"]
    return int(rows[0]["n"]["value"])


def _papers(server: str, concern: str) -> int:
    return _count(
        server,
        f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p mlkg:discusses <{concern}> "
        'FILTER(STRSTARTS(STR(?p), "https://w3id.org/mlkg/id/paper/")) }',
    )


def test_counts_match_sparql(server: str) -> None:
    report = httpx.get(f"{server}/coverage").json()
    concerns = sum(step["concerns"] for stage in report["stages"] for step in stage["steps"])
    assert concerns == _count(server, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a mlkg:Concern }") > 30
    for stage in report["stages"]:
        for step in stage["steps"]:
            papers = _count(
                server,
                f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?c mlkg:step <{step['iri']}> . ?p mlkg:discusses ?c "
                'FILTER(STRSTARTS(STR(?p), "https://w3id.org/mlkg/id/paper/")) }',
            )
            assert step["papers"] == papers, step["label"]
    single = {c["iri"] for c in report["concerns_with_one_paper"]}
    none = {c["iri"] for c in report["concerns_without_papers"]}
    all_concerns = _count(server, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a mlkg:Concern }")
    stealing = "https://w3id.org/mlkg/id/concern/model-stealing"
    assert _papers(server, stealing) == 2 and stealing not in single  # the survey and the Tramer paper
    for iri in list(single)[:5]:
        assert _papers(server, iri) == 1
    assert len(single) + len(none) + sum(1 for c in report["central_concerns"] if c["papers"] > 1) <= all_concerns
    assert report["central_concerns"][0]["papers"] >= 2  # a concern both papers discuss is the most central
    assert [n["path"] for n in report["notes_without_concerns"]] == ["Gardening.md"]


def test_csv_and_markdown(server: str) -> None:
    report = httpx.get(f"{server}/coverage").json()
    table = list(csv.DictReader(io.StringIO(httpx.get(f"{server}/coverage", params={"format": "csv"}).text)))
    steps = [step for stage in report["stages"] for step in stage["steps"]]
    assert [row["step"] for row in table] == [step["label"] for step in steps]
    assert [int(row["papers"]) for row in table] == [step["papers"] for step in steps]
    markdown = httpx.get(f"{server}/coverage", headers={"Accept": "text/markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "| Stage | Step | Concerns | Notes | Papers |" in markdown.text and "Gardening.md" in markdown.text


def test_kg_coverage_matches_the_route(tmp_path: Path, cli_models: Path) -> None:
    data = tmp_path / "data"
    assert kg(data, "ingest", "--no-index", str(ROOT / "notes")).returncode == 0
    done = kg(data, "coverage", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["concerns_with_one_paper"]) == 38 and report["concerns_without_papers"] == []
    table = kg(data, "coverage")
    assert "Security" in table.stdout and "concerns with one paper: 38" in table.stdout


def test_notes_list_their_title_paper_concepts_and_import_time(server: str) -> None:
    from datetime import datetime

    notes = {n["path"]: n for n in httpx.get(f"{server}/notes").json()}
    tramer = notes["Stealing Machine Learning Models via Prediction APIs.md"]
    assert tramer["paper"] == "https://w3id.org/mlkg/id/paper/arxiv-1609.02943" and tramer["title"]
    assert tramer["concepts"] >= 1 and notes["Gardening.md"]["concepts"] == 0
    discussed = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ <{tramer['iri']}> mlkg:discusses ?c . ?c a mlkg:Concern }}"
    concepts = _count(server, discussed)
    assert tramer["concepts"] >= concepts
    assert datetime.fromisoformat(tramer["imported"]).tzinfo is not None
