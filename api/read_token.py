"""An optional read token (KG_READ_TOKEN) for private vaults: every data route then needs it or the write token."""

import secrets

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import send_error

# the page's shell, its assets, the API's own description and the schema's prefixes hold no data from the vault
OPEN_PATHS = ("/static/", "/openapi.json")
OPEN_PAGES = {"/", "/docs", "/prefixes"}


class ReadToken:
    """ASGI middleware: 401 for a data route without `Authorization: Bearer <read or write token>`."""

    def __init__(self, app: ASGIApp, tokens: list[str]) -> None:
        self.app, self.tokens = app, [t.encode() for t in tokens]

    def _allowed(self, headers: Headers) -> bool:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        offered = given.strip().encode()
        # every token is compared (bytes, constant time), so timing does not tell which one matched
        matches = [secrets.compare_digest(offered, token) for token in self.tokens]
        return scheme.lower() == "bearer" and any(matches)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        # CORS preflights carry no credentials by design; the request they announce still needs the token
        exempt = path in OPEN_PAGES or path.startswith(OPEN_PATHS) or scope.get("method") == "OPTIONS"
        if scope["type"] != "http" or exempt:
            await self.app(scope, receive, send)
            return
        if self._allowed(Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        message = "this server is private: send 'Authorization: Bearer <token>' with the read token (KG_READ_TOKEN)"
        await send_error(send, 401, "read_token_required", message, [(b"www-authenticate", b'Bearer realm="mlkg"')])
