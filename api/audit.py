"""An append-only audit log of writes: when, by which token, to which note, with what effect."""

import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request


def token_id(authorization: str | None) -> str:
    """A stable, non-secret name for the bearer token a request carried."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "anonymous"
    return "sha256:" + hashlib.sha256(token.strip().encode()).hexdigest()[:12]


class AuditLog:
    """JSON lines in DATA_DIR/audit.jsonl, each written and synced before the request is answered."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, request: Request, action: str, **details: Any) -> None:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "action": action,
            "token": token_id(request.headers.get("authorization")),
            "client": request.client.host if request.client else None,
            **details,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)
                file.flush()
                os.fsync(file.fileno())


def get_audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


AuditDep = Annotated[AuditLog, Depends(get_audit)]
