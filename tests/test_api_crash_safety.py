"""SIGKILL the server in the middle of imports and deletes: every acknowledged note survives,
no partial note graph exists, and the restarted server's index matches its store."""

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.synth_vault import write_vault

from .conftest import free_port, start_kg_server

KG = str(Path(sys.executable).parent / "kg")
AUTH = {"Authorization": "Bearer secret-token"}
PARTIAL = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?g WHERE { GRAPH ?g { ?n mlkg:path ?p } FILTER NOT EXISTS { GRAPH ?g { ?g mlkg:contentHash ?h } } }"""

LINKED = "SELECT ?g WHERE { GRAPH ?g { ?g <https://w3id.org/mlkg/ontology#linkState> ?s } }"


def start(data: Path, models: Path, port: int) -> subprocess.Popen[bytes]:
    return start_kg_server(data, models, port)


@pytest.mark.timeout(600)
def test_sigkill_during_writes_loses_no_acknowledged_note(tmp_path: Path, models_dir: Path, encoder):
    vault = write_vault(60, tmp_path / "vault")
    notes = sorted(vault.glob("*.md"))
    data, port = tmp_path / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(data, models_dir, port)
    acknowledged: list[str] = []
    deleted: list[str] = []

    def write() -> None:
        with httpx.Client(base_url=base, headers=AUTH, timeout=30) as client:
            for index, note in enumerate(notes):
                try:
                    response = client.post("/notes", params={"name": note.name}, content=note.read_bytes())
                    if response.status_code == 201:
                        acknowledged.append(response.json()["notes"][0]["id"])
                    if index % 7 == 6 and acknowledged:
                        victim = acknowledged[0]
                        if client.delete(f"/notes/{victim}").status_code == 204:
                            deleted.append(acknowledged.pop(0))
                except httpx.TransportError:
                    return

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 120
    while len(acknowledged) + len(deleted) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.send_signal(signal.SIGKILL)
    server.wait()
    writer.join()
    assert len(acknowledged) >= 8, "too few writes before the kill to test anything"

    server = start(data, models_dir, port)
    try:
        listed_notes = httpx.get(f"{base}/notes").json()
        stored = {n["id"] for n in listed_notes}
        assert set(acknowledged) <= stored
        assert not set(deleted) & stored
        # every stored note was announced in the audit log before it was written, acknowledged or not
        audit = [json.loads(line) for line in (data / "audit.jsonl").read_text("utf-8").splitlines()]
        intended = {e["path"] for e in audit if e["phase"] == "intent" and e["action"] == "import"}
        vault_paths = {n["path"] for n in listed_notes if n["path"] in {p.name for p in notes}}
        assert vault_paths <= intended
        done = {e["write"] for e in audit if e["phase"] == "done"}
        assert len([e for e in audit if e["phase"] == "intent" and e["write"] not in done]) <= 1  # the one cut short
        partial = httpx.get(f"{base}/sparql", params={"query": PARTIAL}).json()["results"]["bindings"]
        assert partial == []
        linked = httpx.get(f"{base}/sparql", params={"query": LINKED}).json()["results"]["bindings"]
        assert {b["g"]["value"].rsplit("/", 1)[1] for b in linked} == stored  # links reconciled on restart
        health = httpx.get(f"{base}/health").json()
        listed = httpx.get(f"{base}/concerns").json()
        concerns = httpx.get(
            f"{base}/sparql",
            params={
                "query": (
                    "PREFIX mlkg: <https://w3id.org/mlkg/ontology#> SELECT DISTINCT ?c WHERE { ?c a mlkg:Concern }"
                )
            },
        ).json()
        assert {c["iri"] for c in listed} == {b["c"]["value"] for b in concerns["results"]["bindings"]}
        assert health["notes"] == len(stored)
        first = sorted(acknowledged)[0]
        hits = httpx.get(f"{base}/notes/{first}").json()["derived"]
        assert hits, "an acknowledged note lost what was derived from it"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
