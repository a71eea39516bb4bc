"""Every query of an account's API keys (the table belongs to `auth`, which checks keys on each
request); always narrowed to the caller's account through `core.queries.scoped()`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.auth.models import ApiKey, User
from troubletree.core.queries import scoped


async def add_api_key(db: AsyncSession, key: ApiKey) -> ApiKey:
    db.add(key)
    await db.flush()
    return key


async def count_active_keys(db: AsyncSession, account_id: uuid.UUID, now: datetime) -> int:
    stmt = select(func.count()).where(
        ApiKey.revoked_at.is_(None), or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now)
    )
    return int(await db.scalar(scoped(stmt, ApiKey, account_id)) or 0)


async def list_api_keys(db: AsyncSession, account_id: uuid.UUID) -> list[tuple[ApiKey, str]]:
    """The account's keys with their creators' names, newest first."""
    stmt = (
        select(ApiKey, User.full_name)
        .join(User, User.id == ApiKey.created_by)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return [(k, name) for k, name in (await db.execute(scoped(stmt, ApiKey, account_id))).all()]


async def get_api_key(
    db: AsyncSession, account_id: uuid.UUID, key_id: uuid.UUID
) -> tuple[ApiKey, str] | None:
    stmt = (
        select(ApiKey, User.full_name)
        .join(User, User.id == ApiKey.created_by)
        .where(ApiKey.id == key_id)
        .execution_options(populate_existing=True)
    )
    row = (await db.execute(scoped(stmt, ApiKey, account_id))).one_or_none()
    return (row[0], row[1]) if row else None


async def revoke_api_key(
    db: AsyncSession, account_id: uuid.UUID, key_id: uuid.UUID, by: uuid.UUID, now: datetime
) -> bool:
    """Revokes the key unless it already is; True when this call revoked it."""
    stmt = (
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by)
        .returning(ApiKey.id)
    )
    return (await db.execute(scoped(stmt, ApiKey, account_id))).scalar_one_or_none() is not None
