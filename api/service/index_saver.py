"""Saves the search index in the background once writes pause, so a write does not wait for the disk.

The index is kept in memory and updated in place; a saved copy only spares the next process from
bringing it up to date from the store (which it does correctly either way).
"""

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
QUIET_SECONDS = 2.0
SPACING = 20.0
"""After a save that took d seconds, the next waits at least SPACING x d: a large index (5 s to save at
50,000 notes, while writes wait) is saved at most every ~100 s, a small one as soon as writes pause."""
MAX_SPACING = 600.0


class IndexSaver:
    def __init__(self, save: Callable[[], None], quiet: float = QUIET_SECONDS) -> None:
        self._save, self._quiet = save, quiet
        self._poked = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mlkg-index-saver", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """A write happened: save once no other write has come for a while."""
        self._poked.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._poked.wait()
            if self._stopped.is_set():
                return
            self._poked.clear()
            if self._stopped.wait(self._quiet) or self._poked.is_set():
                continue
            started = time.monotonic()
            try:
                self._save()
            except OSError as error:  # a full disk must not stop the server; the next save tries again
                log.warning("could not save the search index: %s", error)
            took = time.monotonic() - started
            log.debug("saved the search index in %.2f s", took)
            self._stopped.wait(min(SPACING * took, MAX_SPACING))

    def stop(self) -> None:
        self._stopped.set()
        self._poked.set()
        self._thread.join(timeout=30)
