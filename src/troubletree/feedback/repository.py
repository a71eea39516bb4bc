"""Every query of node feedback and change alerts. Feedback rows are account-owned: every read
goes through `scoped`. The sessions and versions a change alert looks at are read here too,
within the caller's account, and never written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from troubletree.auth.models import User
from troubletree.core.queries import scoped
from troubletree.feedback.models import (
    ChangeAlertDismissal,
    FeedbackReply,
    NodeFeedback,
)
from troubletree.sessions.models import TroubleshootingSession
from troubletree.trees.models import Tree, TreeVersion

# --------------------------------------------------------------------------- feedback


async def add_feedback(db: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Files a feedback row; None when the same session already flagged that node for that
    reason (the unique key), so a double click files it once."""
    stmt = (
        insert(NodeFeedback)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["session_id", "version_id", "node_id", "kind"])
        .returning(NodeFeedback.id)
    )
    return (await db.execute(stmt)).scalar_one_or_none()


@dataclass(frozen=True)
class FeedbackFilter:
    account_id: uuid.UUID
    created_by: uuid.UUID | None = None
    tree_id: uuid.UUID | None = None
    version_id: uuid.UUID | None = None
    node_id: str | None = None
    status: str | None = None
    session_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    feedback: NodeFeedback
    tree_title: str
    version_number: int
    created_by_name: str | None
    resolved_by_name: str | None


def _feedback_select(account_id: uuid.UUID) -> Any:
    reporter, resolver = aliased(User), aliased(User)
    f = NodeFeedback
    return (
        scoped(
            select(f, Tree.title, TreeVersion.number, reporter.full_name, resolver.full_name),
            f,
            account_id,
        )
        .join(Tree, Tree.id == f.tree_id)
        .join(TreeVersion, TreeVersion.id == f.version_id)
        .outerjoin(reporter, reporter.id == f.created_by)
        .outerjoin(resolver, resolver.id == f.resolved_by)
    )


