"""Prometheus metrics of one app: requests and latencies by route, SPARQL outcomes, note writes, sizes."""

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """The app's own registry (not the process-global one), so that several apps in one process stay apart."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mlkg_http_requests", "HTTP requests answered.", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "mlkg_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sparql = Counter(
            "mlkg_sparql_operations",
            "SPARQL queries and updates by outcome (ok, or the error code: query_timeout, forbidden, ...).",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.note_writes = Counter(
            "mlkg_note_writes",
            "Notes imported, replaced or deleted, by outcome.",
            ["action", "status"],
            registry=self.registry,
        )
        self.triples = Gauge("mlkg_store_triples", "Triples in the published store.", registry=self.registry)
        self.notes = Gauge("mlkg_store_notes", "Imported notes.", registry=self.registry)
        self.index_size = Gauge("mlkg_index_texts", "Texts in the search index.", registry=self.registry)

    def watch(self, triples: Callable[[], float], notes: Callable[[], float], index_size: Callable[[], float]) -> None:
        """Read the sizes when scraped."""
        self.triples.set_function(triples)
        self.notes.set_function(notes)
        self.index_size.set_function(index_size)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)
