"""GET /coverage: where the literature is thin, as JSON, CSV (one row per step) or markdown."""

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.service import reads
from api.service.results import CoverageReport
from api.sparql_protocol import accepted
from kg.errors import NotAcceptable
from kg.graph.coverage_formats import coverage_csv, coverage_markdown

router = APIRouter(tags=["graph"])
MEDIA = {"json": "application/json", "csv": "text/csv", "markdown": "text/markdown"}
ANY = ("*/*", "application/*", "text/*")
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON (the model below), CSV of the steps, or markdown tables.",
        "content": {"text/csv": {"schema": {"type": "string"}}, "text/markdown": {"schema": {"type": "string"}}},
    }
}


def _format(accept: str, override: str | None) -> str:
    """`format=`, else the first type in Accept that is offered; JSON when anything goes."""
    if override is not None:
        if override not in MEDIA:
            raise NotAcceptable(f"format {override!r} is not offered; use one of {', '.join(MEDIA)}")
        return override
    if not accept.strip():
        return "json"
    by_media = {media: name for name, media in MEDIA.items()} | dict.fromkeys(
        ("*/*", "application/*", "text/*"), "json"
    )
    for media, quality in accepted(accept):
        if quality > 0 and media in by_media:
            return by_media[media]
    raise NotAcceptable(f"none of the accepted types ({accept}) is offered; use one of {', '.join(MEDIA.values())}")


@router.get("/coverage", response_model=CoverageReport, responses=RESPONSES)
async def coverage(
    request: Request,
    services: ServicesDep,
    format: str | None = Query(None, description="json, csv or markdown (overrides Accept)."),
) -> Response | CoverageReport:
    """Per stage and step, how many concerns, notes and papers; concerns no paper or one paper discusses;
    the most central concerns; notes that link no concern."""
    fmt = _format(request.headers.get("accept", ""), format)
    report = await run_in_threadpool(reads.coverage, services)
    if fmt == "json":
        return report
    render = coverage_csv if fmt == "csv" else coverage_markdown
    return Response(render(report.model_dump()), media_type=f"{MEDIA[fmt]}; charset=utf-8")
