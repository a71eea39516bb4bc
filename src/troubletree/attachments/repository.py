"""Every query of attachments and of stored files waiting for removal (account-scoped through
`scoped`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.attachments.models import Attachment, StoredFileRemoval
from troubletree.core.queries import scoped


async def add(db: AsyncSession, attachment: Attachment) -> Attachment:
    db.add(attachment)
    await db.flush()
    return attachment


async def get(
    db: AsyncSession, account_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment | None:
    stmt = scoped(select(Attachment), Attachment, account_id).where(Attachment.id == attachment_id)
    return (await db.execute(stmt)).scalar_one_or_none()


async def get_by_client_id(
    db: AsyncSession, account_id: uuid.UUID, session_id: uuid.UUID, client_id: uuid.UUID
) -> Attachment | None:
    stmt = scoped(select(Attachment), Attachment, account_id).where(
        Attachment.session_id == session_id, Attachment.client_id == client_id
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def list_for_session(
    db: AsyncSession, account_id: uuid.UUID, session_id: uuid.UUID
) -> Sequence[Attachment]:
    stmt = (
        scoped(select(Attachment), Attachment, account_id)
        .where(Attachment.session_id == session_id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    return (await db.execute(stmt)).scalars().all()


async def usage(db: AsyncSession, account_id: uuid.UUID) -> tuple[int, int]:
    """Bytes stored for the account's attachments, and how many there are."""
    stmt = scoped(
        select(func.coalesce(func.sum(Attachment.size_bytes), 0), func.count()),
        Attachment,
        account_id,
    )
    used, files = (await db.execute(stmt)).one()
    return int(used), int(files)


async def delete_attachment(db: AsyncSession, attachment: Attachment) -> None:
    """Deletes the row; a trigger queues its stored files for removal."""
    await db.delete(attachment)
    await db.flush()


async def claim_removals(db: AsyncSession, limit: int) -> list[tuple[int, str]]:
    """Up to `limit` stored files waiting for removal, locked (others skip them)."""
    stmt = (
        select(StoredFileRemoval.id, StoredFileRemoval.storage_key)
        .order_by(StoredFileRemoval.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(row[0], row[1]) for row in (await db.execute(stmt)).all()]


async def forget_removals(db: AsyncSession, ids: list[int]) -> None:
    await db.execute(delete(StoredFileRemoval).where(StoredFileRemoval.id.in_(ids)))


async def get_signed(db: AsyncSession, attachment_id: uuid.UUID) -> Attachment | None:
    """An attachment by id alone: only for a link whose signature (made for a member of its
    account) has been checked."""
    return await db.get(Attachment, attachment_id)
