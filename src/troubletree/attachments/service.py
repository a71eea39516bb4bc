"""Photos and PDFs on a session: upload (checked by content, metadata stripped, thumbnailed,
within the account's quota), list with signed links, serve, delete, and remove stored files.

Files are served only through the API: to a signed-in member who may see the session, or by a
signed link (HMAC of the attachment, the variant and the expiry with SECRET_KEY) that the list
hands out to such a member and that works for `ATTACHMENT_URL_TTL_SECONDS`. Storage keys are
random and never leave the server.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troubletree.accounts import repository as accounts_repository
from troubletree.accounts.caller import Caller
from troubletree.attachments import images, repository
from troubletree.attachments.exceptions import (
    AttachmentNotFound,
    FileTooLarge,
    LinkExpired,
    QuotaExceeded,
    UnsupportedFileType,
)
from troubletree.attachments.models import Attachment
from troubletree.attachments.schemas import AttachmentRead, StorageUsage
from troubletree.attachments.storage import Storage, StoredFileMissing, storage_for
from troubletree.core.clock import utcnow
from troubletree.core.config import Settings
from troubletree.core.jobs import FILES_QUEUE, REMOVE_FILES_TASK
from troubletree.notifications import repository as notifications_repository
from troubletree.sessions import repository as sessions_repository
from troubletree.sessions import service as sessions_service

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
MAX_FILE_BYTES = 10 * MIB
FILENAME_MAX = 200
Variant = Literal["file", "thumbnail"]


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    client_id: uuid.UUID | None = None
    node_id: str | None = None


@dataclass(frozen=True)
class FileContent:
    data: bytes
    content_type: str
    filename: str
    inline: bool


def _clean_name(name: str, content_type: str) -> str:
    """The file name as given, without folders or control characters, with the extension of
    what was stored (a HEIC photo is stored as JPEG)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')
    stem = base.rsplit(".", 1)[0].strip() or "file"
    extension = {
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/webp": "webp",
        "application/pdf": "pdf",
    }[content_type]
    return f"{stem[: FILENAME_MAX - 6]}.{extension}"


# --------------------------------------------------------------------------- signed links


