"""Where the literature is thin: per stage and step, how many concerns, notes and papers; concerns no
paper or only one paper discusses; the most central concerns; notes that link no concern."""

from typing import Any

from kg.graph.lifecycle import discussed_by, lifecycle_overview
from kg.store.node_values import PREFIXES
from kg.store.quad_store import Store, select

CENTRAL = 10
UNLINKED_NOTES = """SELECT ?note ?path WHERE {
  ?note a mlkg:Note ; mlkg:path ?path .
  FILTER NOT EXISTS { ?note mlkg:discusses ?concern . ?concern a mlkg:Concern }
} ORDER BY ?path"""


def coverage_report(store: Store) -> dict[str, Any]:
    """The whole report as plain data (the JSON shape of `GET /coverage` and `kg coverage --format json`)."""
    discussed = discussed_by(store)
    stages = lifecycle_overview(store, discussed)
    papers, notes = discussed
    where: dict[str, tuple[str, str]] = {}
    report_stages = []
    for stage in stages:
        steps = []
        for step in stage["steps"]:
            concerns = [c["iri"] for c in step["concerns"]]
            where.update({iri: (stage["label"], step["label"]) for iri in concerns})
            steps.append(_counts(step, concerns, papers, notes))
        all_concerns = [c["iri"] for step in stage["steps"] for c in step["concerns"]]
        report_stages.append(_counts(stage, all_concerns, papers, notes) | {"steps": steps})
    labels = {c["iri"]: c["label"] for stage in stages for step in stage["steps"] for c in step["concerns"]}

    def concern(iri: str) -> dict[str, Any]:
        stage, step = where[iri]
        return {"iri": iri, "label": labels[iri], "stage": stage, "step": step}

    return {
        "stages": report_stages,
        "concerns_without_papers": [concern(c) for c in labels if not papers.get(c)],
        "concerns_with_one_paper": [
            concern(c) | {"paper": next(iter(papers[c]))} for c in labels if len(papers.get(c, [])) == 1
        ],
        "central_concerns": _central(labels, papers, notes, concern),
        "notes_without_concerns": _unlinked(store),
    }


def _counts(node: dict[str, Any], concerns: list[str], papers: dict[str, Any], notes: dict[str, Any]) -> dict[str, Any]:
    return {
        "iri": node["iri"],
        "label": node["label"],
        "concerns": len(concerns),
        "papers": len({p for c in concerns for p in papers.get(c, [])}),
        "notes": len({n for c in concerns for n in notes.get(c, [])}),
    }


def _central(
    labels: dict[str, str], papers: dict[str, Any], notes: dict[str, Any], concern: Any
) -> list[dict[str, Any]]:
    """PageRank on the graph of concerns and the papers and notes that discuss them, concerns only."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(labels)
    for links in (papers, notes):
        graph.add_edges_from((c, source) for c, sources in links.items() if c in labels for source in sources)
    if graph.number_of_edges() == 0:
        return []
    rank = nx.pagerank(graph)
    best = sorted(labels, key=lambda c: (-rank[c], labels[c]))[:CENTRAL]
    return [
        concern(c) | {"score": round(rank[c], 6), "papers": len(papers.get(c, [])), "notes": len(notes.get(c, []))}
        for c in best
    ]


def _unlinked(store: Store) -> list[dict[str, str]]:
    return [{"iri": row["note"], "path": row["path"]} for row in select(store, PREFIXES + UNLINKED_NOTES)]
