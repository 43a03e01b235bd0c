"""An append-only audit log of writes: when, by which token, to which note, with what effect."""

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from api.request_context import REQUEST_ID
from kg.errors import KGError


def token_id(authorization: str | None) -> str:
    """A stable, non-secret name for the bearer token a request carried."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "anonymous"
    return "sha256:" + hashlib.sha256(token.strip().encode()).hexdigest()[:12]


class AuditLog:
    """JSON lines in DATA_DIR/audit.jsonl, each written and synced before the server goes on.

    A write leaves two lines with the same `write` id: `intent` before anything is stored, and
    `done` with its outcome (`ok` or the error code) after. A write that was cut short (a crash)
    shows as an intent without its `done`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @contextmanager
    def writing(self, request: Request, action: str, **intent: Any) -> Iterator[dict[str, Any]]:
        """Record the intent, run the write, then record its outcome with what the caller put in the dict."""
        write = uuid.uuid4().hex
        self._append(request, action, phase="intent", write=write, **intent)
        outcome: dict[str, Any] = {}
        try:
            yield outcome
        except KGError as error:
            self._append(request, action, phase="done", write=write, outcome=error.code, message=error.message[:300])
            raise
        self._append(request, action, phase="done", write=write, outcome="ok", **outcome)

    def _append(self, request: Request, action: str, **details: Any) -> None:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "action": action,
            "token": token_id(request.headers.get("authorization")),
            "client": request.client.host if request.client else None,
            "request_id": REQUEST_ID.get(),
            **details,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)
                file.flush()
                os.fsync(file.fileno())


async def get_audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


AuditDep = Annotated[AuditLog, Depends(get_audit)]
