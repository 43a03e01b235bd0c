"""Dependencies: the services built in the lifespan, and the write-token check."""

import secrets
from typing import Annotated

from fastapi import Depends, Request

from api.metrics import Metrics
from api.query_runner import QueryRunner
from api.remote_queries import RemoteQueries
from api.service.core import Services
from kg.errors import Forbidden


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


SparqlRunner = QueryRunner | RemoteQueries
"""Query processes over the embedded store's snapshots, or the remote store's own evaluation."""


async def get_queries(request: Request) -> SparqlRunner:
    runner: SparqlRunner = request.app.state.queries
    return runner


QueriesDep = Annotated[SparqlRunner, Depends(get_queries)]


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


async def require_writer(request: Request, services: ServicesDep) -> None:
    """The dependency of write routes (async: a check this small need not go to a thread)."""
    check_writer(request, services)


def check_writer(request: Request, services: Services) -> None:
    """Every write needs `Authorization: Bearer <token>` (KG_API_TOKEN, or the one kept in DATA_DIR/api-token)."""
    token = services.settings.api_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # bytes: compare_digest refuses non-ASCII str, and a header may carry any byte
    matches = token is not None and secrets.compare_digest(given.strip().encode(), token.encode())
    if scheme.lower() != "bearer" or not matches:
        raise Forbidden(
            "this write needs the header 'Authorization: Bearer <token>': KG_API_TOKEN, "
            "or the token `kg serve` printed and keeps in DATA_DIR/api-token"
        )


WriterDep = Annotated[None, Depends(require_writer)]
