"""What each write to a shared store touched, logged by the write itself, for the other servers.

A write to a remote store records, in the same update request, the IRIs of the graphs it replaces
or drops as they were (read by the update's own WHERE) and as they are now, under an entry that the
marker update stamps with the write's generation. Another server reads the entries after the
generation it has indexed: one small query instead of comparing every graph. The last KEPT
generations are kept; a server further behind, or one that sees a user's SPARQL update (which
logs nothing), compares everything.
"""

import random
import uuid
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import pyoxigraph as ox

from kg.store.quad_store import CHANGES, PREFIXES, STATE, Store, bump, iri_term, select

ENTRY = "https://w3id.org/mlkg/id/change/"
KEPT = 1000
"""Generations the log keeps."""
PRUNE_EVERY = 50
"""A write prunes the log with this odds against one (pruning reads the whole log)."""
_TOUCHED = f"<{PREFIXES['mlkg']}touched>"
_GENERATION = f"<{PREFIXES['mlkg']}generation>"
ENTRIES = f"""SELECT ?e ?g ?x WHERE {{ GRAPH <{CHANGES}> {{ ?e {_GENERATION} ?g OPTIONAL {{ ?e {_TOUCHED} ?x }} }}
  FILTER(?g > %d && ?g <= %d) }}"""
PRUNE = f"""DELETE {{ GRAPH <{CHANGES}> {{ ?old ?p ?o }} }} WHERE {{
  GRAPH <{STATE}> {{ <{STATE}> {_GENERATION} ?now }}
  GRAPH <{CHANGES}> {{ ?old {_GENERATION} ?at ; ?p ?o }} FILTER(?at <= ?now - {KEPT}) }}"""


def logged_write(operations: list[str], graphs: list[str], ntriples: list[str]) -> tuple[str, str]:
    """`operations` on `graphs` as one update that logs their IRIs before and after, then moves the
    marker; and the IRI of the log entry."""
    entry_iri = f"{ENTRY}{uuid.uuid4()}"
    entry = f"<{entry_iri}>"
    values = " ".join(iri_term(g) for g in graphs)
    before = f"""INSERT {{ GRAPH <{CHANGES}> {{ {entry} {_TOUCHED} ?x }} }} WHERE {{ VALUES ?graph {{ {values} }}
  GRAPH ?graph {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} FILTER(isIRI(?x)) }} }}"""  # noqa: S608 - IRIs are checked
    after = sorted(_iris(ntriples) | set(graphs))
    now = f"INSERT DATA {{ GRAPH <{CHANGES}> {{ {' '.join(f'{entry} {_TOUCHED} {iri_term(i)} .' for i in after)} }} }}"
    prune = [PRUNE] if random.randrange(PRUNE_EVERY) == 0 else []  # noqa: S311 - spreads work, not a secret
    return " ;\n".join([before, *operations, now, *prune, bump(entry=entry)]), entry_iri


def _iris(ntriples: list[str]) -> set[str]:
    found: set[str] = set()
    for text in ntriples:
        for triple in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            found.update(t.value for t in (triple.subject, triple.object) if isinstance(t, ox.NamedNode))
    return found


@dataclass
class Logged:
    """What the log holds for some generations."""

    touched: set[str]
    """The IRIs the writes touched."""
    theirs: bool
    """Whether any of the writes is not one of `own` (another server's, or one whose answer was lost)."""
    own: set[str]
    """The entries of `own` that were read."""


def touched_since(store: Store, after: int, upto: int, own: AbstractSet[str] = frozenset()) -> Logged | None:
    """What the writes of generations after..upto touched, and whether all are among the `own` entries;
    None when the log does not hold them all."""
    generations: dict[int, str] = {}
    touched: set[str] = set()
    for row in select(store, ENTRIES % (after, upto)):
        generations[int(row["g"])] = row["e"]
        if "x" in row:
            touched.add(row["x"])
    if set(generations) != set(range(after + 1, upto + 1)):
        return None
    entries = set(generations.values())
    return Logged(touched, bool(entries - own), entries & own)
