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
            if folder in self._retired:
                self._retired.discard(folder)
                shutil.rmtree(folder, ignore_errors=True)

    def retire(self, folders: list[Path]) -> None:
        """Remove these folders now, or when the last query holding one is done with it."""
        with self._lock:
            for folder in folders:
                if self._held[folder] > 0:
                    self._retired.add(folder)
                else:
                    self._held.pop(folder, None)
                    shutil.rmtree(folder, ignore_errors=True)

    def held(self) -> dict[Path, int]:
        with self._lock:
            return {folder: count for folder, count in self._held.items() if count}
