"""One error shape for every error: {"error": {"code", "message", "problems"}}."""

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import Send

from kg.errors import KGError

log = logging.getLogger(__name__)


def error_body(code: str, message: str, problems: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "problems": problems or []}}


async def send_error(
    send: Send, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer in the one error shape from ASGI middleware, which runs outside the exception handlers."""
    body = json.dumps(error_body(code, message)).encode()
    start = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})


async def _domain(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, KGError)
    problems: list[dict[str, object]] = [{"path": p.path, "line": p.line, "message": p.message} for p in error.problems]
    return JSONResponse(
        error_body(error.code, error.message, problems), status_code=error.status, headers=error.headers or None
    )


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if error.status_code == 413:  # a body cut at its limit as it streamed in (api/body_limit.py)
        return JSONResponse(error_body("payload_too_large", str(error.detail)), status_code=413)
    return JSONResponse(
        error_body(f"http_{error.status_code}", str(error.detail)),
        status_code=error.status_code,
        headers=getattr(error, "headers", None),
    )


async def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems: list[dict[str, object]] = [
        {"path": ".".join(str(part) for part in e["loc"]), "line": None, "message": e["msg"]} for e in error.errors()
    ]
    return JSONResponse(error_body("invalid_request", "the request is not valid", problems), status_code=422)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse(error_body("internal_error", "the server failed to answer; see its log"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(KGError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
