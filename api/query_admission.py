"""Admission for SPARQL queries: a bounded number in flight, and a share per client."""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

from kg.errors import ServerBusy, TooManyRequests


class Admission:
    """At most `capacity` queries running or waiting, at most `per_client` of them from one client."""

    def __init__(self, capacity: int, per_client: int) -> None:
        self.capacity, self.per_client = capacity, per_client
        self._lock = threading.Lock()
        self._in_flight = 0
        self._by_client: Counter[str] = Counter()
        self.threads = anyio.CapacityLimiter(capacity)
        """SPARQL's own threads: admitted queries never take the threads other routes use."""

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """A place for one query of `client`, or at once 503 (queue full) or 429 (client's share used)."""
        with self._lock:
            if self._in_flight >= self.capacity:
                raise ServerBusy(
                    f"{self._in_flight} SPARQL queries are running or waiting (KG_QUERY_QUEUE); try again shortly",
                    headers={"Retry-After": "1"},
                )
            if self._by_client[client] >= self.per_client:
                raise TooManyRequests(
                    f"{client} already has {self.per_client} SPARQL queries in flight (KG_QUERIES_PER_CLIENT)",
                    headers={"Retry-After": "1"},
                )
            self._in_flight += 1
            self._by_client[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._by_client[client] -= 1
                if not self._by_client[client]:
                    del self._by_client[client]
