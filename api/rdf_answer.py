"""An rdflib graph as an HTTP answer in the RDF format the client accepts (Turtle by default)."""

from fastapi import Response
from rdflib import Graph

from api.sparql_protocol import MEDIA_TYPE, choose_format

RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def rdf_answer(graph: Graph, accept: str, override: str | None = None) -> Response:
    """Turtle, N-Triples, JSON-LD or RDF/XML by `Accept` (or `format=`); 406 for anything else."""
    fmt = choose_format(accept, override, graph_result=True)
    body = graph.serialize(format=RDFLIB_FORMAT[fmt], encoding="utf-8")
    return Response(body, media_type=MEDIA_TYPE[fmt], headers={"Vary": "Accept"})
