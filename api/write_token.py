"""The write token: the configured one, or one made on first start and kept readable only by the user."""

import os
import secrets
from pathlib import Path

TOKEN_FILE = "api-token"  # noqa: S105 (a file name, not a secret)


def token_file(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def load_or_create_token(data_dir: Path) -> tuple[str, bool]:
    """(token, made now): the token kept under `data_dir`, made with mode 0600 when there is none."""
    path = token_file(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        token = path.read_text("utf-8").strip()
        if token:
            return token, False
        descriptor = os.open(path, os.O_WRONLY | os.O_TRUNC)
    token = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token, True
