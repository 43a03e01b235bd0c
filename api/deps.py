"""Dependencies: the services built in the lifespan, and the write-token check."""

import secrets
from typing import Annotated

from fastapi import Depends, Request

from api.query_runner import QueryRunner
from api.service.core import Services
from kg.errors import Forbidden


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_queries(request: Request) -> QueryRunner:
    runner: QueryRunner = request.app.state.queries
    return runner


QueriesDep = Annotated[QueryRunner, Depends(get_queries)]


def require_writer(request: Request, services: ServicesDep) -> None:
    """Writes need `Authorization: Bearer KG_API_TOKEN` when a token is configured."""
    token = services.settings.api_token
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # bytes: compare_digest refuses non-ASCII str, and a header may carry any byte
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), token.encode()):
        raise Forbidden("this write needs the header 'Authorization: Bearer <KG_API_TOKEN>'")


WriterDep = Annotated[None, Depends(require_writer)]
