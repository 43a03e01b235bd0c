"""GET /sparql with no query describes the endpoint (checked against the W3C service-description tests); /void the data."""

from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from rdflib import DCTERMS, OWL, RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from api.dataset_description import SUBSETS_UP_TO, void_description
from api.service.core import Services

from .conftest import ROOT

SUITE = ROOT / "tests" / "fixtures" / "w3c" / "service-description"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
MANIFEST = Graph().parse(SUITE / "manifest.ttl", format="turtle")
ENTRIES = [
    str(e).rsplit("#", 1)[1]
    for e in Collection(MANIFEST, MANIFEST.value(next(MANIFEST.subjects(RDF.type, MF.Manifest)), MF.entries))
]
PARSERS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml"}
# the SD vocabulary's classes of each property's subject, and what its objects must be
SCHEMA: dict[URIRef, tuple[URIRef, Any]] = {
    SD.endpoint: (SD.Service, URIRef),
    SD.supportedLanguage: (SD.Service, {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}),
    SD.feature: (
        SD.Service,
        {SD.DereferencesURIs, SD.UnionDefaultGraph, SD.RequiresDataset, SD.EmptyGraphs, SD.BasicFederatedQuery},
    ),
    SD.resultFormat: (SD.Service, URIRef),
    SD.defaultEntailmentRegime: (SD.Service, URIRef),
    SD.defaultDataset: (SD.Service, SD.Dataset),
    SD.defaultGraph: (SD.Dataset, SD.Graph),
    SD.extensionFunction: (SD.Service, SD.Function),
}


def _description(server: str, accept: str) -> Graph:
    answer = httpx.get(f"{server}/sparql", headers={"Accept": accept})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(accept)
    return Graph().parse(data=answer.text, format=PARSERS[accept])


def _returns_rdf(server: str) -> None:
    graphs = [_description(server, accept) for accept in PARSERS]
    assert all(len(g) > 10 for g in graphs)
    assert len({len(g) for g in graphs}) == 1


def _has_endpoint_triple(server: str) -> None:
    graph = _description(server, "text/turtle")
    services = list(graph.subjects(SD.endpoint, URIRef(f"{server}/sparql")))
    assert len(services) == 1 and (services[0], RDF.type, SD.Service) in graph


def _conforms_to_schema(server: str) -> None:
    graph = _description(server, "application/ld+json")
    used = {p for p in graph.predicates() if str(p).startswith(str(SD))}
    assert used <= set(SCHEMA), used - set(SCHEMA)
    for prop, (domain, expected) in SCHEMA.items():
        for subject, value in graph.subject_objects(prop):
            assert (subject, RDF.type, domain) in graph, (prop, subject)
            if isinstance(expected, set):
                assert value in expected, (prop, value)
            elif expected is URIRef:
                assert isinstance(value, URIRef), (prop, value)
            else:
                assert (value, RDF.type, expected) in graph, (prop, value)
    service = next(graph.subjects(RDF.type, SD.Service))
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}
    assert SD.BasicFederatedQuery not in set(graph.objects(service, SD.feature))  # SERVICE is refused
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(service, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_CSV", "Turtle", "JSON-LD"} <= formats


CHECKS = {
    "returns-rdf": _returns_rdf,
    "has-endpoint-triple": _has_endpoint_triple,
    "conforms-to-schema": _conforms_to_schema,
}


@pytest.mark.parametrize("entry", ENTRIES)
def test_w3c_service_description(live_server: str, entry: str) -> None:
    CHECKS[entry](live_server)


def test_the_manifest_names_only_checked_tests() -> None:
    assert set(ENTRIES) == set(CHECKS)


def test_void_counts_match_sparql(live_server: str) -> None:
    graph = Graph().parse(data=httpx.get(f"{live_server}/void").text, format="turtle")
    dataset = URIRef(f"{live_server}/void#dataset")
    health = httpx.get(f"{live_server}/health").json()
    assert int(graph.value(dataset, VOID.triples)) == health["triples"]
    assert int(graph.value(dataset, VOID.documents)) == health["notes"] >= 1

    def count(query: str) -> int:
        rows = httpx.get(f"{live_server}/sparql", params={"query": query}).json()["results"]["bindings"]
        return int(rows[0]["n"]["value"])

    concerns = next(
        p
        for p in graph.objects(dataset, VOID.classPartition)
        if graph.value(p, VOID["class"]) == URIRef("https://w3id.org/mlkg/ontology#Concern")
    )
    assert (
        int(graph.value(concerns, VOID.entities))
        == count("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a <https://w3id.org/mlkg/ontology#Concern> }")
        > 30
    )
    subsets = set(graph.objects(dataset, VOID.subset))
    assert len(subsets) == count("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    for subset in subsets:
        assert int(graph.value(subset, VOID.triples)) == count(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{subset}> {{ ?s ?p ?o }} }}"
        )
    described = _description(live_server, "text/turtle")
    assert (None, SD.defaultDataset, dataset) in described
    as_jsonld = httpx.get(f"{live_server}/void", headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=as_jsonld.text, format="json-ld")) == len(graph)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and str(found.get("href", "")).startswith("#"):
            self.links.add(str(found["href"])[1:])


def test_the_ontology_by_content_negotiation(live_server: str) -> None:
    source = Graph().parse(ROOT / "ontology" / "mlkg.ttl", format="turtle")
    for accept, parser in PARSERS.items():
        answer = httpx.get(f"{live_server}/ontology", headers={"Accept": accept})
        assert answer.headers["content-type"].startswith(accept) and "Accept" in answer.headers["vary"]
        assert isomorphic(Graph().parse(data=answer.text, format=parser), source)
    plain = httpx.get(f"{live_server}/ontology", headers={"Accept": "*/*"})
    assert plain.headers["content-type"].startswith("text/turtle")
    assert (
        httpx.get(f"{live_server}/ontology", params={"format": "jsonld"})
        .headers["content-type"]
        .startswith("application/ld+json")
    )
    assert httpx.get(f"{live_server}/ontology", headers={"Accept": "image/png"}).status_code == 406


def test_the_ontology_for_a_browser_has_an_anchor_per_term(live_server: str) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = httpx.get(f"{live_server}/ontology", headers={"Accept": browser})
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    anchors = _Anchors()
    anchors.feed(page.text)
    source = Graph().parse(ROOT / "ontology" / "mlkg.ttl", format="turtle")
    terms = {
        str(t).rsplit("#", 1)[1]
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for t in source.subjects(RDF.type, kind)
    }
    assert {"Concern", "Stage", "hasStep", "discusses", "contentHash"} <= terms <= anchors.ids
    assert anchors.links <= anchors.ids  # every link on the page lands somewhere
    assert "Stages, steps and concerns of taking machine learning to production" in page.text


def test_void_above_its_subset_limit_says_so_instead_of_counting_every_graph(seed_services: Services) -> None:
    with seed_services.reading() as view:
        small = void_description(view.store, "urn:d", "urn:e", 10, 1)
        large = void_description(view.store, "urn:d", "urn:e", 10, SUBSETS_UP_TO + 1)
    dataset = URIRef("urn:d")
    assert len(set(small.objects(dataset, VOID.subset))) >= 3  # the ontology's graph, the note's and its links'
    assert set(large.objects(dataset, VOID.subset)) == set()
    assert f"not listed above {SUBSETS_UP_TO} notes" in str(large.value(dataset, DCTERMS.description))
    assert int(large.value(dataset, VOID.documents)) == SUBSETS_UP_TO + 1
    assert set(large.objects(dataset, VOID.classPartition)) and int(large.value(dataset, VOID.triples)) == 10
