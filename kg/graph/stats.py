"""Counts that describe the graph: triples, notes, and nodes of each class."""

from kg.store.quad_store import Store, select

COUNTS = """
PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?class (COUNT(DISTINCT ?node) AS ?n) WHERE {
  VALUES ?class { mlkg:Stage mlkg:Step mlkg:Concern mlkg:Paper mlkg:Solution mlkg:Note }
  ?node a ?class
} GROUP BY ?class
"""


def graph_stats(store: Store) -> dict[str, int]:
    """Triples in the store, imported notes, and distinct nodes of each mlkg class."""
    by_class = {row["class"].rsplit("#", 1)[1].lower() + "s": int(row["n"]) for row in select(store, COUNTS)}
    stats = {"triples": store.triple_count(), "imported_notes": len(store.note_paths())}
    for name in ("stages", "steps", "concerns", "papers", "solutions", "notes"):
        stats[name] = by_class.get(name, 0)
    return stats