async def list_feedback(
    db: AsyncSession, filt: FeedbackFilter, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[FeedbackRow]:
    """Newest first, keyset-paginated on (created_at, id)."""
    f = NodeFeedback
    conditions: list[Any] = []
    for column, value in (
        (f.created_by, filt.created_by),
        (f.tree_id, filt.tree_id),
        (f.version_id, filt.version_id),
        (f.node_id, filt.node_id),
        (f.status, filt.status),
        (f.session_id, filt.session_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if after is not None:
        conditions.append(tuple_(f.created_at, f.id) < tuple_(after[0], after[1]))
    stmt = (
        _feedback_select(filt.account_id)
        .where(*conditions)
        .order_by(f.created_at.desc(), f.id.desc())
        .limit(limit)
    )
    return [FeedbackRow(*row) for row in (await db.execute(stmt)).all()]


async def get_feedback(
    db: AsyncSession, account_id: uuid.UUID, feedback_id: uuid.UUID, *, lock: bool = False
) -> FeedbackRow | None:
    stmt = _feedback_select(account_id).where(NodeFeedback.id == feedback_id)
    if lock:
        stmt = stmt.with_for_update(of=NodeFeedback)
    row = (await db.execute(stmt.execution_options(populate_existing=True))).one_or_none()
    return FeedbackRow(*row) if row else None


async def unseen_resolutions(
    db: AsyncSession, account_id: uuid.UUID, user_id: uuid.UUID, limit: int
) -> list[FeedbackRow]:
    """The reporter's resolved feedback they have not acknowledged yet, newest first."""
    f = NodeFeedback
    stmt = (
        _feedback_select(account_id)
        .where(f.created_by == user_id, f.status == "resolved", f.reporter_seen_at.is_(None))
        .order_by(f.resolved_at.desc(), f.id.desc())
        .limit(limit)
    )
    return [FeedbackRow(*row) for row in (await db.execute(stmt)).all()]


async def update_feedback(
    db: AsyncSession, account_id: uuid.UUID, feedback_id: uuid.UUID, values: dict[str, Any]
) -> None:
    f = NodeFeedback
    await db.execute(
        scoped(update(f), f, account_id)
        .where(f.id == feedback_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def add_reply(
    db: AsyncSession, feedback_id: uuid.UUID, author_id: uuid.UUID, body: str
) -> None:
    db.add(FeedbackReply(feedback_id=feedback_id, author_id=author_id, body=body))
    await db.flush()


async def replies_of(
    db: AsyncSession, feedback_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[FeedbackReply, str | None]]]:
    """The replies of these feedback rows (already scoped by the caller), oldest first."""
    if not feedback_ids:
        return {}
    r = FeedbackReply
    rows = await db.execute(
        select(r, User.full_name)
        .outerjoin(User, User.id == r.author_id)
        .where(r.feedback_id.in_(feedback_ids))
        .order_by(r.feedback_id, r.id)
    )
    out: dict[uuid.UUID, list[tuple[FeedbackReply, str | None]]] = {}
    for reply, name in rows.all():
        out.setdefault(reply.feedback_id, []).append((reply, name))
    return out


async def count_by_node(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID, version_id: uuid.UUID | None
) -> list[tuple[str, str, str, int]]:
    """(node_id, status, kind, count) of one tree's feedback (one version's, if given)."""
    f = NodeFeedback
    stmt = scoped(select(f.node_id, f.status, f.kind, func.count()), f, account_id).where(
        f.tree_id == tree_id
    )
    if version_id is not None:
        stmt = stmt.where(f.version_id == version_id)
    stmt = stmt.group_by(f.node_id, f.status, f.kind).order_by(f.node_id)
    return [(row[0], row[1], row[2], row[3]) for row in (await db.execute(stmt)).all()]


# --------------------------------------------------------------------------- change alerts


async def last_run_version(
    db: AsyncSession,
    account_id: uuid.UUID,
    tree_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    since: datetime,
    before_number: int,
) -> uuid.UUID | None:
    """The newest version older than `before_number` that the user ran (as the technician of
    a started session) on this tree since `since`."""
    s = TroubleshootingSession
    stmt = (
        scoped(select(TreeVersion.id).select_from(s), s, account_id)
        .join(TreeVersion, TreeVersion.id == s.tree_version_id)
        .where(
            s.tree_id == tree_id,
            s.technician_id == user_id,
            s.started_at.is_not(None),
            s.created_at >= since,
            TreeVersion.number < before_number,
        )
        .order_by(TreeVersion.number.desc())
        .limit(1)
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def versions_between(
    db: AsyncSession, tree_id: uuid.UUID, after_number: int, up_to_number: int
) -> list[TreeVersion]:
    """A tree's versions numbered in (after, up_to], newest first (the tree is the caller's,
    already checked)."""
    v = TreeVersion
    stmt = (
        select(v)
        .where(v.tree_id == tree_id, v.number > after_number, v.number <= up_to_number)
        .order_by(v.number.desc())
    )
    return list((await db.execute(stmt)).scalars())


async def is_dismissed(
    db: AsyncSession, account_id: uuid.UUID, user_id: uuid.UUID, version_id: uuid.UUID
) -> bool:
    d = ChangeAlertDismissal
    stmt = scoped(select(func.count()).select_from(d), d, account_id).where(
        d.user_id == user_id, d.version_id == version_id
    )
    return bool(await db.scalar(stmt))


async def dismiss(
    db: AsyncSession,
    account_id: uuid.UUID,
    tree_id: uuid.UUID,
    user_id: uuid.UUID,
    version_id: uuid.UUID,
) -> None:
    """Idempotent: dismissing twice (two tabs) keeps the first moment."""
    await db.execute(
        insert(ChangeAlertDismissal)
        .values(account_id=account_id, tree_id=tree_id, user_id=user_id, version_id=version_id)
        .on_conflict_do_nothing(index_elements=["user_id", "version_id"])
    )
