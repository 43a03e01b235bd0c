"""Request bodies are counted as they arrive, on every route: a chunked body is cut at the limit."""

from collections.abc import Iterator

import httpx
import pytest

from .conftest import ROOT, live_server_for

TOKEN = {"Authorization": "Bearer secret-token"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[str]:
    yield from live_server_for(
        tmp_path_factory.mktemp("bodies"), ROOT / "notes", encoder, max_query_bytes=10_000, max_note_bytes=20_000
    )


def _chunks(total: int, piece: bytes = b"x" * 4096) -> Iterator[bytes]:
    """A body with no Content-Length (chunked transfer), as an attacker streams it."""
    for _ in range(total // len(piece)):
        yield piece


def _refused(answer: httpx.Response) -> None:
    assert answer.status_code == 413, answer.text
    error = answer.json()["error"]
    assert error["code"] == "payload_too_large" and "bytes" in error["message"]


def test_a_chunked_sparql_body_is_cut_at_the_limit(server: str) -> None:
    answer = httpx.post(
        f"{server}/sparql", content=_chunks(5_000_000), headers={"Content-Type": "application/sparql-query"}
    )
    _refused(answer)


def test_ask_has_a_limit_declared_or_chunked(server: str) -> None:
    question = {"q": "drift " * 5000, "k": 3}
    _refused(httpx.post(f"{server}/ask", json=question))
    _refused(httpx.post(f"{server}/ask", content=_chunks(5_000_000), headers={"Content-Type": "application/json"}))
    fine = httpx.post(f"{server}/ask", json={"q": "the data changed after deployment", "k": 3})
    assert fine.status_code == 200 and fine.json()["hits"]


def test_a_chunked_note_over_its_limit_is_refused_and_not_stored(server: str) -> None:
    answer = httpx.post(
        f"{server}/notes",
        params={"name": "streamed.md"},
        content=(b"# Streamed\n\n" + chunk for chunk in _chunks(400_000, b"Model stealing. " * 256)),
        headers={"Content-Type": "text/markdown", **TOKEN},
    )
    _refused(answer)
    assert httpx.get(f"{server}/notes/streamed").status_code == 404
    small = httpx.post(
        f"{server}/notes", params={"name": "small.md"}, content=b"# Small\n\nModel stealing.\n", headers=TOKEN
    )
    assert small.status_code == 201
