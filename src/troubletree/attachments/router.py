"""Attachments: /api/v1/sessions/{id}/attachments/... (members) and /api/v1/attachments/...
(signed links, the account's usage)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status

from troubletree.accounts.dependencies import AccountAdmin, CurrentMember
from troubletree.attachments import service
from troubletree.attachments.schemas import AttachmentRead, StorageUsage
from troubletree.attachments.service import MAX_FILE_BYTES, FileContent, Upload, Variant
from troubletree.core.db import DB, SettingsDep
from troubletree.core.errors import error_responses

session_files_router = APIRouter(prefix="/sessions", tags=["attachments"])
router = APIRouter(prefix="/attachments", tags=["attachments"])
REPLAYED = "Idempotent-Replayed"
_FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}, "application/pdf": {}},
        "description": "The file.",
    }
}


def _file_response(content: FileContent, max_age: int) -> Response:
    disposition = "inline" if content.inline else "attachment"
    return Response(
        content.data,
        media_type=content.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(content.filename)}",
            "Cache-Control": f"private, max-age={max_age}",
        },
    )


@session_files_router.post(
    "/{session_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 413, 415, 422),
)
async def upload_attachment(
    session_id: uuid.UUID,
    caller: CurrentMember,
    db: DB,
    settings: SettingsDep,
    response: Response,
    file: Annotated[UploadFile, File(description="A JPEG, PNG, WebP or HEIC photo, or a PDF.")],
    client_id: Annotated[uuid.UUID | None, Form()] = None,
    node_id: Annotated[str | None, Form(min_length=1, max_length=64)] = None,
) -> AttachmentRead:
    """Adds a photo or PDF (at most 10 MiB) at the session's current step. The type is read
    from the content (415 `unsupported_file_type`); photos are stored without EXIF (no
    location), turned upright, HEIC as JPEG, with a thumbnail; past the account's quota: 413
    `storage_quota_exceeded`. Sent again with the same `client_id`: the first upload (200)."""
    data = await file.read(MAX_FILE_BYTES + 1)
    upload = Upload(data, file.filename or "file", client_id, node_id)
    read, replayed = await service.upload(db, caller, settings, session_id, upload)
    if replayed:
        response.status_code = status.HTTP_200_OK
        response.headers[REPLAYED] = "true"
    return read


@session_files_router.get("/{session_id}/attachments", responses=error_responses(401, 404))
async def list_attachments(
    session_id: uuid.UUID, caller: CurrentMember, db: DB, settings: SettingsDep
) -> list[AttachmentRead]:
    """The session's files, oldest first, with links signed for a few minutes."""
    return await service.list_for_session(db, caller, settings, session_id)


@session_files_router.get(
    "/{session_id}/attachments/{attachment_id}/{variant}",
    responses={**error_responses(401, 404), **_FILE_RESPONSE},
    response_class=Response,
)
async def read_attachment(
    session_id: uuid.UUID,
    attachment_id: uuid.UUID,
    variant: Variant,
    caller: CurrentMember,
    db: DB,
    settings: SettingsDep,
) -> Response:
    """The file (or its thumbnail), for a signed-in member who may see the session."""
    content = await service.content_for_member(
        db, caller, settings, session_id, attachment_id, variant
    )
    return _file_response(content, 0)


@session_files_router.delete(
    "/{session_id}/attachments/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
)
async def delete_attachment(
    session_id: uuid.UUID, attachment_id: uuid.UUID, caller: CurrentMember, db: DB
) -> None:
    await service.delete(db, caller, session_id, attachment_id)


@router.get("/usage", responses=error_responses(401, 403))
async def read_storage_usage(caller: AccountAdmin, db: DB, settings: SettingsDep) -> StorageUsage:
    """The account's stored files against its quota (admins)."""
    return await service.usage(db, caller, settings)


@router.get(
    "/{attachment_id}/{variant}",
    responses={**error_responses(403, 404), **_FILE_RESPONSE},
    response_class=Response,
)
async def read_signed_attachment(
    attachment_id: uuid.UUID,
    variant: Variant,
    db: DB,
    settings: SettingsDep,
    expires: Annotated[int, Query(ge=0, le=2**40)],
    signature: Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")],
) -> Response:
    """A file by a signed link from the list (no sign-in: the signature is the permission);
    403 `link_expired` after a few minutes."""
    content = await service.content_by_link(
        db, settings, attachment_id, variant, expires, signature
    )
    return _file_response(content, settings.attachment_url_ttl_seconds)
