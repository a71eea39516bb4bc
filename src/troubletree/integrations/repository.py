"""Every query of start links and embed settings, scoped to the caller's account."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.models import Account
from troubletree.core.queries import scoped
from troubletree.integrations.models import EmbedSettings, StartLink


async def add_start_link(db: AsyncSession, link: StartLink) -> StartLink:
    db.add(link)
    await db.flush()
    return link


async def get_start_link(
    db: AsyncSession, account_id: uuid.UUID, link_id: uuid.UUID
) -> StartLink | None:
    stmt = scoped(select(StartLink), StartLink, account_id).where(StartLink.id == link_id)
    return (await db.execute(stmt)).scalar_one_or_none()


async def claim_start_link(
    db: AsyncSession, account_id: uuid.UUID, link_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> StartLink | None:
    """Marks the link used, if it is unused and unexpired, in one guarded UPDATE: of parallel
    uses exactly one gets the row, the others wait for its commit and then find it used."""
    stmt = (
        scoped(update(StartLink), StartLink, account_id)
        .where(StartLink.id == link_id, StartLink.used_at.is_(None), StartLink.expires_at > now)
        .values(used_at=now, used_by=user_id)
        .returning(StartLink)
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def set_link_session(
    db: AsyncSession, account_id: uuid.UUID, link_id: uuid.UUID, session_id: uuid.UUID
) -> None:
    await db.execute(
        scoped(update(StartLink), StartLink, account_id)
        .where(StartLink.id == link_id)
        .values(session_id=session_id)
    )


async def get_allowed_origins(db: AsyncSession, account_id: uuid.UUID) -> list[str]:
    stmt = scoped(select(EmbedSettings.allowed_origins), EmbedSettings, account_id)
    return list((await db.execute(stmt)).scalar_one_or_none() or [])


async def allowed_origins_by_slug(db: AsyncSession, slug: str) -> list[str]:
    stmt = (
        select(EmbedSettings.allowed_origins)
        .join(Account, Account.id == EmbedSettings.account_id)
        .where(Account.slug == slug)
    )
    return list((await db.execute(stmt)).scalar_one_or_none() or [])


async def set_allowed_origins(db: AsyncSession, account_id: uuid.UUID, origins: list[str]) -> None:
    stmt = insert(EmbedSettings).values(account_id=account_id, allowed_origins=origins)
    await db.execute(
        stmt.on_conflict_do_update(
            index_elements=[EmbedSettings.account_id], set_={"allowed_origins": origins}
        )
    )
