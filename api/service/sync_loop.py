"""Keeps a server's index and graph view up with other servers' writes to a shared store."""

import logging
import threading

from api.service.core import Services
from kg.errors import KGError

log = logging.getLogger(__name__)


class SyncLoop:
    """Looks at the store's change marker every `interval` seconds, in its own thread."""

    def __init__(self, services: Services, interval: float) -> None:
        self.services, self.interval = services, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mlkg-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        failing = False
        while not self._stop.wait(self.interval):
            try:
                change = self.services.catch_up()
            except KGError as error:
                if not failing:  # one line when the store goes away, one when it is back
                    log.warning("cannot look for other servers' writes: %s", error)
                failing = True
                continue
            if failing:
                log.info("the store answers again; caught up")
            failing = False
            if change is not None and (change.encoded or change.removed):
                log.info("caught up with the store: %d nodes encoded, %d removed", change.encoded, change.removed)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 30)
