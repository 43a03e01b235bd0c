"""Importing, reading, replacing and deleting notes."""

from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as FastPath
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.audit import AuditDep, AuditLog
from api.deps import ServicesDep, WriterDep
from api.note_service import note_detail, note_list, remove_kept_note, save_note
from kg.errors import BadRequest, PayloadTooLarge

router = APIRouter(tags=["notes"])
MAX_NAME_BYTES = 200
NoteId = Annotated[str, FastPath(examples=["challenges-in-deploying-machine-learning-a-survey-of-case-studies"])]
NameParam = Annotated[str | None, Query(description="File name of the note, e.g. 'My paper.md'.")]
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


def _file_name(name: str | None) -> str:
    if not name:
        raise BadRequest("give the note's file name: ?name=My%20note.md (or upload a file)")
    base = PurePosixPath(name.replace("\\", "/")).name
    if not base or base.startswith(".") or base in ("..",):
        raise BadRequest(f"{name!r} is not a usable file name")
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:
        raise BadRequest(f"the file name is over {MAX_NAME_BYTES} bytes; give a shorter one")
    return base if base.lower().endswith((".md", ".markdown")) else f"{base}.md"


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


def _audit_save(audit: AuditLog, request: Request, action: str, saved: dict[str, Any]) -> None:
    changes = {k: saved[k] for k in ("status", "content_hash", "triples_added", "triples_removed")}
    audit.record(request, action, note=saved["iri"], **changes)


@router.post("/notes", status_code=201, openapi_extra=MARKDOWN_BODY)
async def create_note(
    request: Request, services: ServicesDep, audit: AuditDep, _: WriterDep, name: NameParam = None
) -> dict[str, Any]:
    """Import a note: parsed, validated (SHACL), stored and indexed in one step; 422 with file:line if invalid."""
    data, uploaded = await _body(request, services.settings.max_note_bytes)
    saved = await run_in_threadpool(save_note, services, _file_name(name or uploaded), data)
    _audit_save(audit, request, "import", saved)
    return saved


@router.put("/notes/{note_id}", openapi_extra=MARKDOWN_BODY)
async def replace_note(
    request: Request, note_id: NoteId, services: ServicesDep, audit: AuditDep, _: WriterDep
) -> dict[str, Any]:
    """Replace an imported note's markdown; its graph, index entries and links are replaced too."""
    existing = await run_in_threadpool(note_detail, services, note_id, False)
    data, _uploaded = await _body(request, services.settings.max_note_bytes)
    saved = await run_in_threadpool(save_note, services, PurePosixPath(existing["path"]).name, data)
    _audit_save(audit, request, "replace", saved)
    return saved


@router.delete("/notes/{note_id}", status_code=204)
async def remove_note(
    request: Request, note_id: NoteId, services: ServicesDep, audit: AuditDep, _: WriterDep
) -> Response:
    """Delete a note: everything only it asserted disappears."""
    existing = await run_in_threadpool(note_detail, services, note_id, False)
    await run_in_threadpool(remove_kept_note, services, existing)
    audit.record(request, "delete", note=existing["iri"], path=existing["path"])
    return Response(status_code=204)


@router.get("/notes")
async def list_notes(services: ServicesDep) -> list[dict[str, Any]]:
    """Every imported note: id, IRI, title and path."""
    return await run_in_threadpool(note_list, services)


@router.get("/notes/{note_id}")
async def get_note(note_id: NoteId, services: ServicesDep) -> dict[str, Any]:
    """A note's metadata, its markdown (when kept) and the nodes derived from it."""
    return await run_in_threadpool(note_detail, services, note_id, True)
