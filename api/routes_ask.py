"""Natural-language questions: the answer document of `kg ask --json`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.rate_limit import check_rate
from api.service import reads
from api.service.results import Answer
from kg.search.kinds import KINDS

router = APIRouter(tags=["ask"], dependencies=[Depends(check_rate)])
KindParam = Annotated[str | None, Query(description=f"Only one kind: {', '.join(KINDS)}.", examples=["concern"])]


class AskBody(BaseModel):
    q: str = Field(min_length=1, max_length=1000, examples=["someone is copying my model through its API"])
    k: int = Field(5, ge=1, le=100)
    type: str | None = Field(None, examples=["concern"])


@router.get("/ask")
async def ask_get(
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, examples=["someone is copying my model through its API"])],
    k: Annotated[int, Query(ge=1, le=100)] = 5,
    type: KindParam = None,
) -> Answer:
    """The nodes a question is about, best first, with stage, step, papers, notes, solutions and sources."""
    return await run_in_threadpool(reads.ask, services, q, k, type)


@router.post("/ask")
async def ask_post(services: ServicesDep, body: AskBody) -> Answer:
    """As GET /ask, with the question in a JSON body."""
    return await run_in_threadpool(reads.ask, services, body.q, body.k, body.type)
