"""The SPARQL 1.1 Protocol endpoint at /sparql."""

import hashlib
import time
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from api.dataset_description import service_description
from api.deps import QueriesDep, ServicesDep, SparqlRunner, check_writer
from api.metrics import Metrics
from api.query_runner import QueryJob
from api.rate_limit import check_rate
from api.rdf_answer import rdf_answer
from api.remote_guard import refuse_remote
from api.service import reads, writes
from api.service.core import Services
from api.sparql_protocol import MEDIA_TYPE, ProtocolRequest, apply_update_dataset, read_request
from kg.errors import KGError, PayloadTooLarge
from kg.search.similarity import uses_similarity
from kg.search.text_prefetch import PrefetchedTexts, similarity_texts

router = APIRouter(tags=["sparql"], dependencies=[Depends(check_rate)])
EXAMPLE = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#>\nSELECT ?c WHERE { ?c a mlkg:Concern } LIMIT 5"
QUERY_DOC: dict[str, Any] = {
    "parameters": [
        {"name": "query", "in": "query", "schema": {"type": "string"}, "example": EXAMPLE},
        {
            "name": "default-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
        },
        {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
        {
            "name": "format",
            "in": "query",
            "schema": {"type": "string"},
            "example": "json",
            "description": "Overrides Accept: json, xml, csv, tsv (SELECT/ASK); turtle, ntriples, jsonld, rdfxml.",
        },
    ],
}
# the answer's format follows Accept (or `format=`): JSON and XML results, CSV and TSV, or RDF for CONSTRUCT
RESULTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "SELECT/ASK results, or the triples of CONSTRUCT/DESCRIBE, in the negotiated format.",
        "content": {
            media: {"schema": {"type": "object"} if media.endswith("json") else {"type": "string"}}
            for media in MEDIA_TYPE.values()
        },
    },
    204: {"description": "The update was applied."},
}
RESULTS_RDF: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "RDF in the negotiated format: Turtle (default), N-Triples, JSON-LD or RDF/XML.",
        "content": {MEDIA_TYPE[f]: {"schema": {"type": "string"}} for f in ("turtle", "ntriples", "jsonld", "rdfxml")},
    }
}
POST_DOC: dict[str, Any] = {
    **QUERY_DOC,
    "requestBody": {
        "content": {
            "application/sparql-query": {"schema": {"type": "string"}, "example": EXAMPLE},
            "application/sparql-update": {
                "schema": {"type": "string"},
                "example": "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> 1 } }",
            },
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}, "update": {"type": "string"}},
                }
            },
        }
    },
}


async def _handle(request: Request, services: Services, queries: SparqlRunner) -> Response:
    """Answer one protocol request, counting it by operation and outcome (ok, or the error's code)."""
    metrics: Metrics = request.app.state.metrics
    kind = "query"
    try:
        body = await _limited_body(request, services.settings.max_query_bytes) if request.method == "POST" else b""
        operation = read_request(request.method, request.headers.get("content-type", ""), _params(request), body)
        kind = "update" if operation.update is not None else "query"
        response = await _answer(request, services, queries, operation)
    except KGError as error:
        metrics.sparql.labels(kind, error.code).inc()
        raise
    metrics.sparql.labels(kind, "ok").inc()
    return response


async def _answer(request: Request, services: Services, queries: SparqlRunner, operation: ProtocolRequest) -> Response:
    prefetched = _prefetch(services, operation.query)
    if not services.settings.allow_remote:
        refuse_remote(operation.query or operation.update or "", update=operation.update is not None)
    base = str(request.url.replace(query=""))
    if operation.update is not None:
        check_writer(request, services)
        update = apply_update_dataset(operation.update, operation.default_graphs, operation.named_graphs)
        digest = hashlib.sha256(update.encode("utf-8")).hexdigest()
        with request.app.state.audit.writing(request, "sparql_update", update_hash=digest, update=update[:500]):
            await run_in_threadpool(writes.sparql_update, services, update, base)
        return Response(status_code=204)
    assert operation.query is not None
    job = QueryJob(
        query=operation.query,
        default_graphs=operation.default_graphs if operation.has_dataset else None,
        named_graphs=operation.named_graphs if operation.has_dataset else None,
        base_iri=base,
        accept=request.headers.get("accept", ""),
        override=request.query_params.get("format"),
        snapshot="",
        max_rows=services.settings.max_result_rows,
        max_bytes=services.settings.max_result_bytes,
    )

    media_type, content = await _run(request, services, queries, job, prefetched)
    return Response(content, media_type=media_type)


def _prefetch(services: Services, query: str | None) -> PrefetchedTexts | None:
    """Start encoding the texts of the query's similarity calls now (the embedded store evaluates them)."""
    if query is None or not uses_similarity(query) or not services.store.supports_snapshots:
        return None
    return PrefetchedTexts(services.text_vectors, similarity_texts(query))


async def _run(
    request: Request, services: Services, queries: SparqlRunner, job: QueryJob, prefetched: PrefetchedTexts | None
) -> tuple[str, bytes]:
    """Run `job` off the threads /health and /ask use; stop it if the client leaves or time is up."""
    started = time.monotonic()
    client = request.client.host if request.client else "unknown"
    # the snapshot is the one published when the request arrived, kept until its query is done
    with queries.admit(client), reads.leased_snapshot(services) as folder:
        vectors = reads.PublishedVectors(services, prefetched)
        return await queries.answer(replace(job, snapshot=str(folder)), started, request.is_disconnected, vectors)


async def _limited_body(request: Request, limit: int) -> bytes:
    declared = int(request.headers.get("content-length") or 0)
    body = await request.body() if declared <= limit else b""
    if declared > limit or len(body) > limit:
        raise PayloadTooLarge(f"the SPARQL request is over {limit:,} bytes (KG_MAX_QUERY_BYTES)")
    return body


def _params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key != "format":
            params.setdefault(key, []).append(value)
    return params


@router.get(
    "/sparql", openapi_extra=QUERY_DOC, summary="SPARQL query (GET)", responses=RESULTS, response_class=Response
)
async def sparql_get(request: Request, services: ServicesDep, queries: QueriesDep) -> Response:
    """Run a SPARQL 1.1 query; SELECT/ASK as SPARQL JSON by default, CONSTRUCT/DESCRIBE as Turtle.

    With no `query`, the SPARQL 1.1 Service Description of the endpoint (Turtle, JSON-LD, ...).
    """
    if not any(key != "format" for key in request.query_params):
        endpoint = str(request.url.replace(query=""))
        described = service_description(endpoint, str(request.url_for("void")), services.settings.allow_remote)
        return rdf_answer(described, request.headers.get("accept", ""), request.query_params.get("format"))
    return await _handle(request, services, queries)


@router.post(
    "/sparql",
    openapi_extra=POST_DOC,
    summary="SPARQL query or update (POST)",
    responses=RESULTS,
    response_class=Response,
)
async def sparql_post(request: Request, services: ServicesDep, queries: QueriesDep) -> Response:
    """Query (form `query=` or application/sparql-query) or update (needs the write token when set)."""
    return await _handle(request, services, queries)
