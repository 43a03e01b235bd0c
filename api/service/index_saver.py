"""Saves the search index in the background once writes pause, so a write does not wait for the disk.

The index is kept in memory and updated in place; a saved copy only spares the next process from
bringing it up to date from the store (which it does correctly either way). Where the platform forks,
the files are written by a child process: it holds the index as it was at the fork (copy-on-write), so
neither readers nor writers wait while a large index (5 s at 50,000 notes) is written.
"""

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
QUIET_SECONDS = 2.0
SPACING = 20.0
"""After a save that took d seconds, the next waits at least SPACING x d: a large index (5 s of a core and
~700 MB of disk writes at 50,000 notes) is saved at most every ~100 s, a small one as soon as writes pause."""
MAX_SPACING = 600.0
CHILD_TIMEOUT = 900.0
"""A child still writing after this long is stopped; the next save starts again."""


def fork_to_write(write: Callable[[], None]) -> int | None:
    """Run `write` in a forked child and return its pid (None: no fork here, so it ran in this process).

    Call it while the data `write` reads cannot change; the child runs nothing else of the server."""
    if not hasattr(os, "fork"):
        write()
        return None
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            write()
            ok = True
        finally:
            os._exit(0 if ok else 1)  # never back into the server's threads, locks or atexit handlers
    return pid


def reap(pid: int, stopped: threading.Event, timeout: float = CHILD_TIMEOUT) -> bool:
    """Wait for a child to finish; True when it wrote everything. It is killed when the saver stops or
    the time is up (a partial folder is never made current, and the next save removes it)."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0
        if stopped.is_set() or time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False
        stopped.wait(0.05)


class IndexSaver:
    """Calls `save` once writes pause; `save` returns the pid of a child writing the files (see
    `fork_to_write`), which the saver waits for, or None when the files are written."""

    def __init__(self, save: Callable[[], int | None], quiet: float = QUIET_SECONDS) -> None:
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
                child = self._save()
                if child is not None and not reap(child, self._stopped):
                    log.warning("the process saving the search index did not finish; the next save tries again")
            except OSError as error:  # a full disk must not stop the server; the next save tries again
                log.warning("could not save the search index: %s", error)
            took = time.monotonic() - started
            log.debug("saved the search index in %.2f s", took)
            self._stopped.wait(min(SPACING * took, MAX_SPACING))

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        """Stop saving (a child still writing is stopped) and wait for the saver's thread."""
        self._stopped.set()
        self._poked.set()
        self._thread.join(timeout=30)
