"""Browsing the graph: lists of stages, steps, concerns, papers and solutions; one concern; paths."""

from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.services import Services
from kg.errors import BadRequest, NotFound
from kg.graph.context import graph_context
from kg.graph.lifecycle import lifecycle_overview
from kg.iris import ID_BASE

router = APIRouter(tags=["browse"])
PLURAL = {
    "stages": "stage",
    "steps": "step",
    "concerns": "concern",
    "papers": "paper",
    "solutions": "solution",
}
EXAMPLE_IDS = {
    "stage": "cross-cutting-aspects",
    "step": "security",
    "concern": "model-stealing",
    "paper": "arxiv-2011.09926",
    "solution": "weak-supervision",
}


def _listing(services: Services, kind: str) -> list[dict[str, Any]]:
    index = services.search.index
    return [{"iri": t.iri, "id": t.iri.rsplit("/", 1)[1], "label": t.label} for t in index.texts if t.kind == kind]


def _detail(services: Services, kind: str, slug: str) -> dict[str, Any]:
    iri = f"{ID_BASE}{kind}/{slug}"
    engine = services.search
    row = engine.index.row.get(iri)
    if row is None:
        raise NotFound(f"no {kind} has the id {slug!r}")
    text = engine.index.texts[row]
    return {
        "iri": iri,
        "kind": kind,
        "label": text.label,
        **graph_context(engine.store, engine.view, [iri])[iri],
    }


def _register(plural: str, kind: str) -> None:
    async def listing(services: ServicesDep) -> list[dict[str, Any]]:
        return await run_in_threadpool(_listing, services, kind)

    async def detail(slug: Annotated[str, Path(examples=[EXAMPLE_IDS[kind]])], services: ServicesDep) -> dict[str, Any]:
        return await run_in_threadpool(_detail, services, kind, slug)

    listing.__doc__ = f"Every {kind}: IRI, id and label."
    detail.__doc__ = f"One {kind} with its stage, step, papers, notes, solutions, related concerns and sources."
    router.add_api_route(f"/{plural}", listing, methods=["GET"], name=f"list_{plural}")
    router.add_api_route(f"/{plural}/{{slug}}", detail, methods=["GET"], name=f"get_{kind}")


for _plural, _kind in PLURAL.items():
    _register(_plural, _kind)


def _node(graph: nx.MultiDiGraph, iri: str) -> str:
    if iri not in graph:
        raise NotFound(f"{iri!r} is not a node of the graph")
    return iri


@router.get("/lifecycle")
async def lifecycle(services: ServicesDep) -> list[dict[str, Any]]:
    """Every stage with its steps and their concerns, in the notes' order, with papers and notes per concern."""
    return await run_in_threadpool(lifecycle_overview, services.reader)


@router.get("/graph/neighbours")
async def neighbours(
    services: ServicesDep,
    iri: Annotated[str, Query(examples=[f"{ID_BASE}concern/model-stealing"])],
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
) -> dict[str, Any]:
    """Nodes within `depth` links of a node (either direction) and the links between them."""
    view = services.search.view
    start = _node(view.graph, iri)
    undirected = view.graph.to_undirected(as_view=True)
    reached = nx.single_source_shortest_path_length(undirected, start, cutoff=depth)
    nodes = [
        {"iri": n, "label": view.label(n), "kind": view.graph.nodes[n]["kind"], "depth": d}
        for n, d in sorted(reached.items(), key=lambda item: (item[1], item[0]))
    ]
    edges = [{"from": a, "to": b, "rel": k} for a, b, k in view.graph.subgraph(reached).edges(keys=True)]
    return {"center": start, "depth": depth, "nodes": nodes, "edges": edges}


@router.get("/graph/path")
async def path(
    services: ServicesDep,
    source: Annotated[str, Query(alias="from", examples=[f"{ID_BASE}concern/model-stealing"])],
    target: Annotated[str, Query(alias="to", examples=[f"{ID_BASE}concern/concept-drift"])],
) -> dict[str, Any]:
    """The shortest path between two nodes, ignoring link direction, with labels."""
    view = services.search.view
    undirected = view.graph.to_undirected(as_view=True)
    try:
        steps = nx.shortest_path(undirected, _node(view.graph, source), _node(view.graph, target))
    except nx.NetworkXNoPath as error:
        raise BadRequest("the two nodes are not connected") from error
    return {"path": [{"iri": n, "label": view.label(n), "kind": view.graph.nodes[n]["kind"]} for n in steps]}
