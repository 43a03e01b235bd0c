"""mlkg:similarity in SPARQL, on the real encoder and index: from `kg sparql`, `/sparql` and in-process."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import FIXTURES, ROOT, kg, live_server_for

PREFIX = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
RANKED = (
    PREFIX
    + """SELECT ?concern ?label ?score WHERE {
  ?concern a mlkg:Concern ; rdfs:label ?label .
  BIND(mlkg:similarity(?concern, "copying a model through its API") AS ?score)
} ORDER BY DESC(?score) LIMIT 5"""
)
STEALING = "https://w3id.org/mlkg/id/concern/model-stealing"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[str]:
    vault = tmp_path_factory.mktemp("vault")
    for name in ("Challenges in Deploying Machine Learning - a Survey of Case Studies.md",):
        (vault / name).write_bytes((ROOT / "notes" / name).read_bytes())
    paper = "Stealing Machine Learning Models via Prediction APIs.md"
    (vault / paper).write_bytes((FIXTURES / paper).read_bytes())
    yield from live_server_for(tmp_path_factory.mktemp("similarity"), vault, encoder)


def _rows(server: str, query: str) -> list[dict[str, str]]:
    answer = httpx.get(f"{server}/sparql", params={"query": query})
    assert answer.status_code == 200, answer.text
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def test_model_stealing_ranks_first_inside_a_query(server: str) -> None:
    rows = _rows(server, RANKED)
    assert rows[0]["concern"] == STEALING and len(rows) == 5
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] < scores[0] <= 1


def test_it_agrees_with_the_dense_scores_of_ask(server: str) -> None:
    question = "copying a model through its API"
    hits = httpx.get(f"{server}/ask", params={"q": question, "k": 5, "type": "concern"}).json()["hits"]
    dense = {h["iri"]: h["scores"]["dense"] for h in hits}
    ours = {r["concern"]: float(r["score"]) for r in _rows(server, RANKED)}
    assert set(dense) & set(ours)
    for iri in set(dense) & set(ours):
        assert abs(dense[iri] - ours[iri]) <= 5e-5 + 1e-5  # /ask rounds its scores to 4 places


def test_in_filter_and_between_two_nodes(server: str) -> None:
    close = (
        PREFIX
        + f"""SELECT ?concern WHERE {{ ?concern a mlkg:Concern
  FILTER(mlkg:similarity(?concern, <{STEALING}>) > 0.5 && ?concern != <{STEALING}>) }}"""
    )
    found = {r["concern"] for r in _rows(server, close)}
    assert "https://w3id.org/mlkg/id/concern/model-inversion" in found
    same = _rows(server, PREFIX + f"SELECT (mlkg:similarity(<{STEALING}>, <{STEALING}>) AS ?s) WHERE {{}}")
    assert abs(float(same[0]["s"]) - 1.0) < 1e-5


def test_an_unknown_node_is_refused_cleanly(server: str) -> None:
    query = PREFIX + 'SELECT ?s WHERE { BIND(mlkg:similarity(<urn:nowhere>, "drift") AS ?s) }'
    answer = httpx.get(f"{server}/sparql", params={"query": query})
    assert answer.status_code == 400
    assert "urn:nowhere" in answer.json()["error"]["message"] and "no embedding" in answer.json()["error"]["message"]


def test_the_service_description_declares_it(server: str) -> None:
    described = httpx.get(f"{server}/sparql", headers={"Accept": "text/turtle"}).text
    assert "extensionFunction" in described and "similarity" in described


def test_from_the_command_line(tmp_path: Path, cli_models: Path) -> None:
    data = tmp_path / "data"
    assert kg(data, "ingest", str(ROOT / "notes")).returncode == 0
    done = kg(data, "sparql", "--format", "json", RANKED)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]["bindings"]
    assert rows[0]["concern"]["value"] == STEALING
    refused = kg(data, "sparql", PREFIX + 'SELECT ?s WHERE { BIND(mlkg:similarity(<urn:nowhere>, "x") AS ?s) }')
    assert refused.returncode == 2 and "urn:nowhere" in refused.stderr
