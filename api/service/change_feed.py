"""What other servers changed in a shared store since this one last looked, from the change marker.

Each look is one small query (the marker); only when it moved is the change log read: the IRIs the
writes since the last look touched (kg/store/change_log.py), which are the nodes to index again,
and whether any of those writes was another server's (this server has indexed its own already).
When the log does not hold every write since (a user's SPARQL update logs nothing; a server far
behind finds entries pruned), everything is compared.
"""

from dataclasses import dataclass

from kg.store.change_log import touched_since
from kg.store.quad_store import ChangeMarker, Store


@dataclass
class Changes:
    """The nodes to index again (None: compare everything) and the marker they bring the reader to."""

    touched: set[str] | None
    marker: ChangeMarker
    theirs: bool = True
    """Whether another writer made any of them (else they are all this server's own writes)."""


@dataclass
class ChangeFeed:
    marker: ChangeMarker | None = None
    """Where the store was at the last look (None: never looked)."""

    def start(self, store: Store) -> None:
        """Remember where the store is now (what the reader is about to be brought up to)."""
        self.marker = store.change_marker()
        store.own_entries.clear()  # writes before now are in what the reader is brought up to

    def look(self, store: Store) -> Changes | None:
        """The changes since the last look; None when the marker has not moved."""
        marker = store.change_marker()
        last = self.marker
        if last is not None and marker == last:
            return None
        logged = None
        # a user's update, or another store behind the same address (generations start again), is compared whole
        if last is not None and marker.raw_generation <= last.raw_generation and marker.generation > last.generation:
            logged = touched_since(store, last.generation, marker.generation, store.own_entries)
        self.marker = marker
        if logged is None:
            return Changes(None, marker)
        store.own_entries -= logged.own
        return Changes(logged.touched, marker, logged.theirs)
