"""What the endpoint and its data are, in RDF: a SPARQL 1.1 Service Description and a VoID dataset."""

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef

from kg import __version__
from kg.search.similarity import SIMILARITY_IRI
from kg.store.formats import GRAPH, TABULAR
from kg.store.quad_store import Store
from ontology import ONTOLOGY_GRAPH

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RESULT_FORMATS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
}
PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
PER_CLASS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
SUBSETS_UP_TO = 500
"""Notes up to which each named graph is listed as a subset: counting every graph's triples reads
every quad (30 s at 50,000 notes) and lists 100,000 subsets nobody reads."""


def service_description(endpoint: str, void_url: str, allow_remote: bool) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint at `endpoint`."""
    graph = Graph(bind_namespaces="none")
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = URIRef(f"{endpoint}#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    for language in (SD.SPARQL11Query, SD.SPARQL11Update):
        graph.add((service, SD.supportedLanguage, language))
    for name in [*TABULAR, *GRAPH]:
        graph.add((service, SD.resultFormat, FORMATS[RESULT_FORMATS[name]]))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if allow_remote:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    graph.add((service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    similarity = URIRef(SIMILARITY_IRI)
    graph.add((service, SD.extensionFunction, similarity))
    graph.add((similarity, RDF.type, SD.Function))
    comment = "Cosine between the embeddings of a node and a text, or of two nodes (the vectors /ask ranks with)."
    graph.add((similarity, RDFS.comment, Literal(comment)))
    dataset = URIRef(dataset_iri(void_url))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDFS.seeAlso, URIRef(void_url)))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    return graph


def dataset_iri(void_url: str) -> str:
    """The dataset both descriptions talk about: the VoID document's `#dataset`."""
    return f"{void_url}#dataset"


def void_description(store: Store, dataset_iri: str, sparql_endpoint: str, triples: int, notes: int) -> Graph:
    """A VoID description: `triples` (counted by the caller), the `notes` as documents, classes with
    their entities, and one subset per named graph while the notes are at most SUBSETS_UP_TO."""
    graph = Graph(bind_namespaces="none")
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    dataset = URIRef(dataset_iri)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("mlkg knowledge graph")))
    graph.add((dataset, DCTERMS.hasVersion, Literal(__version__)))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(sparql_endpoint)))
    graph.add((dataset, VOID.vocabulary, URIRef(ONTOLOGY_GRAPH)))
    graph.add((dataset, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((dataset, VOID.documents, Literal(notes, datatype=XSD.integer)))
    classes = _counts(store, PER_CLASS)
    graph.add((dataset, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    for iri, entities in classes:
        partition = BNode()
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(iri)))
        graph.add((partition, VOID.entities, Literal(entities, datatype=XSD.integer)))
    if notes > SUBSETS_UP_TO:
        said = f"Each named graph is a subset; they are not listed above {SUBSETS_UP_TO} notes (ask GRAPH ?g)."
        graph.add((dataset, DCTERMS.description, Literal(said)))
        return graph
    for iri, count in _counts(store, PER_GRAPH):
        subset = URIRef(iri)
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))
    return graph


def _counts(store: Store, query: str) -> list[tuple[str, int]]:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return [(row[0].value, int(row[1].value)) for row in result if isinstance(row[0], ox.NamedNode)]
