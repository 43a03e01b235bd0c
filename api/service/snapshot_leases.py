"""Snapshot folders stay on disk while any query holds them; the rest are removed as they age out."""

import shutil
import threading
from collections import Counter
from pathlib import Path


class SnapshotLeases:
    """Counts the queries holding each snapshot folder; a retired folder goes when its last holder lets go."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: Counter[Path] = Counter()
        self._retired: set[Path] = set()

    def acquire(self, folder: Path) -> None:
        with self._lock:
            self._held[folder] += 1

    def release(self, folder: Path) -> None:
        with self._lock:
            self._held[folder] -= 1
            if self._held[folder] > 0:
                return
            del self._held[folder]
            if folder not in self._retired:
                return
            self._retired.discard(folder)
            _retiring(folder)
        _remove(folder)

    def retire(self, folders: list[Path]) -> None:
        """Remove these folders now, or when the last query holding one is done with it."""
        with self._lock:
            gone = [folder for folder in folders if self._held[folder] <= 0]
            self._retired |= {folder for folder in folders if self._held[folder] > 0}
            for folder in gone:
                self._held.pop(folder, None)
                _retiring(folder)
        for folder in gone:
            _remove(folder)

    def held(self) -> dict[Path, int]:
        with self._lock:
            return {folder: count for folder, count in self._held.items() if count}


def _retiring(folder: Path) -> None:
    """Rename the folder aside while the lock is held, so that no lease can take it after this."""
    if folder.exists():
        folder.rename(folder.with_name(f"{folder.name}.retired"))


def _remove(folder: Path) -> None:
    """Delete a retired folder outside the lock: a lease taken meanwhile waits for no deletion."""
    shutil.rmtree(folder.with_name(f"{folder.name}.retired"), ignore_errors=True)
