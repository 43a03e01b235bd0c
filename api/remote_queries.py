"""SPARQL queries of the endpoint forwarded to a remote store, under the limits the embedded one has."""

import asyncio
import threading
import time
from dataclasses import dataclass

import anyio

from api.query_admission import Admission
from api.query_runner import QueryJob, answer
from api.query_watch import ClientCheck, Watch
from kg.errors import BadRequest, ClientGone, QueryTimeout
from kg.search.similarity import VectorSource, uses_similarity
from kg.store.quad_store import Functions, QueryResult
from kg.store.remote_store import RemoteStore


@dataclass
class _Bounded:
    """The store with one query's time left as the timeout of its requests."""

    store: RemoteStore
    deadline: float

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        functions: Functions | None = None,
    ) -> QueryResult:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise QueryTimeout("the query ran out of time (KG_QUERY_TIMEOUT) before the store answered")
        return self.store.query(sparql, default_graphs, named_graphs, base_iri, functions, timeout=left)


class RemoteQueries:
    """Admission, deadline and size limits as for the embedded store; the store evaluates.

    A query the deadline stops is abandoned by closing its connection (the store may still finish it)."""

    def __init__(self, store: RemoteStore, timeout: float, queued: int = 16, per_client: int = 4) -> None:
        self.store, self.timeout = store, timeout
        self.admission = Admission(queued, per_client)
        self.admit, self.threads = self.admission.admit, self.admission.threads

    def run(
        self,
        job: QueryJob,
        started: float | None = None,
        gone: threading.Event | None = None,
        vectors: VectorSource | None = None,
    ) -> tuple[str, bytes]:
        """(media type, body) of the answer; the deadline runs from `started` (monotonic)."""
        if uses_similarity(job.query):
            raise BadRequest(
                "mlkg:similarity is evaluated by the embedded store only; with KG_STORE=sparql use /ask, "
                "or run the query through a server with the embedded store"
            )
        if gone is not None and gone.is_set():
            raise ClientGone("the client left while its query waited")
        deadline = (time.monotonic() if started is None else started) + self.timeout
        return answer(_Bounded(self.store, deadline), job, None)

    async def answer(
        self,
        job: QueryJob,
        started: float | None = None,
        client_gone: ClientCheck | None = None,
        vectors: VectorSource | None = None,
    ) -> tuple[str, bytes]:
        """`run` in SPARQL's own threads; a client that leaves first is told so (the store may still finish)."""
        started = time.monotonic() if started is None else started
        gone = threading.Event()
        running = asyncio.ensure_future(
            anyio.to_thread.run_sync(self.run, job, started, gone, vectors, limiter=self.threads)
        )
        watch = Watch(started + self.timeout, client_gone)
        while not await watch.wait(running):
            if await watch.client_left():
                gone.set()
        return running.result()

    def close(self) -> None:
        """The store's connections are closed with the store."""
