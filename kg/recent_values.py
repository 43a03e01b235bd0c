"""A bounded map that keeps the most recently used values; safe to share between threads."""

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecentValues(Generic[K, V]):
    """The last `size` values put or found; older ones are dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def found(self, keys: Iterable[K]) -> dict[K, V]:
        """Those of `keys` kept, now counted as recently used."""
        with self._lock:
            hits = {key: self._kept[key] for key in keys if key in self._kept}
            for key in hits:
                self._kept.move_to_end(key)
        return hits

    def keep(self, values: Mapping[K, V]) -> None:
        with self._lock:
            self._kept.update(values)
            for key in values:
                self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
