"""Domain errors. Each carries the HTTP status the service answers with."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem: the file and line it was found at, and what is wrong."""

    message: str
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.path, self.line) if part is not None)
        return f"{where}: {self.message}" if where else self.message


class KGError(Exception):
    """Base of all mlkg errors; `status` is the HTTP status that reports it."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self, message: str, problems: list[Problem] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = problems or []
        self.headers: dict[str, str] = headers or {}

    def __reduce__(self) -> tuple[type["KGError"], tuple[str, list[Problem]]]:
        # keeps the problems when an error crosses a process boundary
        return (self.__class__, (self.message, self.problems))

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join([self.message, *(f"  {p}" for p in self.problems)])


class BadRequest(KGError):
    status = 400
    code = "bad_request"


class QuerySyntaxError(BadRequest):
    code = "query_syntax_error"


class Forbidden(KGError):
    status = 403
    code = "forbidden"


class NotAcceptable(KGError):
    status = 406
    code = "not_acceptable"


class NotFound(KGError):
    status = 404
    code = "not_found"


class Conflict(KGError):
    status = 409
    code = "conflict"


class PayloadTooLarge(KGError):
    status = 413
    code = "payload_too_large"


class UnsupportedEncoding(KGError):
    status = 415
    code = "unsupported_encoding"


class TooManyRequests(KGError):
    status = 429
    code = "rate_limited"


class TooManyRows(KGError):
    status = 400
    code = "too_many_rows"


class QueryWorkerFailed(KGError):
    status = 500
    code = "query_worker_failed"


class QueryTimeout(KGError):
    status = 503
    code = "query_timeout"


class ServerBusy(KGError):
    status = 503
    code = "busy"


class StoreUnavailable(KGError):
    """The remote SPARQL store cannot be reached, refused mlkg, or failed."""

    status = 503
    code = "store_unavailable"


class ClientGone(KGError):
    """The client left before its answer was ready; nobody reads this error."""

    status = 499
    code = "client_closed_request"


class NoteParseError(KGError):
    status = 422
    code = "parse_error"


class NoteValidationError(KGError):
    status = 422
    code = "validation_error"
