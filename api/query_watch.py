"""How a SPARQL query waits: up to its deadline, looking at its client now and then."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

WATCH_AFTER_SECONDS, WATCH_EVERY_SECONDS = 0.05, 0.1
"""A waiting query first looks at its client after WATCH_AFTER, then every WATCH_EVERY (the answer is not delayed)."""
ClientCheck = Callable[[], Awaitable[bool]]
"""Whether the client has gone (Starlette's `Request.is_disconnected`)."""


def wake(freed: "asyncio.Future[None]") -> None:
    """Set `freed` unless it is already done (a callback for the event loop)."""
    if not freed.done():
        freed.set_result(None)


class Watch:
    """A query's deadline and its client, looked at while it waits."""

    def __init__(self, deadline: float, client_gone: ClientCheck | None) -> None:
        self.deadline, self.client_gone = deadline, client_gone
        self.waited = False

    async def wait(self, event: "asyncio.Future[Any]") -> bool:
        """Whether `event` came before the next look at the deadline and the client."""
        step = WATCH_EVERY_SECONDS if self.waited else WATCH_AFTER_SECONDS
        left = self.deadline - time.monotonic()
        self.waited = True
        # up to the deadline, and on past it in steps (a caller that must stop there looks at `expired`)
        await asyncio.wait({event}, timeout=min(left, step) if left > 0 else step)
        return event.done()

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    async def client_left(self) -> bool:
        return self.client_gone is not None and await self.client_gone()
