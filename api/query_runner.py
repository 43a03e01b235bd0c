"""SPARQL queries in worker processes, so that a query over its time limit is really stopped.

Oxigraph cannot interrupt a query that is evaluating, and a thread cannot be killed; a process
can. Each worker holds a read-only view of the store and reopens it after a write; a worker that
runs past `KG_QUERY_TIMEOUT` is killed and replaced, and the client gets a 503 that says so.
"""

import logging
import multiprocessing
import queue
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.no_network import forbid_internet_sockets
from api.sparql_protocol import MEDIA_TYPE, choose_format
from kg.errors import BadRequest, KGError, QueryTimeout, QueryWorkerFailed, TooManyRows
from kg.store.quad_store import OxigraphStore
from kg.store.result_formats import is_graph_result, serialize

log = logging.getLogger(__name__)


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


def _work(conn: Connection, store_dir: str, offline: bool) -> None:
    """Worker loop: answer jobs until the pipe closes."""
    if offline and not forbid_internet_sockets():
        log.warning("this platform cannot forbid sockets to query workers; SERVICE relies on the query check alone")
    store: OxigraphStore | None = None
    opened = ""
    while True:
        try:
            job: QueryJob = conn.recv()
        except EOFError:
            return
        try:
            if store is None or job.snapshot != opened:
                store = OxigraphStore(Path(job.snapshot or store_dir), read_only=True)
                opened = job.snapshot
            _check_size(store, job)
            result = store.query(job.query, job.default_graphs, job.named_graphs, job.base_iri)
            fmt = choose_format(job.accept, job.override, is_graph_result(result))
            conn.send(("ok", MEDIA_TYPE[fmt], serialize(result, fmt)))
        except KGError as error:
            conn.send(("error", error))
        except (ValueError, TypeError, RuntimeError) as error:
            # what Oxigraph cannot evaluate (an unknown function, a term it refuses) is the query's fault
            conn.send(("error", BadRequest(f"the query cannot be evaluated: {error}")))
        except OSError as error:
            # the store's own failure: the detail (paths, addresses) goes to the log, not to the client
            log.error("a query failed in the store: %s", error)
            conn.send(("error", KGError("the store could not answer this query; the server log has the detail")))


def _check_size(store: OxigraphStore, job: QueryJob) -> None:
    """Count the rows (or triples) first, stopping at the cap; results are lazy, so this is cheap
    for small answers and bounded for large ones."""
    result = store.query(job.query, job.default_graphs, job.named_graphs, job.base_iri)
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


class QueryRunner:
    """A small pool of query processes with a per-query time limit."""

    def __init__(self, store_dir: Path, timeout: float, workers: int = 2, offline: bool = True) -> None:
        """`offline`: workers cannot open network sockets (a backstop behind the SERVICE check)."""
        self.store_dir, self.timeout, self.offline = store_dir, timeout, offline
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_work, args=(theirs, str(self.store_dir), self.offline), daemon=True)
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def run(self, job: QueryJob) -> tuple[str, bytes]:
        """(media type, body) of the answer; raises the query's error, or QueryTimeout."""
        worker = self._idle.get()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                log.warning("query stopped after %.1f s: %s", self.timeout, job.query[:200])
                worker = self._replace(worker)
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s (KG_QUERY_TIMEOUT) and was stopped")
            reply: tuple[Any, ...] = worker.conn.recv()
        except (EOFError, OSError) as error:
            log.error("a query worker died (%s); starting another", error)
            worker = self._replace(worker)
            raise QueryWorkerFailed("the query process ended unexpectedly; the query was not answered") from error
        finally:
            self._idle.put(worker)
        if reply[0] == "error":
            raise reply[1]
        return reply[1], reply[2]

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
