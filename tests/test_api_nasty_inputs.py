"""A corpus of nasty notes posted to the live server: each gets a clear 4xx or is stored, never a 5xx,
and nothing is written outside the data directory."""

import httpx
import pytest

AUTH = {"Authorization": "Bearer secret-token"}
TABLE_HEAD = "| Stage | Step | Concern |\n|---|---|---|\n"

CORPUS = [
    ("deep nesting.md", "".join("\t" * i + "- level\n" for i in range(1500)).encode(), {201}),
    (
        "many rows.md",
        (TABLE_HEAD + "".join(f"| S{i % 7} | T{i % 29} | Concern {i} |\n" for i in range(3000))).encode(),
        {201, 422},
    ),
    ("broken yaml.md", b"---\ntitle: [unclosed\n---\n# x\n", {201}),
    ("nul.md", b"# title\x00\n", {415}),
    ("latin1.md", "# r\xe9sum\xe9\n".encode("latin-1"), {415}),
    (
        "rtl.md",
        "# \u202eevil\u202c and e\u0301\u0301\u0301 \u05e9\u05dc\u05d5\u05dd\n- \u0645\u0631\u062d\u0628\u0627\n".encode(),
        {201},
    ),
    ("only frontmatter.md", b"---\ntitle: Just metadata\ntags: [a]\n---\n", {201}),
    ("empty.md", b"", {201}),
    ("wikilink tricks.md", b"[[../../../etc/passwd]] [[/abs/path|x]] ![[../../secret.png]] [[a#b#c|d|e]]\n", {201}),
    ("huge.md", b"x" * 2_000_001, {413}),
]
NAMES = [
    ("../../outside.md", {400}),
    ("/tmp/absolute.md", {201}),
    ("a" * 300 + ".md", {400}),
    ("..", {400}),
    (".hidden.md", {400}),
    ("topic/.git/config.md", {400}),
    ("nul\x00byte.md", {400}),
    ("line\nbreak.md", {400}),
]


@pytest.mark.parametrize(("name", "body", "allowed"), CORPUS, ids=[c[0] for c in CORPUS])
def test_nasty_notes(live_server: str, name: str, body: bytes, allowed: set[int]):
    response = httpx.post(f"{live_server}/notes", params={"name": name}, content=body, headers=AUTH, timeout=120)
    assert response.status_code in allowed, response.text[:500]
    if response.status_code >= 400:
        assert response.json()["error"]["message"]
    else:
        note_id = response.json()["notes"][0]["id"]
        assert httpx.delete(f"{live_server}/notes/{note_id}", headers=AUTH).status_code == 204


@pytest.mark.parametrize(
    ("name", "allowed"), NAMES, ids=["parent", "absolute", "long", "dots", "hidden", "hidden-folder", "nul", "newline"]
)
def test_path_tricks_in_names_stay_inside_the_data_directory(live_server: str, tmp_path, name: str, allowed):
    response = httpx.post(f"{live_server}/notes", params={"name": name}, content=b"# x\n", headers=AUTH)
    assert response.status_code in allowed, response.text[:300]
    if response.status_code == 201:
        note = httpx.get(f"{live_server}/notes/{response.json()['notes'][0]['id']}").json()
        assert note["path"] == "tmp/absolute.md"  # a vault path: folders kept, never absolute
        assert httpx.delete(f"{live_server}/notes/{note['id']}", headers=AUTH).status_code == 204
    else:
        assert response.json()["error"]["message"]


@pytest.mark.parametrize("note_id", ['"', "a>b", "x} } DROP ALL ; #", "%20", "a b"])
def test_note_ids_that_are_no_iri_are_not_found_and_never_reach_sparql(live_server: str, note_id: str):
    response = httpx.get(f"{live_server}/notes/{note_id}")
    assert response.status_code == 404, response.text[:300]
    assert "no imported note" in response.json()["error"]["message"]
    assert httpx.get(f"{live_server}/health").json()["notes"] >= 1  # nothing was dropped


def test_content_hashes_written_by_sparql_never_become_file_paths(live_server: str, tmp_path):
    """An update that plants `mlkg:contentHash "../../victim"` cannot make the server read or delete files."""
    victim = tmp_path / "victim.md"
    victim.write_text("secret", "utf-8")
    relative = "../" * 12 + str(victim.with_suffix(""))[1:]
    note = "https://w3id.org/mlkg/id/note/evil"
    planted = (
        f'INSERT DATA {{ GRAPH <{note}> {{ <{note}> <https://w3id.org/mlkg/ontology#contentHash> "{relative}" ; '
        '<https://w3id.org/mlkg/ontology#path> "evil.md" ; <http://purl.org/dc/terms/title> "evil" } }'
    )
    done = httpx.post(f"{live_server}/sparql", data={"update": planted}, headers=AUTH)
    assert done.status_code == 204, done.text
    shown = httpx.get(f"{live_server}/notes/evil").json()
    assert shown["markdown"] is None and "secret" not in str(shown)
    dropped = httpx.post(f"{live_server}/sparql", data={"update": f"DROP GRAPH <{note}>"}, headers=AUTH)
    assert dropped.status_code == 204
    assert victim.read_text("utf-8") == "secret"
