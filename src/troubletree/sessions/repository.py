"""Every query of sessions and steps. Sessions are account-owned: all reads go through `scoped`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from troubletree.accounts.repository import scoped
from troubletree.auth.models import User
from troubletree.sessions.models import SessionStep, TroubleshootingSession
from troubletree.trees.models import Tree, TreeVersion

# --------------------------------------------------------------------------- trees and versions


async def get_runnable_tree(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID
) -> Tree | None:
    stmt = scoped(select(Tree), Tree, account_id).where(
        Tree.id == tree_id, Tree.deleted_at.is_(None)
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def get_version(db: AsyncSession, version_id: uuid.UUID) -> TreeVersion | None:
    """A published version (immutable; readable after its tree is deleted). Callers reach
    version ids only through rows already scoped to their account."""
    return (
        await db.execute(
            select(TreeVersion)
            .where(TreeVersion.id == version_id)
            .options(undefer(TreeVersion.graph))
        )
    ).scalar_one_or_none()


async def increment_tree_usage(db: AsyncSession, tree_id: uuid.UUID) -> None:
    await db.execute(
        update(Tree).where(Tree.id == tree_id).values(usage_count=Tree.usage_count + 1)
    )


# --------------------------------------------------------------------------- sessions


async def add_session(db: AsyncSession, session: TroubleshootingSession) -> TroubleshootingSession:
    db.add(session)
    await db.flush()
    return session


async def get_session(
    db: AsyncSession, account_id: uuid.UUID, session_id: uuid.UUID, *, lock: bool = False
) -> TroubleshootingSession | None:
    stmt = scoped(select(TroubleshootingSession), TroubleshootingSession, account_id).where(
        TroubleshootingSession.id == session_id
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await db.execute(stmt)).scalar_one_or_none()


async def get_user(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await db.get(User, user_id)


async def refresh_search_text(db: AsyncSession, session_id: uuid.UUID) -> None:
    """The free-text filter's haystack: session notes, resolution note and step notes."""
    step_notes = (
        select(func.coalesce(func.string_agg(SessionStep.note, " "), ""))
        .where(SessionStep.session_id == session_id)
        .scalar_subquery()
    )
    await db.execute(
        update(TroubleshootingSession)
        .where(TroubleshootingSession.id == session_id)
        .values(
            search_text=func.lower(
                func.concat_ws(
                    " ",
                    TroubleshootingSession.notes,
                    TroubleshootingSession.resolution_note,
                    step_notes,
                )
            )
        )
    )


# --------------------------------------------------------------------------- steps


async def list_steps(db: AsyncSession, session_id: uuid.UUID) -> list[SessionStep]:
    return list(
        (
            await db.execute(
                select(SessionStep)
                .where(SessionStep.session_id == session_id)
                .order_by(SessionStep.seq)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )


async def add_steps(db: AsyncSession, steps: list[SessionStep]) -> None:
    db.add_all(steps)
    await db.flush()


async def get_step(db: AsyncSession, session_id: uuid.UUID, seq: int) -> SessionStep | None:
    return (
        await db.execute(
            select(SessionStep).where(SessionStep.session_id == session_id, SessionStep.seq == seq)
        )
    ).scalar_one_or_none()


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryFilter:
    account_id: uuid.UUID
    technician_id: uuid.UUID | None = None
    not_created_by: uuid.UUID | None = None
    status: str | None = None
    outcome: str | None = None
    tree_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_sessions(
    db: AsyncSession, f: HistoryFilter, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[tuple[TroubleshootingSession, str, str, int]]:
    """Newest first, keyset-paginated on (created_at, id): (session, tree title, technician
    name, version number)."""
    s = TroubleshootingSession
    stmt = (
        scoped(select(s, Tree.title, User.full_name, TreeVersion.number), s, f.account_id)
        .join(Tree, Tree.id == s.tree_id)
        .join(User, User.id == s.technician_id)
        .join(TreeVersion, TreeVersion.id == s.tree_version_id)
    )
    conditions: list[Any] = []
    if f.technician_id is not None:
        conditions.append(s.technician_id == f.technician_id)
    if f.not_created_by is not None:
        conditions.append(s.created_by.is_distinct_from(f.not_created_by))
    if f.status:
        conditions.append(s.status == f.status)
    if f.outcome:
        conditions.append(s.outcome == f.outcome)
    if f.tree_id:
        conditions.append(s.tree_id == f.tree_id)
    if f.created_from:
        conditions.append(s.created_at >= f.created_from)
    if f.created_to:
        conditions.append(s.created_at < f.created_to)
    if f.text:
        conditions.append(s.search_text.like(_like_pattern(f.text), escape="\\"))
    if after is not None:
        conditions.append(tuple_(s.created_at, s.id) < tuple_(after[0], after[1]))
    stmt = stmt.where(*conditions).order_by(s.created_at.desc(), s.id.desc()).limit(limit)
    return [(row[0], row[1], row[2], row[3]) for row in (await db.execute(stmt)).all()]
