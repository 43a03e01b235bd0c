"""The HTTP service: `create_app(settings)` builds the services once in the lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api import routes_ask, routes_browse, routes_coverage, routes_describe, routes_notes, routes_sparql
from api.audit import AuditLog
from api.body_limit import BodyLimit
from api.deps import MetricsDep, ServicesDep
from api.errors import install_error_handlers
from api.host_check import HostCheck, allowed_hosts
from api.metrics import Metrics
from api.query_runner import QueryRunner
from api.rate_limit import RateLimiter
from api.read_token import ReadToken
from api.remote_queries import RemoteQueries
from api.request_context import RequestContext
from api.routes_web import install_page
from api.security_headers import SecurityHeaders
from api.service import reads, writes
from api.service.core import Services, build_services
from api.service.results import Health
from api.service.sync_loop import SyncLoop
from api.write_token import load_or_create_token
from kg import __version__
from kg.search.encoder import Encoder
from kg.settings import Settings
from kg.store.remote_store import RemoteStore

MULTIPART_ALLOWANCE = 64 * 1024
"""Room for a multipart upload's headers and boundaries around a note of KG_MAX_NOTE_BYTES."""


def create_app(settings: Settings, encoder: Encoder | None = None) -> FastAPI:
    """The FastAPI app over the store in `settings.data_dir`; the vault is ingested if the store is empty.

    Writes always need a token: without KG_API_TOKEN, the one kept in DATA_DIR/api-token (made if missing).
    """
    if settings.api_token is None:
        settings = settings.model_copy(update={"api_token": load_or_create_token(settings.data_dir)[0]})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await run_in_threadpool(_start, settings, encoder)
        app.state.services = services
        app.state.queries = _queries(settings, services)
        sync = SyncLoop(services, settings.sync_interval) if not services.store.supports_snapshots else None
        if sync is not None:
            sync.start()
        app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        app.state.audit = AuditLog(settings.data_dir / "audit.jsonl")
        metrics.watch(
            lambda: services.counts(services.open())[0],
            lambda: services.counts(services.open())[1],
            lambda: len(services.open().engine.index),
        )
        yield
        if sync is not None:
            sync.stop()
        app.state.queries.close()
        services.close()

    app = FastAPI(
        title="mlkg",
        version=__version__,
        summary="Knowledge graph and semantic search over notes on taking machine learning to production.",
        lifespan=lifespan,
        docs_url=None,  # served by routes_web from vendored assets, not from a CDN
        redoc_url=None,
    )
    metrics = app.state.metrics = Metrics()
    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )
    if settings.read_token:
        assert settings.api_token is not None
        app.add_middleware(ReadToken, tokens=[settings.read_token, settings.api_token])
    # bodies are counted as they arrive (chunked ones too) and cut at the route's limit
    notes_limit = settings.max_note_bytes + MULTIPART_ALLOWANCE
    app.add_middleware(BodyLimit, default=settings.max_query_bytes, limits={"/notes": notes_limit})
    app.add_middleware(HostCheck, hosts=allowed_hosts(settings), cors_origins=settings.cors_origins)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext, metrics=metrics)
    for module in (routes_ask, routes_sparql, routes_notes, routes_browse, routes_describe, routes_coverage):
        app.include_router(module.router)
    install_page(app)

    @app.get("/health", tags=["service"])
    async def health(services: ServicesDep) -> Health:
        """Triples, notes, index size, model, version and the generation readers see."""
        return await run_in_threadpool(reads.health, services)

    @app.get("/metrics", tags=["service"], response_class=PlainTextResponse)
    async def prometheus(metrics: MetricsDep) -> PlainTextResponse:
        """Requests and latencies by route, SPARQL operations by outcome, note writes, store and index sizes."""
        body = await run_in_threadpool(generate_latest, metrics.registry)
        return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)

    return app


def _queries(settings: Settings, services: Services) -> QueryRunner | RemoteQueries:
    """Query processes over snapshots of the embedded store; a remote store evaluates queries itself."""
    if isinstance(remote := services.store.base, RemoteStore):
        return RemoteQueries(remote, settings.query_timeout, settings.query_queue, settings.queries_per_client)
    return QueryRunner(
        settings.store_dir,
        settings.query_timeout,
        settings.query_workers,
        offline=not settings.allow_remote,
        queued=settings.query_queue,
        per_client=settings.queries_per_client,
    )


def _start(settings: Settings, encoder: Encoder | None) -> Services:
    services = build_services(settings, encoder=encoder, snapshots=True)
    if not services.store.note_paths() and settings.vault.is_dir():
        writes.import_paths(services, [settings.vault])
    services.start()
    return services


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` and `kg serve --reload`: settings from KG_* variables."""
    return create_app(Settings())
