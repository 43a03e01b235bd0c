"""Answer only requests addressed to this server by name (DNS rebinding), and no cross-site writes."""

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import send_error
from kg.settings import Settings

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
WILDCARDS = {"0.0.0.0", "::", ""}  # noqa: S104 (names of the wildcard address, not a bind)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def allowed_hosts(settings: Settings) -> set[str] | None:
    """Host names served; None: any (a wildcard bind with no KG_ALLOWED_HOSTS)."""
    if settings.allowed_hosts:
        return {h.lower() for h in settings.allowed_hosts}
    if settings.host in WILDCARDS:
        return None
    return {*LOOPBACK_NAMES, settings.host.lower()}


def host_name(value: str) -> str:
    """The name part of a Host header or an origin's netloc: no port, no IPv6 brackets."""
    name = value.rsplit(":", 1)[0] if value.count(":") == 1 or value.startswith("[") else value
    return name.strip("[]").lower()


class HostCheck:
    """ASGI middleware: 400 for an unknown Host; 403 for a browser's cross-site request that is not a read."""

    def __init__(self, app: ASGIApp, hosts: set[str] | None, cors_origins: list[str]) -> None:
        self.app, self.hosts, self.cors_origins = app, hosts, set(cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(headers, scope["method"])
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await send_error(send, *refusal)

    def _refusal(self, headers: Headers, method: str) -> tuple[int, str, str] | None:
        host = headers.get("host", "")
        if self.hosts is not None and host_name(host) not in self.hosts:
            return 400, "unknown_host", "this server does not answer to that Host name (see KG_ALLOWED_HOSTS)"
        origin = headers.get("origin")
        if method in SAFE_METHODS or (origin is not None and origin in self.cors_origins):
            return None
        if headers.get("sec-fetch-site", "same-origin") in ("cross-site", "same-site"):
            return 403, "cross_site", "a page on another site may not send this request (see KG_CORS_ORIGINS)"
        if origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            return 403, "cross_site", f"a page from {origin[:100]} may not send this request (see KG_CORS_ORIGINS)"
        return None
