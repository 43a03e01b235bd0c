"""The dataset of a query (SPARQL 1.1): the protocol's graphs override FROM, FROM overrides the union default."""

import httpx
import pytest

COUNT = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"
NOTE_GRAPH = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#> SELECT ?g WHERE { GRAPH ?g { ?n a mlkg:Note } } LIMIT 1"


def _rows(server: str, query: str, **dataset: list[str]) -> list[dict[str, str]]:
    params: list[tuple[str, str]] = [("query", query)]
    params += [(name.replace("_", "-"), iri) for name, iris in dataset.items() for iri in iris]
    answer = httpx.get(f"{server}/sparql", params=params, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def _count(server: str, query: str, **dataset: list[str]) -> int:
    return int(_rows(server, query, **dataset)[0]["n"])


@pytest.fixture(scope="module")
def note_graph(live_server: str) -> str:
    return _rows(live_server, NOTE_GRAPH)[0]["g"]


def test_from_a_graph_that_does_not_exist_is_empty(live_server: str) -> None:
    assert _count(live_server, COUNT.format(**{"from": "FROM <urn:nonexistent>"})) == 0


def test_from_one_graph_counts_that_graph(live_server: str, note_graph: str) -> None:
    in_graph = _count(live_server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{note_graph}> {{ ?s ?p ?o }} }}")
    everything = _count(live_server, COUNT.format(**{"from": ""}))
    assert 0 < in_graph < everything
    assert _count(live_server, COUNT.format(**{"from": f"FROM <{note_graph}>"})) == in_graph


def test_from_named_alone_leaves_an_empty_default_graph(live_server: str, note_graph: str) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{note_graph}> WHERE {{ ?s ?p ?o }}"
    assert _count(live_server, query) == 0
    graphs = f"SELECT DISTINCT ?g FROM NAMED <{note_graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert _rows(live_server, graphs) == [{"g": note_graph}]


def test_the_protocols_dataset_overrides_from(live_server: str, note_graph: str) -> None:
    in_graph = _count(live_server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{note_graph}> {{ ?s ?p ?o }} }}")
    query = COUNT.format(**{"from": "FROM <urn:nonexistent>"})
    assert _count(live_server, query, default_graph_uri=[note_graph]) == in_graph
    assert _count(live_server, COUNT.format(**{"from": f"FROM <{note_graph}>"}), named_graph_uri=[note_graph]) == 0


def test_without_any_dataset_the_default_graph_is_the_union(live_server: str, note_graph: str) -> None:
    union = _count(live_server, COUNT.format(**{"from": ""}))
    by_graph = _count(live_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert union > 0 and union <= by_graph
