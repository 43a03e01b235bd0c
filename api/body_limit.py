"""Request bodies counted as they arrive, per route: a declared or streamed body past its limit gets 413."""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import send_error


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes its limit; FastAPI lets HTTP errors through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _message(limit))


def _message(limit: int) -> str:
    return f"the request body is over {limit:,} bytes (KG_MAX_QUERY_BYTES, or KG_MAX_NOTE_BYTES for notes)"


class BodyLimit:
    """ASGI middleware: `limits` maps a path prefix to its byte limit; every other path gets `default`."""

    def __init__(self, app: ASGIApp, default: int, limits: dict[str, int]) -> None:
        self.app, self.default, self.limits = app, default, limits

    def _limit(self, path: str) -> int:
        return next((limit for prefix, limit in self.limits.items() if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await send_error(send, 413, "payload_too_large", _message(limit))
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
