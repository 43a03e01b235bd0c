"""SPARQL queries in worker processes, so that a query over its time limit is really stopped.

Oxigraph cannot interrupt a query that is evaluating, and a thread cannot be killed; a process
can. Each worker holds a read-only view of the store and reopens it after a write. A query's
time limit starts when it arrives and covers its wait for a worker; past it, or when its client
has gone, the worker is killed and replaced. Admission is bounded: a full queue answers 503 at
once, and one client may hold only a few queries at a time. The server waits for a worker's
answer on its event loop (the pipe is watched for readability), not in a thread.
"""

import asyncio
import io
import logging
import multiprocessing
import os
import pickle
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import pyoxigraph as ox

from api.no_network import forbid_internet_sockets
from api.query_admission import Admission
from api.query_watch import ClientCheck, Watch, wake
from api.sparql_protocol import MEDIA_TYPE, choose_format
from kg.errors import (
    BadRequest,
    ClientGone,
    KGError,
    QueryTimeout,
    QueryWorkerFailed,
    TooManyRows,
)
from kg.search.encoder import Vectors
from kg.search.similarity import SimilarityFunction, VectorSource, functions, uses_similarity
from kg.store.formats import GRAPH, TABULAR
from kg.store.quad_store import Functions, OxigraphStore, Querying
from kg.store.result_formats import is_graph_result

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

log = logging.getLogger(__name__)
TEXT_CACHE = 1024
"""Texts of mlkg:similarity calls a worker keeps the embedding of, across queries."""
INLINE_BYTES = 1 << 20
"""Answers up to this size are read on the event loop; longer ones in a thread, so the loop never waits on a copy."""


@dataclass(frozen=True)
class QueryJob:
    query: str
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    base_iri: str | None
    accept: str
    override: str | None
    snapshot: str
    """The published read-only snapshot to answer from (reopened when it changes)."""
    max_rows: int
    max_bytes: int = 100_000_000


def _work(conn: Connection, store_dir: str, offline: bool) -> None:
    """Worker loop: answer jobs until the pipe closes."""
    if offline and not forbid_internet_sockets():
        log.warning("this platform cannot forbid sockets to query workers; SERVICE relies on the query check alone")
    store: OxigraphStore | None = None
    opened = ""
    embeddings: dict[str, Vectors] = {}
    texts: dict[str, Vectors] = {}  # the encoder does not change while the server runs
    while True:
        try:
            job: QueryJob = conn.recv()
        except EOFError:
            return
        try:
            if store is None or job.snapshot != opened:
                store = OxigraphStore(Path(job.snapshot or store_dir), read_only=True)
                opened, embeddings = job.snapshot, {}
            asks = uses_similarity(job.query)
            if len(texts) > TEXT_CACHE:
                texts.clear()
            similarity = SimilarityFunction(AskingVectors(conn), nodes=embeddings, texts=texts) if asks else None
            media_type, body = answer(store, job, similarity)
            conn.send(("ok", media_type, len(body)))  # the body follows as bytes, unpickled
            conn.send_bytes(body)
        except KGError as error:
            conn.send(("error", error))
        except (ValueError, TypeError, RuntimeError) as error:
            # what Oxigraph cannot evaluate (an unknown function, a term it refuses) is the query's fault
            conn.send(("error", BadRequest(f"the query cannot be evaluated: {error}")))
        except OSError as error:
            # the store's own failure: the detail (paths, addresses) goes to the log, not to the client
            log.error("a query failed in the store: %s", error)
            conn.send(("error", KGError("the store could not answer this query; the server log has the detail")))


class AskingVectors:
    """The worker's source of embeddings: it asks the server process, which holds the search index."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def node_vectors(self, iris: list[str]) -> dict[str, Vectors]:
        self.conn.send(("need", "nodes", iris))
        found: dict[str, Vectors] = self.conn.recv()
        return found

    def text_vectors(self, texts: list[str]) -> dict[str, Vectors]:
        self.conn.send(("need", "texts", texts))
        found: dict[str, Vectors] = self.conn.recv()
        return found


def answer(store: Querying, job: QueryJob, similarity: SimilarityFunction | None) -> tuple[str, bytes]:
    """(media type, body), evaluating the query once unless the answer is big enough to hold too many rows."""
    extra = functions(similarity) if similarity is not None else None
    result = store.query(job.query, job.default_graphs, job.named_graphs, job.base_iri, extra)
    fmt = choose_format(job.accept, job.override, is_graph_result(result))
    tabular_or_graph = not isinstance(result, ox.QueryBoolean)
    body = _capped(result, fmt, job.max_bytes) if not isinstance(result, ox.QueryBoolean) else _whole(result, fmt)
    if similarity is not None:
        similarity.check()
    if tabular_or_graph and len(body) > job.max_rows:
        # every row takes at least one byte in every format, so only an answer this long can hold too many
        _check_size(store, job, extra)
    return MEDIA_TYPE[fmt], body


def _whole(result: ox.QueryBoolean, fmt: str) -> bytes:
    serialized = result.serialize(format=TABULAR[fmt])
    assert serialized is not None
    return serialized


class _CappedBuffer(io.BytesIO):
    """An in-memory target that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: "ReadableBuffer") -> int:
        if self.tell() + memoryview(data).nbytes > self.limit:
            raise TooManyRows(
                f"the answer is over {self.limit:,} bytes (KG_MAX_RESULT_BYTES); add a LIMIT or narrow the query"
            )
        return super().write(data)


def _capped(result: ox.QuerySolutions | ox.QueryTriples, fmt: str, limit: int) -> bytes:
    out = _CappedBuffer(limit)
    if isinstance(result, ox.QueryTriples):
        result.serialize(out, GRAPH[fmt])
    else:
        result.serialize(out, TABULAR[fmt])
    return out.getvalue()


