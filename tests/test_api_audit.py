"""Writes are recorded in DATA_DIR/audit.jsonl: when, which token, which note and hash, what changed."""

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import FIXTURES, ROOT, live_server_for

AUTH = {"Authorization": "Bearer secret-token"}


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("audited")
    for url in live_server_for(data, ROOT / "notes", encoder):
        yield url, data


def test_every_write_is_in_the_audit_log(audited: tuple[str, Path]):
    url, data = audited
    text = (FIXTURES / "Tables that are not lifecycles.md").read_bytes()
    assert httpx.post(f"{url}/notes", params={"name": "Bench.md"}, content=text).status_code == 403
    assert httpx.post(f"{url}/notes", params={"name": "Bench.md"}, content=text, headers=AUTH).status_code == 201
    update = "INSERT DATA { GRAPH <urn:audit> { <urn:s> <urn:p> 1 } }"
    assert httpx.post(f"{url}/sparql", data={"update": update}, headers=AUTH).status_code == 204
    assert httpx.delete(f"{url}/notes/bench", headers=AUTH).status_code == 204
    lines = [json.loads(line) for line in (data / "audit.jsonl").read_text("utf-8").splitlines()]
    intents = [e for e in lines if e["phase"] == "intent"]
    entries = [e for e in lines if e["phase"] == "done"]
    assert [e["action"] for e in entries] == ["import", "sparql_update", "delete"]
    assert [e["outcome"] for e in entries] == ["ok", "ok", "ok"]
    # each write's intent is written before it, with the same write id
    assert [e["write"] for e in intents] == [e["write"] for e in entries]
    assert all(lines.index(i) < lines.index(d) for i, d in zip(intents, entries, strict=True))
    expected_token = "sha256:" + hashlib.sha256(b"secret-token").hexdigest()[:12]
    assert {e["token"] for e in lines} == {expected_token}
    assert "secret-token" not in (data / "audit.jsonl").read_text("utf-8")
    assert intents[0]["path"] == "Bench.md" and intents[0]["content_hash"] == hashlib.sha256(text).hexdigest()
    imported = entries[0]["notes"][0]
    assert imported["note"].endswith("/note/bench") and imported["status"] == "added"
    assert imported["content_hash"] == hashlib.sha256(text).hexdigest() and imported["triples_added"] > 5
    assert intents[1]["update_hash"] == hashlib.sha256(update.encode()).hexdigest()
    assert intents[2]["path"] == "Bench.md" and entries[2]["time"] >= entries[0]["time"]


def test_a_failed_write_is_audited_with_its_outcome(audited: tuple[str, Path]):
    url, data = audited
    before = len((data / "audit.jsonl").read_text("utf-8").splitlines())
    broken = b"# Broken\n\n| Stage | Step |\n|---|---|\n| only one cell |\n" + b"\xff\xfe"
    refused = httpx.post(f"{url}/notes", params={"name": "Broken.md"}, content=broken, headers=AUTH)
    assert refused.status_code in (415, 422)
    lines = [json.loads(line) for line in (data / "audit.jsonl").read_text("utf-8").splitlines()][before:]
    assert [e["phase"] for e in lines] == ["intent", "done"] and lines[0]["write"] == lines[1]["write"]
    assert lines[1]["outcome"] == refused.json()["error"]["code"] and lines[1]["message"]
