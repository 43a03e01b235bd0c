"""The default setup (no KG_API_TOKEN) attacked from another site: cross-site writes and DNS rebinding fail."""

import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.write_token import load_or_create_token
from kg.settings import Settings

from .conftest import ROOT, live_server_for

EVIL = {"Origin": "http://evil.localhost:9999", "Sec-Fetch-Site": "cross-site"}
PLANTED = "# Planted\n\nA note a web page tried to store.\n"


@pytest.fixture(scope="module")
def tokenless(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[tuple[str, Path]]:
    """A real server started the default way: no token configured."""
    data = tmp_path_factory.mktemp("tokenless")
    for base in live_server_for(data, ROOT / "notes", encoder, api_token=None):
        yield base, data


def _seed_graph(base: str) -> str:
    query = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#> SELECT ?g WHERE { GRAPH ?g { ?n a mlkg:Note } }"
    rows = httpx.get(f"{base}/sparql", params={"query": query}).json()["results"]["bindings"]
    return str(rows[0]["g"]["value"])


def test_the_server_made_a_token_only_its_user_can_read(tokenless: tuple[str, Path]) -> None:
    _, data = tokenless
    token_path = data / "api-token"
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert len(token_path.read_text().strip()) >= 40
    assert load_or_create_token(data) == (token_path.read_text().strip(), False)


def test_no_cors_writes_from_another_page_store_nothing(tokenless: tuple[str, Path]) -> None:
    base, _ = tokenless
    seed = _seed_graph(base)
    planted = httpx.post(
        f"{base}/notes", params={"name": "planted.md"}, content=PLANTED, headers={"Content-Type": "text/plain", **EVIL}
    )
    dropped = httpx.post(f"{base}/sparql", data={"update": f"DROP GRAPH <{seed}>"}, headers=EVIL)
    assert planted.status_code == dropped.status_code == 403
    assert planted.json()["error"]["code"] == "cross_site"
    assert httpx.get(f"{base}/notes/planted").status_code == 404
    assert _seed_graph(base) == seed


def test_writes_without_the_token_are_refused_even_with_no_token_configured(tokenless: tuple[str, Path]) -> None:
    base, _ = tokenless
    seed = _seed_graph(base)
    planted = httpx.post(f"{base}/notes", params={"name": "planted.md"}, content=PLANTED)
    dropped = httpx.post(f"{base}/sparql", data={"update": f"DROP GRAPH <{seed}>"})
    assert planted.status_code == dropped.status_code == 403
    assert "Authorization: Bearer" in planted.json()["error"]["message"]
    assert _seed_graph(base) == seed and httpx.get(f"{base}/notes/planted").status_code == 404


def test_the_kept_token_writes_from_the_same_origin(tokenless: tuple[str, Path]) -> None:
    base, data = tokenless
    token = (data / "api-token").read_text().strip()
    same_origin = {"Origin": base, "Sec-Fetch-Site": "same-origin", "Authorization": f"Bearer {token}"}
    stored = httpx.post(f"{base}/notes", params={"name": "welcome.md"}, content=PLANTED, headers=same_origin)
    assert stored.status_code == 201, stored.text
    assert stored.json()["notes"][0]["status"] == "added"
    assert httpx.get(f"{base}/notes/welcome").json()["path"] == "welcome.md"
    gone = httpx.delete(f"{base}/notes/welcome", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 204


def test_a_rebound_host_name_gets_nothing(tokenless: tuple[str, Path]) -> None:
    base, _ = tokenless
    query = quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    for path in ("/health", f"/sparql?query={query}", "/"):
        rebound = httpx.get(f"{base}{path}", headers={"Host": "attacker.example:8000"})
        assert rebound.status_code == 400
        assert rebound.json()["error"]["code"] == "unknown_host"
        assert "triples" not in rebound.text and "bindings" not in rebound.text
    port = base.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert httpx.get(f"{base}/health", headers={"Host": host}).status_code == 200


def _client(tmp_path: Path, **settings: object) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path, vault=tmp_path / "none", allowed_hosts=["testserver"], **settings))
    return TestClient(app)


def test_cors_stays_closed_unless_origins_are_named(tmp_path: Path) -> None:
    preflight = {"Origin": "http://editor.example", "Access-Control-Request-Method": "POST"}
    with _client(tmp_path / "closed") as closed:
        answer = closed.options("/sparql", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
        assert (
            "access-control-allow-origin"
            not in closed.get("/health", headers={"Origin": "http://editor.example"}).headers
        )
    with _client(tmp_path / "open", cors_origins=["http://editor.example"]) as open_:
        answer = open_.options("/sparql", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "http://editor.example"
        query = {"query": "ASK { ?s ?p ?o }"}
        posted = open_.post("/sparql", data=query, headers={"Origin": "http://editor.example"})
        assert posted.status_code == 200 and posted.headers["access-control-allow-origin"] == "http://editor.example"
        other = open_.post("/sparql", data=query, headers={"Origin": "http://other.example"})
        assert other.status_code == 403
