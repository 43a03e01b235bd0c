"""A private vault (KG_READ_TOKEN): every data route needs the read token or the write token."""

from collections.abc import Iterator

import httpx
import pytest

from .conftest import ROOT, live_server_for

READ = {"Authorization": "Bearer reader-token"}
WRITE = {"Authorization": "Bearer secret-token"}
DATA_ROUTES = [
    "/health",
    "/ask?q=drift",
    "/sparql?query=ASK%7B%7D",
    "/notes",
    "/concerns",
    "/void",
    "/metrics",
    "/lifecycle",
]


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[str]:
    yield from live_server_for(tmp_path_factory.mktemp("private"), ROOT / "notes", encoder, read_token="reader-token")


@pytest.mark.parametrize("route", DATA_ROUTES)
def test_data_routes_need_a_token(private: str, route: str) -> None:
    refused = httpx.get(f"{private}{route}")
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert refused.json()["error"]["code"] == "read_token_required"
    assert "Model stealing" not in refused.text
    wrong = httpx.get(f"{private}{route}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    for token in (READ, WRITE):
        assert httpx.get(f"{private}{route}", headers=token).status_code == 200


def test_the_page_shell_and_the_api_description_stay_open(private: str) -> None:
    for route in ("/", "/static/app.js", "/docs", "/openapi.json"):
        assert httpx.get(f"{private}{route}").status_code == 200, route
    prefixes = httpx.get(f"{private}/prefixes")  # the schema's, for the editor's completion: no vault data
    assert prefixes.status_code == 200
    assert prefixes.json()["concern"] == "https://w3id.org/mlkg/id/concern/"
    assert prefixes.json()["mlkg"] == "https://w3id.org/mlkg/ontology#"


def test_the_read_token_does_not_write(private: str) -> None:
    note = b"# Private\n\nModel stealing.\n"
    refused = httpx.post(f"{private}/notes", params={"name": "private.md"}, content=note, headers=READ)
    assert refused.status_code == 403
    assert httpx.get(f"{private}/notes/private", headers=READ).status_code == 404
    stored = httpx.post(f"{private}/notes", params={"name": "private.md"}, content=note, headers=WRITE)
    assert stored.status_code == 201
