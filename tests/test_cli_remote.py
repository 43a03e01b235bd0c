"""`kg` over a remote store: ingest, ask and sparql against a real Oxigraph server."""

import json
from pathlib import Path

import pytest

from .conftest import ROOT, OxigraphServer, kg


def test_the_cli_ingests_asks_and_queries_a_remote_store(
    tmp_path: Path, oxigraph_server: OxigraphServer, cli_models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in oxigraph_server.env.items():
        monkeypatch.setenv(key, value)
    ingested = kg(tmp_path, "ingest", str(ROOT / "notes"))
    assert ingested.returncode == 0, ingested.stderr
    assert not (tmp_path / "store").exists()  # the graph lives in the remote store only
    answer = json.loads(kg(tmp_path, "ask", "copying a model through its API", "-k", "1", "--json").stdout)
    assert answer["hits"][0]["label"] == "Model stealing"
    counted = kg(tmp_path, "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/mlkg/ontology#Concern> }")
    assert counted.returncode == 0 and "38" in counted.stdout
    ranked = kg(
        tmp_path,
        "sparql",
        'SELECT ?c WHERE { ?c ?p ?o } ORDER BY DESC(<https://w3id.org/mlkg/ontology#similarity>(?c, "x"))',
    )
    assert ranked.returncode == 2 and "embedded store only" in ranked.stderr
