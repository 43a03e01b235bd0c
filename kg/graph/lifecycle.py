"""The whole lifecycle at a glance: stages, their steps and concerns, and who discusses each."""

from typing import Any

from kg.graph.context import CAPPED_LINKS
from kg.store.node_values import values_by_node
from kg.store.quad_store import Store

FIRST_LINE = "?node prov:qualifiedDerivation ?d . ?d mlkg:line ?value FILTER NOT EXISTS { ?d mlkg:field ?f }"


Discussed = tuple[dict[str, list[str]], dict[str, list[str]]]


def discussed_by(store: Store) -> Discussed:
    """The papers, and the notes, that discuss each node."""
    papers, notes = (values_by_node(store, CAPPED_LINKS[kind]) for kind in ("papers", "notes"))
    return papers, notes


def lifecycle_overview(store: Store, discussed: Discussed | None = None) -> list[dict[str, Any]]:
    """Stages in the order notes list them, each with its steps and their concerns, with counts."""
    labels = values_by_node(store, "?node rdfs:label ?value")
    stage_of = values_by_node(store, "?node mlkg:stage ?value")
    step_of = values_by_node(store, "?node mlkg:step ?value")
    stages = values_by_node(store, "?node a ?value VALUES ?value { mlkg:Stage }")
    lines = {node: min(int(v) for v in values) for node, values in values_by_node(store, FIRST_LINE).items()}
    papers, notes = discussed or discussed_by(store)

    def order(nodes: list[str]) -> list[str]:
        return sorted(nodes, key=lambda n: (lines.get(n, 1 << 30), n))

    def entry(node: str) -> dict[str, Any]:
        return {"iri": node, "label": min(labels.get(node, [node]), key=len)}

    overview = []
    for stage in order(list(stages)):
        steps = []
        for step in order([s for s, above in stage_of.items() if stage in above]):
            concerns = [
                entry(c) | {"papers": len(papers.get(c, [])), "notes": len(notes.get(c, []))}
                for c in order([c for c, above in step_of.items() if step in above])
            ]
            steps.append(entry(step) | {"concerns": concerns})
        overview.append(entry(stage) | {"steps": steps})
    return overview
