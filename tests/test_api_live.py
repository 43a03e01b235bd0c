"""The HTTP service on a real uvicorn server, used by real clients."""

import io

import httpx
import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from SPARQLWrapper import JSON, SPARQLWrapper

from .conftest import FIXTURES

AUTH = {"Authorization": "Bearer secret-token"}
SECURITY = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?c a mlkg:Concern ; rdfs:label ?label ; mlkg:step/rdfs:label "Security" } ORDER BY ?label"""


def test_health_and_openapi(live_server: str):
    health = httpx.get(f"{live_server}/health").json()
    assert health["notes"] == 1 and health["triples"] > 1000 and health["model"] == "all-MiniLM-L6-v2"
    assert health["index_size"] >= 64
    spec = httpx.get(f"{live_server}/openapi.json").json()
    assert {"/ask", "/sparql", "/notes", "/notes/{note_id}", "/concerns/{slug}", "/graph/path"} <= set(spec["paths"])
    assert httpx.get(f"{live_server}/docs").status_code == 200


def test_ask_puts_model_stealing_first(live_server: str):
    answer = httpx.get(f"{live_server}/ask", params={"q": "someone is copying my model through its API"}).json()
    first = answer["hits"][0]
    assert (first["label"], first["step"]["label"], first["stage"]["label"]) == (
        "Model stealing",
        "Security",
        "Cross-cutting aspects",
    )
    assert "took_ms" in answer
    posted = httpx.post(
        f"{live_server}/ask", json={"q": "attackers recover training records", "k": 2, "type": "concern"}
    ).json()
    assert posted["hits"][0]["label"] == "Model inversion" and len(posted["hits"]) == 2


def test_sparqlwrapper_and_rdflib_sparqlstore(live_server: str):
    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setQuery(SECURITY)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [r["label"]["value"] for r in rows] == ["Data poisoning", "Model inversion", "Model stealing"]
    store = SPARQLStore(f"{live_server}/sparql", returnFormat="json")
    graph = Graph(store=store)
    assert [str(r[0]) for r in graph.query(SECURITY)] == ["Data poisoning", "Model inversion", "Model stealing"]


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
    ],
)
def test_select_formats_parse_back_with_rdflib(live_server: str, accept: str, rdflib_format: str):
    response = httpx.get(f"{live_server}/sparql", params={"query": SECURITY}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    result = Result.parse(io.BytesIO(response.content), format=rdflib_format)
    assert sorted(str(row[0]) for row in result) == ["Data poisoning", "Model inversion", "Model stealing"]


def test_ask_as_xml_and_format_override(live_server: str):
    ask = {"query": "ASK { ?c <http://www.w3.org/2000/01/rdf-schema#label> 'Model stealing' }"}
    xml = httpx.get(f"{live_server}/sparql", params=ask, headers={"Accept": "application/sparql-results+xml"})
    assert Result.parse(io.BytesIO(xml.content), format="xml").askAnswer is True
    csv_by_param = httpx.get(
        f"{live_server}/sparql", params={"query": SECURITY, "format": "csv"}, headers={"Accept": "text/html"}
    )
    assert csv_by_param.headers["content-type"].startswith("text/csv")
    assert csv_by_param.text.splitlines()[1] == "Data poisoning"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_formats_parse_back(live_server: str, accept: str, rdflib_format: str):
    query = "CONSTRUCT { ?c ?p ?o } WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#label> 'Model stealing' ; ?p ?o }"
    response = httpx.post(
        f"{live_server}/sparql", content=query, headers={"Content-Type": "application/sparql-query", "Accept": accept}
    )
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format=rdflib_format)
    assert len(graph) >= 8


def test_protocol_errors(live_server: str):
    sparql = f"{live_server}/sparql"
    bad = httpx.get(sparql, params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert bad.status_code == 400 and "SPARQL syntax error" in bad.json()["error"]["message"]
    two = httpx.get(f"{sparql}?query=ASK%7B%7D&query=ASK%7B%7D")
    assert two.status_code == 400 and "2 'query' parameters" in two.json()["error"]["message"]
    assert httpx.post(sparql, content="ASK {}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert httpx.get(sparql, params={"default-graph-uri": "urn:x"}).status_code == 400  # a dataset, no query
    described = httpx.get(sparql)  # no parameters at all: the service description
    assert described.status_code == 200 and described.headers["content-type"].startswith("text/turtle")
    get_update = httpx.get(sparql, params={"update": "CLEAR ALL"})
    assert get_update.status_code == 400 and "POST" in get_update.json()["error"]["message"]
    latin = httpx.post(sparql, content=b"ASK { ?s ?p '\xe9' }", headers={"Content-Type": "application/sparql-query"})
    assert latin.status_code == 400 and "UTF-8" in latin.json()["error"]["message"]
    assert httpx.get(sparql, params={"query": "ASK {}"}, headers={"Accept": "image/png"}).status_code == 406


def test_update_needs_the_token(live_server: str):
    update = "INSERT DATA { GRAPH <urn:test:g> { <urn:test:s> <urn:test:p> 'o' } }"
    form = {"update": update}
    denied = httpx.post(f"{live_server}/sparql", data=form)
    assert denied.status_code == 403
    ask = {"query": "ASK { GRAPH <urn:test:g> { <urn:test:s> ?p ?o } }"}
    assert httpx.get(f"{live_server}/sparql", params=ask).json()["boolean"] is False
    assert httpx.post(f"{live_server}/sparql", data=form, headers=AUTH).status_code == 204
    assert httpx.get(f"{live_server}/sparql", params=ask).json()["boolean"] is True
    dataset = {"query": "ASK { <urn:test:s> ?p ?o }", "default-graph-uri": "urn:test:other"}
    assert httpx.get(f"{live_server}/sparql", params=dataset).json()["boolean"] is False
    dataset["default-graph-uri"] = "urn:test:g"
    assert httpx.get(f"{live_server}/sparql", params=dataset).json()["boolean"] is True
    httpx.post(
        f"{live_server}/sparql",
        content="DROP GRAPH <urn:test:g>",
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )


def test_a_posted_note_is_searchable_and_queryable_then_gone(live_server: str):
    text = (FIXTURES / "Stealing Machine Learning Models via Prediction APIs.md").read_bytes()
    assert httpx.post(f"{live_server}/notes", params={"name": "Tramer.md"}, content=text).status_code == 403
    created = httpx.post(f"{live_server}/notes", params={"name": "Tramer.md"}, content=text, headers=AUTH)
    assert created.status_code == 201, created.text
    body = created.json()["notes"][0]  # the import result: one note
    assert body["id"] == "tramer" and body["status"] == "added" and body["triples_added"] > 50
    assert "https://w3id.org/mlkg/id/concern/membership-leakage" in {d["iri"] for d in body["discusses"]}
    hits = httpx.get(
        f"{live_server}/ask",
        params={"q": "confidence scores reveal training set membership", "type": "concern", "k": 1},
    ).json()["hits"]
    assert hits[0]["label"] == "Membership leakage"
    detail = httpx.get(f"{live_server}/notes/tramer").json()
    assert detail["markdown"].startswith("---\ntitle: Stealing") and detail["path"] == "Tramer.md"
    assert any(d["label"] == "Membership leakage" for d in detail["derived"])
    ask = {"query": "ASK { ?c <http://www.w3.org/2000/01/rdf-schema#label> 'Membership leakage' }"}
    assert httpx.get(f"{live_server}/sparql", params=ask).json()["boolean"] is True
    health = httpx.get(f"{live_server}/health").json()
    assert httpx.delete(f"{live_server}/notes/tramer", headers=AUTH).status_code == 204
    assert httpx.get(f"{live_server}/health").json()["notes"] == health["notes"] - 1
    assert httpx.get(f"{live_server}/sparql", params=ask).json()["boolean"] is False
    assert httpx.get(f"{live_server}/notes/tramer").status_code == 404
    gone = httpx.get(f"{live_server}/ask", params={"q": "membership leakage", "type": "concern", "k": 3}).json()
    assert "Membership leakage" not in [h["label"] for h in gone["hits"]]


def test_bad_notes_get_their_4xx_and_change_nothing(live_server: str):
    before = httpx.get(f"{live_server}/health").json()["triples"]
    broken = httpx.post(
        f"{live_server}/notes",
        params={"name": "bad.md"},
        headers=AUTH,
        content=(FIXTURES / "Broken frontmatter.md").read_bytes(),
    )
    assert broken.status_code == 201  # Obsidian opens it: imported with its body and a warning on its line
    (warning,) = broken.json()["notes"][0]["warnings"]
    assert (warning["path"], warning["line"]) == ("bad.md", 3) and "invalid YAML" in warning["message"]
    assert httpx.delete(f"{live_server}/notes/bad", headers=AUTH).status_code == 204
    orphan = b"| Stage | Step | Concern |\n|---|---|---|\n| S | | Orphan |\n"
    refused = httpx.post(f"{live_server}/notes", params={"name": "orphan.md"}, headers=AUTH, content=orphan)
    assert refused.status_code == 422
    problem = refused.json()["error"]["problems"][0]
    assert (problem["path"], problem["line"]) == ("orphan.md", 3)
    latin = httpx.post(f"{live_server}/notes", params={"name": "latin.md"}, headers=AUTH, content=b"# Caf\xe9\n")
    assert latin.status_code == 415 and latin.json()["error"]["problems"][0]["line"] == 1
    huge = httpx.post(f"{live_server}/notes", params={"name": "huge.md"}, headers=AUTH, content=b"a" * 2_000_001)
    assert huge.status_code == 413
    nameless = httpx.post(f"{live_server}/notes", headers=AUTH, content=b"# x\n")
    assert nameless.status_code == 400 and "path in the vault" in nameless.json()["error"]["message"]
    assert httpx.get(f"{live_server}/health").json()["triples"] == before


def test_browse_routes(live_server: str):
    concerns = httpx.get(f"{live_server}/concerns").json()
    assert len(concerns) == 38
    stealing = httpx.get(f"{live_server}/concerns/model-stealing").json()
    assert stealing["step"]["label"] == "Security" and stealing["sources"][0]["line"] == 41
    assert len(httpx.get(f"{live_server}/stages").json()) == 5
    assert len(httpx.get(f"{live_server}/steps").json()) == 16
    assert httpx.get(f"{live_server}/concerns/no-such-thing").status_code == 404
    around = httpx.get(f"{live_server}/graph/neighbours", params={"iri": stealing["iri"], "depth": 1}).json()
    assert "https://w3id.org/mlkg/id/step/security" in {n["iri"] for n in around["nodes"]}
    route = httpx.get(
        f"{live_server}/graph/path",
        params={"from": stealing["iri"], "to": "https://w3id.org/mlkg/id/concern/data-poisoning"},
    ).json()["path"]
    assert route[0]["label"] == "Model stealing" and route[-1]["label"] == "Data poisoning" and len(route) == 3
    assert httpx.get(f"{live_server}/graph/neighbours", params={"iri": "urn:nothing"}).status_code == 404


def test_service_and_load_are_refused(live_server: str):
    service = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    refused = httpx.get(f"{live_server}/sparql", params={"query": service})
    assert refused.status_code == 403 and "SERVICE is disabled" in refused.json()["error"]["message"]
    load = httpx.post(f"{live_server}/sparql", data={"update": "LOAD <http://example.org/data.ttl>"}, headers=AUTH)
    assert load.status_code == 403 and "LOAD is disabled" in load.json()["error"]["message"]
    quoted = httpx.get(f"{live_server}/sparql", params={"query": "ASK { ?s ?p 'SERVICE and LOAD' }"})
    assert quoted.status_code == 200


def test_put_replaces_a_note_and_reports_what_changed(live_server: str):
    first = b"| Stage | Step | Concern |\n|---|---|---|\n| Ops | Serving | Cold starts |\n"
    created = httpx.post(f"{live_server}/notes", params={"name": "Serving notes.md"}, content=first, headers=AUTH)
    assert created.status_code == 201 and created.json()["notes"][0]["id"] == "serving-notes"
    second = first + b"| | | Tail latency |\n"
    replaced = httpx.put(f"{live_server}/notes/serving-notes", content=second, headers=AUTH)
    assert replaced.status_code == 200, replaced.text
    result = replaced.json()
    body = result["notes"][0]
    assert body["status"] == "updated" and body["triples_added"] > 10
    assert body["triples_removed"] == 1  # only the old content hash: adding a row removes nothing else
    assert "https://w3id.org/mlkg/id/concern/tail-latency" in {d["iri"] for d in body["discusses"]}
    assert result["index"]["encoded"] >= 1 and result["summary"]["updated"] == 1
    unchanged = httpx.put(f"{live_server}/notes/serving-notes", content=second, headers=AUTH).json()["notes"][0]
    assert (unchanged["status"], unchanged["triples_added"], unchanged["triples_removed"]) == ("unchanged", 0, 0)
    assert httpx.put(f"{live_server}/notes/nobody", content=second, headers=AUTH).status_code == 404
    assert httpx.delete(f"{live_server}/notes/serving-notes", headers=AUTH).status_code == 204


def test_multipart_upload(live_server: str):
    text = b"---\ntitle: Uploaded\n---\n| Stage | Step | Concern |\n|---|---|---|\n| Ops | Serving | Upload limits |\n"
    done = httpx.post(f"{live_server}/notes", files={"file": ("Uploaded note.md", text, "text/markdown")}, headers=AUTH)
    assert done.status_code == 201, done.text
    assert done.json()["notes"][0]["id"] == "uploaded-note"
    assert "https://w3id.org/mlkg/id/concern/upload-limits" in {d["iri"] for d in done.json()["notes"][0]["discusses"]}
    assert httpx.get(f"{live_server}/notes/uploaded-note").json()["markdown"].startswith("---\ntitle: Uploaded")
    missing = httpx.post(f"{live_server}/notes", files={"other": ("x.md", b"# x", "text/markdown")}, headers=AUTH)
    assert missing.status_code == 400 and "'file' part" in missing.json()["error"]["message"]
    assert httpx.delete(f"{live_server}/notes/uploaded-note", headers=AUTH).status_code == 204


def test_put_reports_links_gained_and_lost_and_relinks_other_notes(live_server: str):
    concern, note = "https://w3id.org/mlkg/id/concern/", "https://w3id.org/mlkg/id/note/"
    reader = b"# Reading\n- [[Attack notes]] collects what I know.\n"
    assert httpx.post(f"{live_server}/notes", params={"name": "Reader.md"}, content=reader, headers=AUTH).is_success
    first = b"---\ntitle: Attack notes\n---\nModel extraction through a public API is cheap.\n"
    created = httpx.post(f"{live_server}/notes", params={"name": "Attacks.md"}, content=first, headers=AUTH)
    result = created.json()
    body = result["notes"][0]
    assert body["links_gained"] == [f"{concern}model-stealing"]
    assert result["notes_relinked"] == 1 and result["relinked"] == [
        f"{note}reader"
    ]  # Reader's [[Attack notes]] now resolves to this note, by its title
    reader_links = httpx.get(f"{live_server}/graph/neighbours", params={"iri": f"{note}reader"}).json()
    assert f"{note}attacks" in str(reader_links) and f"{note}attack-notes" not in str(reader_links)
    link = next(d for d in body["discusses"] if d["iri"] == f"{concern}model-stealing")
    assert (link["method"], link["score"], link["line"]) == ("mention", 1.0, 4)
    assert link["evidence"] == "Model extraction through a public API is cheap."
    second = b"---\ntitle: Attack notes\n---\nPoisoning attacks plant triggers in the training data.\n"
    result = httpx.put(f"{live_server}/notes/attacks", content=second, headers=AUTH).json()
    replaced = result["notes"][0]
    assert replaced["links_gained"] == [f"{concern}data-poisoning"]
    assert replaced["links_lost"] == [f"{concern}model-stealing"]
    # the note's own graph lost only its content hash; what its links lost is in links_lost
    assert replaced["triples_removed"] == 1 and result["notes_relinked"] == 0
    asked = httpx.get(f"{live_server}/ask", params={"q": "poisoned training data", "type": "concern", "k": 1}).json()
    assert f"{note}attacks" in {n["iri"] for n in asked["hits"][0]["notes"]}
    for name in ("attacks", "reader"):
        assert httpx.delete(f"{live_server}/notes/{name}", headers=AUTH).status_code == 204
