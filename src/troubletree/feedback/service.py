"""Node feedback: technicians flag a step they reached in a session (didn't help, unclear,
wrong); authors (admins, engineers) read it pinned to the node, reply and resolve it; the
reporter sees the resolution until they acknowledge it. `node_counts` is the per-node summary
other features (analytics) read.

Who sees what: authors see every feedback of their account; a technician only their own. Any
other id answers 404."""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.accounts.exceptions import RoleRequired
from troubletree.core.clock import utcnow
from troubletree.core.pagination import datetime_key, decode_cursor, encode_cursor, page_of
from troubletree.feedback import repository
from troubletree.feedback.exceptions import (
    FeedbackDuplicate,
    FeedbackNotFound,
    FeedbackResolved,
    NodeNotInSession,
)
from troubletree.feedback.models import FeedbackKind, FeedbackStatus
from troubletree.feedback.repository import FeedbackFilter, FeedbackRow
from troubletree.feedback.schemas import (
    FeedbackCreate,
    FeedbackPage,
    FeedbackRead,
    FeedbackResolve,
    KindCounts,
    NodeFeedbackCounts,
    ReplyCreate,
    ReplyRead,
    TreeFeedbackCounts,
)
from troubletree.sessions import service as sessions_service
from troubletree.sessions.navigator import node_of
from troubletree.trees import service as trees_service
from troubletree.trees.exceptions import TreeNotFound

NOTICES_MAX = 20


async def _reads(db: AsyncSession, rows: list[FeedbackRow]) -> list[FeedbackRead]:
    replies = await repository.replies_of(db, [row.feedback.id for row in rows])
    out = []
    for row in rows:
        f = row.feedback
        out.append(
            FeedbackRead(
                id=f.id,
                tree_id=f.tree_id,
                tree_title=row.tree_title,
                version_id=f.version_id,
                version_number=row.version_number,
                session_id=f.session_id,
                node_id=f.node_id,
                node_title=f.node_title,
                kind=FeedbackKind(f.kind),
                comment=f.comment,
                status=FeedbackStatus(f.status),
                created_by=f.created_by,
                created_by_name=row.created_by_name,
                created_at=f.created_at,
                resolved_at=f.resolved_at,
                resolved_by_name=row.resolved_by_name,
                resolution_note=f.resolution_note,
                reporter_seen_at=f.reporter_seen_at,
                replies=[
                    ReplyRead(
                        id=r.id,
                        author_id=r.author_id,
                        author_name=name,
                        body=r.body,
                        created_at=r.created_at,
                    )
                    for r, name in replies.get(f.id, [])
                ],
            )
        )
    return out


async def _visible(
    db: AsyncSession, caller: Caller, feedback_id: uuid.UUID, *, lock: bool = False
) -> FeedbackRow:
    """Feedback the caller may see (authors: the account's; others: their own), or 404."""
    row = await repository.get_feedback(db, caller.account_id, feedback_id, lock=lock)
    if row is None or not (caller.is_author or row.feedback.created_by == caller.user_id):
        raise FeedbackNotFound()
    return row


async def _one(db: AsyncSession, caller: Caller, feedback_id: uuid.UUID) -> FeedbackRead:
    return (await _reads(db, [await _visible(db, caller, feedback_id)]))[0]


async def create_feedback(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: FeedbackCreate
) -> FeedbackRead:
    """Flags a node the session reached (anyone who may see the session)."""
    session = await sessions_service.get_session(db, caller, session_id)
    visits = [
        step
        for step in session.path
        if step.node_id == body.node_id
        and (body.version_id is None or step.version_id == body.version_id)
    ]
    if not visits:
        raise NodeNotInSession(field="version_id" if body.version_id else "node_id")
    version_id = visits[-1].version_id
    version, graph = await trees_service.get_version_for_session(db, caller.account_id, version_id)
    now = utcnow()
    feedback_id = await repository.add_feedback(
        db,
        {
            "account_id": caller.account_id,
            "tree_id": version.tree_id,
            "version_id": version_id,
            "session_id": session.id,
            "node_id": body.node_id,
            "node_title": node_of(graph, body.node_id).title[:200],
            "kind": body.kind.value,
            "comment": body.comment,
            "created_by": caller.user_id,
            "created_at": now,
            "updated_at": now,
        },
    )
    if feedback_id is None:
        raise FeedbackDuplicate(field="kind")
    return await _one(db, caller, feedback_id)