def _check_size(store: Querying, job: QueryJob, extra: Functions | None) -> None:
    """Count the rows (or triples) on a second evaluation, stopping at the cap."""
    result = store.query(job.query, job.default_graphs, job.named_graphs, job.base_iri, extra)
    if isinstance(result, ox.QueryBoolean):
        return
    for count, _ in enumerate(result, 1):
        if count > job.max_rows:
            raise TooManyRows(
                f"the answer has more than {job.max_rows:,} rows (KG_MAX_RESULT_ROWS); add a LIMIT or narrow the query"
            )


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection


def _serve(vectors: VectorSource | None, kind: str, items: list[str]) -> dict[str, Vectors]:
    """Embeddings a worker asked for; none when the runner was given no source."""
    if vectors is None:
        return {}
    return vectors.node_vectors(items) if kind == "nodes" else vectors.text_vectors(items)


class QueryRunner:
    """A small pool of query processes with admission limits and a per-query deadline."""

    def __init__(
        self,
        store_dir: Path,
        timeout: float,
        workers: int = 2,
        offline: bool = True,
        queued: int = 16,
        per_client: int = 4,
    ) -> None:
        """`offline`: workers cannot open network sockets (a backstop behind the SERVICE check)."""
        self.store_dir, self.timeout, self.offline = store_dir, timeout, offline
        self.admission = Admission(workers + queued, per_client)
        self.admit, self.threads = self.admission.admit, self.admission.threads
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_work, args=(theirs, str(self.store_dir), self.offline), daemon=True)
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def run(
        self,
        job: QueryJob,
        started: float | None = None,
        gone: threading.Event | None = None,
        vectors: VectorSource | None = None,
    ) -> tuple[str, bytes]:
        """`answer` for a caller without an event loop (`gone`: set when the client leaves)."""

        async def left() -> bool:
            return gone is not None and gone.is_set()

        return asyncio.run(self.answer(job, started, left, vectors))

    async def answer(
        self,
        job: QueryJob,
        started: float | None = None,
        client_gone: ClientCheck | None = None,
        vectors: VectorSource | None = None,
    ) -> tuple[str, bytes]:
        """(media type, body) of the answer; the deadline runs from `started` (monotonic) and covers the wait.

        `vectors` answers the worker's requests for embeddings (mlkg:similarity) while the query runs."""
        deadline = (time.monotonic() if started is None else started) + self.timeout
        watch = Watch(deadline, client_gone)
        worker = await self._take_worker(watch)
        body, settled = b"", False
        try:
            worker.conn.send_bytes(pickle.dumps(job))  # what conn.send does, without a pickler made per call
            while True:
                await self._readable(worker, watch, job)
                reply: tuple[Any, ...] = worker.conn.recv()
                if reply[0] != "need":
                    break
                found = await anyio.to_thread.run_sync(_serve, vectors, reply[1], reply[2], limiter=self.threads)
                worker.conn.send(found)
            if reply[0] == "ok":
                read = worker.conn.recv_bytes
                body = (
                    read() if reply[2] <= INLINE_BYTES else await anyio.to_thread.run_sync(read, limiter=self.threads)
                )
            settled = True
        except (EOFError, OSError) as error:
            log.error("a query worker died (%s); starting another", error)
            raise QueryWorkerFailed("the query process ended unexpectedly; the query was not answered") from error
        finally:
            if not settled:  # stopped, dead, or cancelled mid-query: its pipe may still get an answer
                worker = self._replace(worker)  # a few ms; done here so that no await can leave it half done
            self._give_back(worker)
        if reply[0] == "error":
            raise reply[1]
        return reply[1], body

    async def _readable(self, worker: _Worker, watch: Watch, job: QueryJob) -> None:
        """Until the worker has written; ClientGone or QueryTimeout first if the client leaves or time is up."""
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.conn.fileno()
        loop.add_reader(fd, wake, ready)
        try:
            while not await watch.wait(ready):
                if watch.expired():
                    log.warning("query stopped after %.1f s: %s", self.timeout, job.query[:200])
                    raise QueryTimeout(
                        f"the query ran longer than {self.timeout:g} s (KG_QUERY_TIMEOUT) and was stopped"
                    )
                if await watch.client_left():
                    raise ClientGone("the client left; its query was stopped")
        finally:
            loop.remove_reader(fd)
            os.set_blocking(fd, True)  # uvloop made it non-blocking; the pipe's reads and writes expect blocking

    async def _take_worker(self, watch: Watch) -> _Worker:
        """A free worker, waiting until the deadline or until the client leaves."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        loop = asyncio.get_running_loop()
        while True:
            freed = loop.create_future()
            with self._lock:
                self._waiters.append((loop, freed))  # before looking again, so a worker given back meanwhile wakes us
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
            try:
                if await watch.wait(freed):
                    continue
                if watch.expired():
                    raise QueryTimeout(
                        f"no query process came free within {self.timeout:g} s (KG_QUERY_TIMEOUT); the server is busy"
                    )
                if await watch.client_left():
                    raise ClientGone("the client left while its query waited")
            finally:
                freed.cancel()  # a waiter that was woken, or left, takes no later wake-up from another

    def _give_back(self, worker: _Worker) -> None:
        """The worker back to the pool, waking the longest waiting query still there."""
        self._idle.put(worker)
        with self._lock:
            while self._waiters:
                loop, freed = self._waiters.popleft()
                if freed.done() or loop.is_closed():
                    continue
                loop.call_soon_threadsafe(wake, freed)
                return

    def _replace(self, worker: _Worker) -> _Worker:
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        return self._spawn()

    def close(self) -> None:
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            worker.conn.close()
            worker.process.kill()
            worker.process.join()