def _signature(settings: Settings, attachment_id: uuid.UUID, variant: str, expires: int) -> str:
    message = f"attachment:{attachment_id}:{variant}:{expires}".encode()
    mac = hmac.new(settings.secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def signed_path(
    settings: Settings, attachment_id: uuid.UUID, variant: Variant, expires: int
) -> str:
    sig = _signature(settings, attachment_id, variant, expires)
    return f"/api/v1/attachments/{attachment_id}/{variant}?expires={expires}&signature={sig}"


def _read(settings: Settings, attachment: Attachment, now: datetime) -> AttachmentRead:
    expires_at = now + timedelta(seconds=settings.attachment_url_ttl_seconds)
    expires = int(expires_at.timestamp())
    return AttachmentRead(
        id=attachment.id,
        session_id=attachment.session_id,
        client_id=attachment.client_id,
        kind=attachment.kind,
        content_type=attachment.content_type,
        filename=attachment.filename,
        size_bytes=attachment.size_bytes,
        width=attachment.width,
        height=attachment.height,
        at_seq=attachment.at_seq,
        node_id=attachment.node_id,
        created_at=attachment.created_at,
        url=signed_path(settings, attachment.id, "file", expires),
        thumbnail_url=signed_path(settings, attachment.id, "thumbnail", expires)
        if attachment.thumbnail_key
        else None,
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


# --------------------------------------------------------------------------- upload


async def upload(
    db: AsyncSession, caller: Caller, settings: Settings, session_id: uuid.UUID, file: Upload
) -> tuple[AttachmentRead, bool]:
    """Stores a photo or PDF on the session (its technician or an admin): (the attachment,
    whether it had been uploaded before under the same client id)."""
    if len(file.data) > MAX_FILE_BYTES:
        raise FileTooLarge(MAX_FILE_BYTES)
    await sessions_service.session_for(db, caller, session_id, to_run=True)
    try:
        # CPU work before any lock: a decode and two encodes take tens of milliseconds.
        processed = await asyncio.to_thread(images.process, file.data)
    except images.UnsupportedFile as error:
        raise UnsupportedFileType(str(error), field="file") from None
    # The session's lock makes a client id's uploads one after another (found, not repeated).
    await sessions_service.session_for(db, caller, session_id, to_run=True, lock=True)
    if file.client_id is not None:
        existing = await repository.get_by_client_id(
            db, caller.account_id, session_id, file.client_id
        )
        if existing is not None:
            return _read(settings, existing, utcnow()), True
    size = len(processed.data) + len(processed.thumbnail or b"")
    # The account's lock makes its uploads count one after another: the quota holds.
    await accounts_repository.lock_account_for_create(db, caller.account_id)
    used, _ = await repository.usage(db, caller.account_id)
    if used + size > settings.attachment_quota_bytes:
        raise QuotaExceeded(used, settings.attachment_quota_bytes, size)
    at = await sessions_repository.last_step(db, session_id)
    key = f"{caller.account_id}/{uuid.uuid4().hex}"
    attachment = Attachment(
        id=uuid.uuid4(),
        account_id=caller.account_id,
        session_id=session_id,
        client_id=file.client_id,
        at_seq=at[0] if at else None,
        node_id=(file.node_id or (at[1] if at else None)),
        kind=processed.kind,
        content_type=processed.content_type,
        filename=_clean_name(file.filename, processed.content_type),
        size_bytes=size,
        file_bytes=len(processed.data),
        width=processed.width,
        height=processed.height,
        storage_key=key,
        thumbnail_key=f"{key}.thumb" if processed.thumbnail else None,
        created_by=caller.user_id,
        created_at=utcnow(),
    )
    storage = storage_for(settings)
    await storage.put(key, processed.data, processed.content_type)
    try:
        if processed.thumbnail:
            await storage.put(f"{key}.thumb", processed.thumbnail, "image/jpeg")
        await repository.add(db, attachment)
    except BaseException:
        await _forget(storage, key, attachment.thumbnail_key)
        raise
    return _read(settings, attachment, utcnow()), False


async def _forget(storage: Storage, *keys: str | None) -> None:
    for key in keys:
        if key is not None:
            try:
                await storage.delete(key)
            except Exception:  # best effort: the upload's own error matters more
                logger.exception("could not remove a stored file after a failed upload")


# --------------------------------------------------------------------------- reading


async def list_for_session(
    db: AsyncSession, caller: Caller, settings: Settings, session_id: uuid.UUID
) -> list[AttachmentRead]:
    await sessions_service.session_for(db, caller, session_id)
    now = utcnow()
    rows = await repository.list_for_session(db, caller.account_id, session_id)
    return [_read(settings, a, now) for a in rows]


async def _content(settings: Settings, attachment: Attachment, variant: Variant) -> FileContent:
    key = attachment.storage_key if variant == "file" else attachment.thumbnail_key
    if key is None:
        raise AttachmentNotFound()
    try:
        data = await storage_for(settings).get(key)
    except StoredFileMissing:
        raise AttachmentNotFound() from None
    if variant == "thumbnail":
        return FileContent(data, "image/jpeg", attachment.filename, True)
    inline = attachment.kind == "image"
    return FileContent(data, attachment.content_type, attachment.filename, inline)


async def content_for_member(
    db: AsyncSession,
    caller: Caller,
    settings: Settings,
    session_id: uuid.UUID,
    attachment_id: uuid.UUID,
    variant: Variant,
) -> FileContent:
    await sessions_service.session_for(db, caller, session_id)
    attachment = await repository.get(db, caller.account_id, attachment_id)
    if attachment is None or attachment.session_id != session_id:
        raise AttachmentNotFound()
    return await _content(settings, attachment, variant)


async def content_by_link(
    db: AsyncSession,
    settings: Settings,
    attachment_id: uuid.UUID,
    variant: Variant,
    expires: int,
    signature: str,
) -> FileContent:
    """The file a signed link names: 404 for a wrong signature, 403 once it has expired."""
    expected = _signature(settings, attachment_id, variant, expires)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise AttachmentNotFound()
    if expires < utcnow().timestamp():
        raise LinkExpired()
    attachment = await repository.get_signed(db, attachment_id)
    if attachment is None:
        raise AttachmentNotFound()
    return await _content(settings, attachment, variant)


async def usage(db: AsyncSession, caller: Caller, settings: Settings) -> StorageUsage:
    used, files = await repository.usage(db, caller.account_id)
    return StorageUsage(used_bytes=used, quota_bytes=settings.attachment_quota_bytes, files=files)


# --------------------------------------------------------------------------- removing


async def delete(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, attachment_id: uuid.UUID
) -> None:
    """Removes a file from the session (its technician or an admin)."""
    await sessions_service.session_for(db, caller, session_id, to_run=True, lock=True)
    attachment = await repository.get(db, caller.account_id, attachment_id)
    if attachment is None or attachment.session_id != session_id:
        raise AttachmentNotFound()
    await repository.delete_attachment(db, attachment)
    await notifications_repository.defer_job(db, FILES_QUEUE, REMOVE_FILES_TASK, {})


REMOVAL_BATCH = 100


async def remove_stored_files(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> int:
    """Removes from storage every file whose attachment is gone (the job); how many."""
    storage = storage_for(settings)
    removed = 0
    while True:
        async with sessionmaker() as db, db.begin():
            batch = await repository.claim_removals(db, REMOVAL_BATCH)
            if not batch:
                return removed
            for _, key in batch:
                await storage.delete(key)
            await repository.forget_removals(db, [row_id for row_id, _ in batch])
            removed += len(batch)