async def list_feedback(
    db: AsyncSession,
    caller: Caller,
    filt: FeedbackFilter,
    *,
    mine: bool,
    cursor: str | None,
    limit: int,
) -> FeedbackPage:
    """Newest first. Technicians always get their own; authors the account's (`mine`: theirs)."""
    if mine or not caller.is_author:
        filt = replace(filt, created_by=caller.user_id)
    rows = await repository.list_feedback(
        db, filt, after=decode_cursor("feedback", cursor, datetime_key), limit=limit + 1
    )
    page, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor("feedback", r.feedback.created_at, r.feedback.id)
    )
    return FeedbackPage(items=await _reads(db, list(page)), next_cursor=next_cursor)


async def get_feedback(db: AsyncSession, caller: Caller, feedback_id: uuid.UUID) -> FeedbackRead:
    return await _one(db, caller, feedback_id)


async def reply(
    db: AsyncSession, caller: Caller, feedback_id: uuid.UUID, body: ReplyCreate
) -> FeedbackRead:
    """Authors and the reporter write on the thread."""
    row = await _visible(db, caller, feedback_id, lock=True)
    await repository.add_reply(db, row.feedback.id, caller.user_id, body.body)
    await repository.update_feedback(
        db, caller.account_id, row.feedback.id, {"updated_at": utcnow()}
    )
    return await _one(db, caller, feedback_id)


async def resolve(
    db: AsyncSession, caller: Caller, feedback_id: uuid.UUID, body: FeedbackResolve
) -> FeedbackRead:
    """Authors close the feedback; the reporter is shown the resolution until they
    acknowledge it. The row is locked, so two authors resolving at once resolve it once."""
    row = await _visible(db, caller, feedback_id, lock=True)
    if not caller.is_author:
        raise RoleRequired("Only admins and engineers resolve feedback.")
    if row.feedback.status == FeedbackStatus.resolved:
        raise FeedbackResolved()
    now = utcnow()
    await repository.update_feedback(
        db,
        caller.account_id,
        row.feedback.id,
        {
            "status": FeedbackStatus.resolved.value,
            "resolved_at": now,
            "resolved_by": caller.user_id,
            "resolution_note": (body.note or "").strip() or None,
            "reporter_seen_at": None,
            "updated_at": now,
        },
    )
    return await _one(db, caller, feedback_id)


async def list_notices(db: AsyncSession, caller: Caller) -> list[FeedbackRead]:
    """The caller's feedback resolved since they last looked (the notice they see)."""
    rows = await repository.unseen_resolutions(db, caller.account_id, caller.user_id, NOTICES_MAX)
    return await _reads(db, rows)


async def acknowledge(db: AsyncSession, caller: Caller, feedback_id: uuid.UUID) -> FeedbackRead:
    """The reporter has seen the resolution: its notice goes away (idempotent)."""
    row = await _visible(db, caller, feedback_id, lock=True)
    if row.feedback.created_by != caller.user_id:
        raise FeedbackNotFound()  # an author reading someone else's: not theirs to acknowledge
    if row.feedback.status == FeedbackStatus.resolved and row.feedback.reporter_seen_at is None:
        await repository.update_feedback(
            db, caller.account_id, row.feedback.id, {"reporter_seen_at": utcnow()}
        )
    return await _one(db, caller, feedback_id)


async def node_counts(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID, version_id: uuid.UUID | None
) -> list[NodeFeedbackCounts]:
    """Per node of one tree (of one version, if given): open and resolved feedback by kind.
    Only nodes with feedback appear. For analytics and the editor."""
    by_node: dict[str, dict[str, KindCounts]] = {}
    for node_id, status, kind, count in await repository.count_by_node(
        db, account_id, tree_id, version_id
    ):
        counts = by_node.setdefault(node_id, {"open": KindCounts(), "resolved": KindCounts()})
        setattr(counts[status], kind, count)
    return [
        NodeFeedbackCounts(
            node_id=node_id,
            open=c["open"],
            resolved=c["resolved"],
            open_total=c["open"].total,
            resolved_total=c["resolved"].total,
        )
        for node_id, c in by_node.items()
    ]


async def tree_counts(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, version_id: uuid.UUID | None
) -> TreeFeedbackCounts:
    tree = await trees_service.get_runnable_tree(db, caller.account_id, tree_id)
    if tree is None:
        raise TreeNotFound()
    return TreeFeedbackCounts(
        tree_id=tree.id,
        version_id=version_id,
        nodes=await node_counts(db, caller.account_id, tree.id, version_id),
    )
