"""Runs the link evaluation: a scratch store of the labelled notes, linked with every candidate kept."""

import shutil
import tempfile
from pathlib import Path
from typing import Any

from api.service import writes
from api.service.core import build_services
from kg.graph.discussions import discussions
from kg.iris import links_graph_iri
from kg.links.evaluation import LinkScores, read_labels, sweep
from kg.search.encoder import Encoder
from kg.settings import Settings
from kg.store.quad_store import Store


def evaluate_links(
    settings: Settings, vault: Path, labels: Path, lifecycle: Path, encoder: Encoder | None = None
) -> list[LinkScores]:
    """Import `lifecycle` (the concerns) and `vault` into a scratch store and score links at each threshold."""
    scratch = Path(tempfile.mkdtemp(prefix="mlkg-eval-links-"))
    try:
        # threshold 0 and no cap keep every semantic candidate; the sweep applies both afterwards
        update = {"data_dir": scratch, "link_threshold": 0.0, "max_semantic_links": 10_000}
        services = build_services(settings.model_copy(update=update), encoder=encoder)
        try:
            writes.import_paths(services, [lifecycle, vault])
            found = _links_by_path(services.store)
        finally:
            services.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return sweep(found, read_labels(labels), settings.max_semantic_links)


def _links_by_path(store: Store) -> dict[str, list[dict[str, Any]]]:
    return {path: discussions(store, note, links_graph_iri(note)) for note, path in store.note_paths().items()}
