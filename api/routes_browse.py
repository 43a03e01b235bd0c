"""Browsing the graph: lists of stages, steps, concerns, papers and solutions; one node; paths."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.service import reads
from api.service.results import GraphPath, LifecycleStage, Neighbourhood, NodeContext, NodeSummary
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


def _register(plural: str, kind: str) -> None:
    async def listing(services: ServicesDep) -> list[NodeSummary]:
        return await run_in_threadpool(reads.nodes, services, kind)

    async def detail(slug: Annotated[str, Path(examples=[EXAMPLE_IDS[kind]])], services: ServicesDep) -> NodeContext:
        return await run_in_threadpool(reads.node, services, kind, slug)

    listing.__doc__ = f"Every {kind}: IRI, id and label."
    detail.__doc__ = f"One {kind} with its stage, step, papers, notes, solutions, related concerns and sources."
    router.add_api_route(f"/{plural}", listing, methods=["GET"], name=f"list_{plural}")
    router.add_api_route(f"/{plural}/{{slug}}", detail, methods=["GET"], name=f"get_{kind}")


for _plural, _kind in PLURAL.items():
    _register(_plural, _kind)


@router.get("/lifecycle")
async def lifecycle(services: ServicesDep) -> list[LifecycleStage]:
    """Every stage with its steps and their concerns, in the notes' order, with papers and notes per concern."""
    return await run_in_threadpool(reads.lifecycle, services)


@router.get("/graph/neighbours")
async def neighbours(
    services: ServicesDep,
    iri: Annotated[str, Query(examples=[f"{ID_BASE}concern/model-stealing"])],
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
) -> Neighbourhood:
    """Nodes within `depth` links of a node (either direction) and the links between them."""
    return await run_in_threadpool(reads.neighbours, services, iri, depth)


@router.get("/graph/path")
async def path(
    services: ServicesDep,
    source: Annotated[str, Query(alias="from", examples=[f"{ID_BASE}concern/model-stealing"])],
    target: Annotated[str, Query(alias="to", examples=[f"{ID_BASE}concern/concept-drift"])],
) -> GraphPath:
    """The shortest path between two nodes, ignoring link direction, with labels."""
    return await run_in_threadpool(reads.path, services, source, target)
