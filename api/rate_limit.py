"""Per-client rate limits (token buckets) for the read routes that cost CPU: /ask and /sparql.

An open prediction-style API invites both model stealing and denial of service; each client
(by address) gets `KG_RATE_LIMIT_PER_MINUTE` requests a minute with bursts of `KG_RATE_LIMIT_BURST`.
"""

import math
import threading
import time
from typing import Annotated

from fastapi import Depends, Request

from kg.errors import TooManyRequests


class RateLimiter:
    """Token buckets keyed by client address; `per_minute <= 0` turns limiting off."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(burst, 1)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate


async def check_rate(request: Request) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    client = request.client.host if request.client else "unknown"
    wait = limiter.take(client)
    if wait > 0:
        retry = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"too many requests from {client}; try again in {retry} s (KG_RATE_LIMIT_PER_MINUTE)",
            headers={"Retry-After": str(retry)},
        )


RateLimited = Annotated[None, Depends(check_rate)]
