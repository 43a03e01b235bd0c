"""The W3C SPARQL 1.1 Protocol test suite, run against a live server (data loaded as the manifest says)."""

import json
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection

from .conftest import ROOT

SUITE = ROOT / "tests" / "fixtures" / "w3c" / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
TOKEN = {"Authorization": "Bearer secret-token"}

MANIFEST = Graph().parse(SUITE / "manifest.ttl", format="turtle")
ENTRIES = list(Collection(MANIFEST, MANIFEST.value(next(MANIFEST.subjects(RDF.type, MF.Manifest)), MF.entries)))


def _requests(test: Any) -> list[Any]:
    return list(Collection(MANIFEST, MANIFEST.value(MANIFEST.value(test, MF.action), HT.requests)))


def _load(live_server: str, test: Any) -> None:
    """Empty the store, then load each graph the test names, into its named graph."""
    operations = ["DROP ALL"]
    for data in MANIFEST.objects(test, UT.graphData):
        triples = (SUITE / str(MANIFEST.value(data, UT.graph)).rsplit("/", 1)[-1]).read_text("utf-8")
        operations.append(f"INSERT DATA {{ GRAPH <{MANIFEST.value(data, RDFS_LABEL)}> {{ {triples} }} }}")
    done = httpx.post(
        f"{live_server}/sparql",
        content=" ;\n".join(operations),
        headers={"Content-Type": "application/sparql-update", **TOKEN},
    )
    assert done.status_code == 204, done.text


def _check_body(response: httpx.Response, expected: dict[str, Any]) -> None:
    fmt, boolean = expected.get("format"), expected.get("boolean")
    kind = response.headers.get("content-type", "").split(";")[0]
    if fmt == "boolean" and boolean is not None:
        value = (
            json.loads(response.text)["boolean"]
            if "json" in kind
            else ElementTree.fromstring(response.text).find(".//{*}boolean").text == "true"
        )
        assert value == boolean
    elif fmt == "tabular":
        assert "results" in json.loads(response.text) if "json" in kind else "<results" in response.text
    elif fmt == "RDF":
        assert len(Graph().parse(data=response.text, format={"text/turtle": "turtle"}.get(kind, kind))) >= 0


@pytest.fixture(scope="module", params=["embedded", "oxigraph", "virtuoso"])
def w3c_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, encoder) -> Any:
    """A live server over an empty vault (the suite drops and loads its own data), on the embedded
    store and on remote ones (Oxigraph's own server, Virtuoso 7)."""
    from .conftest import VIRTUOSO, OxigraphServer, VirtuosoServer, free_port, live_server_for

    empty = tmp_path_factory.mktemp("empty-vault")
    if request.param == "embedded":
        yield from live_server_for(tmp_path_factory.mktemp("w3c"), empty, encoder)
        return
    if request.param == "virtuoso" and VIRTUOSO is None:
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource; make test does)")
    store = (
        OxigraphServer(tmp_path_factory.mktemp("w3c-oxigraph"), free_port())
        if request.param == "oxigraph"
        else VirtuosoServer(tmp_path_factory.mktemp("w3c-virtuoso") / "db", free_port(), sql_port=free_port())
    )
    store.start()
    try:
        yield from live_server_for(tmp_path_factory.mktemp("w3c-remote"), empty, encoder, **store.settings)
    finally:
        store.kill()


@pytest.mark.parametrize("test", ENTRIES, ids=[str(e).rsplit("#", 1)[-1] for e in ENTRIES])
def test_w3c_protocol(w3c_server: str, test: Any) -> None:
    _load(w3c_server, test)
    for request in _requests(test):
        path = str(MANIFEST.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
        headers = {
            str(MANIFEST.value(h, HT.fieldName)): str(MANIFEST.value(h, HT.fieldValue))
            for h in Collection(MANIFEST, MANIFEST.value(request, HT.headers) or RDF.nil)
        }
        body = MANIFEST.value(request, HT.body)
        content = b""
        if body is not None:
            chars = str(MANIFEST.value(body, CNT.chars))
            encoding = str(MANIFEST.value(body, CNT.characterEncoding) or "UTF-8")
            content = chars.encode(encoding.lower())
        response = httpx.request(
            str(MANIFEST.value(request, HT.methodName)),
            f"{w3c_server}{path}",
            content=content,
            headers={**headers, **TOKEN},
        )
        reply = MANIFEST.value(request, HT.resp)
        classes = {str(s).rsplit("#", 1)[-1] for s in MANIFEST.objects(reply, MF.expectedStatus)}
        assert f"StatusCode{response.status_code // 100}xx" in classes, (response.status_code, response.text)
        boolean = MANIFEST.value(reply, MF.expectedBoolean)
        expected = {
            "format": str(MANIFEST.value(reply, MF.expectedFormat) or "") or None,
            "boolean": boolean.toPython() if boolean is not None else None,
        }
        if response.status_code < 300:
            _check_body(response, expected)
