"""Abuse limits: per-client rate limits with Retry-After, and SPARQL body size."""

from collections.abc import Iterator

import httpx
import pytest

from api.rate_limit import RateLimiter

from .conftest import ROOT, live_server_for


def test_token_bucket_refills_at_its_rate():
    limiter = RateLimiter(per_minute=60, burst=2)
    assert [limiter.take("a", now=100.0) for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("a", now=100.0) == pytest.approx(1.0)
    assert limiter.take("b", now=100.0) == 0.0  # another client has its own bucket
    assert limiter.take("a", now=101.0) == 0.0
    assert RateLimiter(per_minute=0, burst=1).take("a") == 0.0


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[str]:
    yield from live_server_for(
        tmp_path_factory.mktemp("strict"),
        ROOT / "notes",
        encoder,
        rate_limit_per_minute=30,
        rate_limit_burst=3,
        max_query_bytes=1000,
    )


def test_the_fourth_quick_request_is_told_to_wait(strict_server: str):
    statuses = [httpx.get(f"{strict_server}/ask", params={"q": "drift"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = httpx.get(f"{strict_server}/sparql", params={"query": "ASK {}"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert httpx.get(f"{strict_server}/health").status_code == 200  # other routes are not limited


def test_an_oversized_sparql_body_is_refused(strict_server: str):
    import time

    time.sleep(2.1)  # let the bucket refill one request (30 a minute)
    big = "ASK { " + "?s ?p ?o . " * 200 + "}"
    refused = httpx.post(f"{strict_server}/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert refused.status_code == 413 and "KG_MAX_QUERY_BYTES" in refused.json()["error"]["message"]
