"""Importing, reading, replacing and deleting notes."""

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as FastPath
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.audit import AuditDep, AuditLog
from api.deps import ServicesDep, WriterDep
from api.metrics import Metrics
from api.service import reads, writes
from api.service.core import Services
from api.service.results import ImportResult, NoteDetail, NoteSummary
from kg.errors import BadRequest, PayloadTooLarge

router = APIRouter(tags=["notes"])
MAX_NAME_BYTES = 200
MAX_DEPTH = 16
NoteId = Annotated[str, FastPath(examples=["challenges-in-deploying-machine-learning-a-survey-of-case-studies"])]
NameParam = Annotated[str | None, Query(description="Path of the note in the vault, e.g. 'Security/My paper.md'.")]
MARKDOWN_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "text/markdown": {
                "schema": {"type": "string"},
                "example": "# Notes\n\n| Stage | Step | Concern |\n|---|---|---|\n| Ops | Serving | Cold starts |\n",
            },
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
        }
    }
}


def _note_path(name: str | None) -> str:
    """A safe vault path from the client's name: folders kept, no '..', hidden or control characters."""
    if not name:
        raise BadRequest("give the note's path in the vault: ?name=Topic/My%20note.md (or upload a file)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise BadRequest("the note's name holds a control character")
    parts = [part.strip() for part in name.replace("\\", "/").split("/") if part.strip()]
    if not parts or any(part in (".", "..") or part.startswith(".") for part in parts):
        raise BadRequest(f"{name!r} is not a usable note path (no '..', no hidden folders or files)")
    if any(len(part.encode("utf-8")) > MAX_NAME_BYTES for part in parts) or len(parts) > MAX_DEPTH:
        raise BadRequest(f"the note's path is too long: at most {MAX_DEPTH} folders of {MAX_NAME_BYTES} bytes each")
    path = "/".join(parts)
    return path if path.lower().endswith((".md", ".markdown")) else f"{path}.md"


async def _body(request: Request, limit: int) -> tuple[bytes, str | None]:
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit:
        raise PayloadTooLarge(f"note is {declared:,} bytes; the limit is {limit:,} (KG_MAX_NOTE_BYTES)")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("the multipart body needs a 'file' part")
        return await upload.read(limit + 1), upload.filename
    return await request.body(), None


def _record(request: Request, action: str, result: ImportResult, outcome: dict[str, object]) -> None:
    """What the write did, for its audit line and the metrics."""
    metrics: Metrics = request.app.state.metrics
    for note in result.notes:
        metrics.note_writes.labels(action, note.status).inc()
    outcome["notes"] = [
        {"note": n.iri, "status": n.status, "content_hash": n.content_hash, "triples_added": n.triples_added}
        for n in result.notes
    ]


async def _import(
    request: Request, services: Services, audit: AuditLog, action: str, path: str, data: bytes
) -> ImportResult:
    intent = {"path": path, "content_hash": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    with audit.writing(request, action, **intent) as outcome:
        result = await run_in_threadpool(writes.import_note, services, path, data)
        _record(request, action, result, outcome)
    return result


@router.post("/notes", status_code=201, openapi_extra=MARKDOWN_BODY)
async def create_note(
    request: Request, services: ServicesDep, audit: AuditDep, _: WriterDep, name: NameParam = None
) -> ImportResult:
    """Import a note: parsed, validated (SHACL), stored, linked and indexed; 422 with file:line if invalid."""
    data, uploaded = await _body(request, services.settings.max_note_bytes)
    return await _import(request, services, audit, "import", _note_path(name or uploaded), data)


@router.put("/notes/{note_id:path}", openapi_extra=MARKDOWN_BODY)
async def replace_note(
    request: Request, note_id: NoteId, services: ServicesDep, audit: AuditDep, _: WriterDep
) -> ImportResult:
    """Replace an imported note's markdown; its graph, index entries and links are replaced too."""
    existing = await run_in_threadpool(reads.note, services, note_id, False)
    data, _uploaded = await _body(request, services.settings.max_note_bytes)
    return await _import(request, services, audit, "replace", existing.path, data)


@router.delete("/notes/{note_id:path}", status_code=204)
async def remove_note(
    request: Request, note_id: NoteId, services: ServicesDep, audit: AuditDep, _: WriterDep
) -> Response:
    """Delete a note: everything only it asserted disappears; notes linking to it are linked again."""
    existing = await run_in_threadpool(reads.note, services, note_id, False)
    with audit.writing(request, "delete", note=existing.iri, path=existing.path):
        await run_in_threadpool(writes.delete_note, services, existing.iri)
    request.app.state.metrics.note_writes.labels("delete", "deleted").inc()
    return Response(status_code=204)


PAGED_HEADERS: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Total-Count": {"description": "Notes in the whole list (after `path`).", "schema": {"type": "integer"}},
            "Link": {"description": "RFC 8288 links to the `next` and `prev` pages.", "schema": {"type": "string"}},
        }
    }
}


@router.get("/notes", responses=PAGED_HEADERS)
async def list_notes(
    request: Request,
    response: Response,
    services: ServicesDep,
    offset: Annotated[int, Query(ge=0, description="Notes to skip (by IRI).")] = 0,
    limit: Annotated[int | None, Query(ge=1, description="Notes to return (default: all).")] = None,
    path: Annotated[
        str | None, Query(max_length=MAX_NAME_BYTES, description="Only notes whose vault path holds this (any case).")
    ] = None,
) -> list[NoteSummary]:
    """Imported notes by IRI, a page at a time with `offset` and `limit`: id, IRI, vault path, title,
    paper, concepts discussed and when imported. `X-Total-Count` and `Link` say what the pages hold."""
    page = await run_in_threadpool(reads.notes, services, offset, limit, path)
    response.headers["X-Total-Count"] = str(page.total)
    if links := _page_links(request, page, limit):
        response.headers["Link"] = links
    return page.notes


def _page_links(request: Request, page: reads.NotePage, limit: int | None) -> str:
    """`Link` to the next and previous pages of the same size (none when the list is whole)."""
    if limit is None:
        return ""
    found = []
    if page.offset + limit < page.total:
        found.append(f'<{request.url.include_query_params(offset=page.offset + limit)}>; rel="next"')
    if page.offset > 0:
        found.append(f'<{request.url.include_query_params(offset=max(page.offset - limit, 0))}>; rel="prev"')
    return ", ".join(found)


@router.get("/notes/{note_id:path}")
async def get_note(note_id: NoteId, services: ServicesDep) -> NoteDetail:
    """A note's metadata, its markdown (when kept) and the nodes derived from it."""
    return await run_in_threadpool(reads.note, services, note_id, True)
