"""Finding note files and reading them safely: size limit, binary files, invalid UTF-8."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import PayloadTooLarge, Problem, UnsupportedEncoding

NOTE_SUFFIXES = {".md", ".markdown"}


@dataclass(frozen=True)
class NoteFile:
    """A note to import: where it is shown to the user, and its path inside its vault."""

    display: str
    relative: str
    file: Path | None = None
    root: Path | None = None
    """The vault root `relative` is taken from (None for a note given as bytes)."""


def absolute(path: Path) -> Path:
    """Absolute without resolving links: a note reached through a symlinked folder keeps its vault path."""
    return Path(os.path.abspath(path))


def given_root(path: Path) -> Path:
    """The vault root when nothing else is known: the folder given, or the folder of a file given."""
    return absolute(path) if path.is_dir() else absolute(path).parent


def collect(paths: list[Path], root_of: Callable[[Path], Path] = given_root) -> list[NoteFile]:
    """Markdown files named or found under the given folders (hidden folders skipped), sorted; each
    named by its path under the vault root `root_of` gives for the path it was found through."""
    found: dict[Path, NoteFile] = {}
    for path in paths:
        root, base = root_of(path), absolute(path)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(path)
                if (
                    file.suffix.lower() in NOTE_SUFFIXES
                    and file.is_file()
                    and not any(part.startswith(".") for part in rel.parts)
                ):
                    vault_path = (base / rel).relative_to(root).as_posix()
                    found.setdefault(file.resolve(), NoteFile(str(file), vault_path, file, root))
        else:
            found.setdefault(path.resolve(), NoteFile(str(path), base.relative_to(root).as_posix(), path, root))
    return list(found.values())


def collect_changed(changed: list[Path], roots: list[Path]) -> list[NoteFile]:
    """Changed files as `collect` would name them under these vault roots: vault paths keep their folders."""
    files = []
    for path in sorted(set(changed)):
        where = absolute(path)
        root = max((r for r in roots if r in where.parents), key=lambda r: len(r.parts), default=None)
        relative = where.relative_to(root).as_posix() if root else path.name
        files.append(NoteFile(str(path), relative, path))
    return files


def check_size(size: int, display: str, max_bytes: int) -> None:
    """Refuse a note larger than the configured limit."""
    if size > max_bytes:
        raise PayloadTooLarge(
            f"note is {size:,} bytes; the limit is {max_bytes:,} (KG_MAX_NOTE_BYTES)",
            [Problem(f"note is larger than {max_bytes:,} bytes", display, None)],
        )


def read_note(note_file: NoteFile, max_bytes: int) -> bytes:
    """The file's bytes, without reading a file that is over the limit."""
    assert note_file.file is not None
    check_size(note_file.file.stat().st_size, note_file.display, max_bytes)
    return note_file.file.read_bytes()


def decode_note(data: bytes, display: str, max_bytes: int) -> str:
    """UTF-8 text of a note, or an error that says which line holds the bad bytes."""
    check_size(len(data), display, max_bytes)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise UnsupportedEncoding(
            f"binary file (NUL byte at line {line}), not a markdown note",
            [Problem("binary content (NUL byte), not a markdown note", display, line)],
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnsupportedEncoding(
            f"not valid UTF-8 (byte {error.start} on line {line})",
            [Problem(f"invalid UTF-8 byte 0x{data[error.start]:02x}; save the note as UTF-8", display, line)],
        ) from error
