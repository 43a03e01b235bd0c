"""The one place that wires mlkg's services together; the CLI and the app both call it."""

import logging
from dataclasses import dataclass

from ingest.pipeline import Importer
from kg.settings import Settings
from kg.store import OxigraphStore, Store

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    store: Store
    importer: Importer

    def close(self) -> None:
        self.store.close()


def build_services(settings: Settings, read_only: bool = False) -> Services:
    """Open the store under the data directory and build the importer around it."""
    store_dir = settings.store_dir
    read_only = read_only and store_dir.exists()
    store = OxigraphStore(store_dir, read_only=read_only)
    log.debug("opened store at %s (read_only=%s)", store_dir, read_only)
    importer = Importer(store, settings.max_note_bytes, settings.validate_shapes, settings.ingest_workers)
    return Services(settings, store, importer)
