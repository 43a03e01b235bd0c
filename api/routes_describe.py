"""Descriptions of the service and its data: the VoID dataset, the ontology and the prefixes every query declares."""

from functools import partial

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.dataset_description import dataset_iri, void_description
from api.deps import ServicesDep
from api.ontology_page import ontology_graph, ontology_html
from api.rdf_answer import rdf_answer
from api.routes_sparql import RESULTS_RDF
from api.routes_web import POLICY
from api.sparql_protocol import accepted
from kg.store.quad_store import PREFIXES

router = APIRouter(tags=["service"])


@router.get("/void", summary="VoID description of the dataset", responses=RESULTS_RDF, response_class=Response)
async def void(request: Request, services: ServicesDep) -> Response:
    """Triples, notes, classes with their number of entities, and (up to 500 notes) each named graph
    with its triples (VoID); made once per write, then kept."""
    url = str(request.url.replace(query=""))
    endpoint = str(request.url_for("sparql_get"))

    def describe() -> Response:
        with services.reading() as view:
            triples, notes = services.counts(view)
            made = partial(void_description, view.store, dataset_iri(url), endpoint, triples, notes)
            graph = services.kept(f"void {url} {endpoint}", view, made)
        return rdf_answer(graph, request.headers.get("accept", ""), request.query_params.get("format"))

    return await run_in_threadpool(describe)


ONTOLOGY_RESULTS: dict[int | str, dict[str, object]] = {
    200: {**RESULTS_RDF[200], "content": {**RESULTS_RDF[200]["content"], "text/html": {"schema": {"type": "string"}}}}
}


def wants_html(accept: str) -> bool:
    """A browser: HTML is among the client's most preferred types."""
    ranges = accepted(accept)
    best = ranges[0][1] if ranges else 0.0
    return any(media in ("text/html", "application/xhtml+xml") and q == best for media, q in ranges)


@router.get("/ontology", summary="The mlkg ontology", responses=ONTOLOGY_RESULTS, response_class=Response)
async def ontology(request: Request) -> Response:
    """The ontology as Turtle, N-Triples, JSON-LD or RDF/XML by `Accept` (or `format=`), or as HTML for browsers.

    The HTML has one anchor per class and property, named by its local name (`#Concern`, `#hasStep`).
    """
    accept, override = request.headers.get("accept", ""), request.query_params.get("format")
    if override is None and wants_html(accept):
        return HTMLResponse(ontology_html(), headers={"Content-Security-Policy": POLICY, "Vary": "Accept"})
    return rdf_answer(ontology_graph(), accept, override)


@router.get("/prefixes", summary="Prefixes every SPARQL query has declared")
async def prefixes() -> dict[str, str]:
    """Prefix to namespace, as prefix.cc's `file.json` shape, so SPARQL editors can complete them."""
    return PREFIXES
