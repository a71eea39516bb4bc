"""Node feedback (/api/v1/feedback, /sessions/{id}/feedback, /trees/{id}/feedback-counts) and
change alerts (/api/v1/trees/{id}/change-alert)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from troubletree.accounts.dependencies import Author, CurrentMember
from troubletree.core.db import DB
from troubletree.core.errors import error_responses
from troubletree.feedback import alerts, service
from troubletree.feedback.models import FeedbackStatus
from troubletree.feedback.repository import FeedbackFilter
from troubletree.feedback.schemas import (
    AlertDismiss,
    ChangeAlertState,
    FeedbackCreate,
    FeedbackPage,
    FeedbackRead,
    FeedbackResolve,
    ReplyCreate,
    TreeFeedbackCounts,
)

router = APIRouter(prefix="/feedback", tags=["feedback"])
session_router = APIRouter(prefix="/sessions", tags=["feedback"])
tree_router = APIRouter(prefix="/trees", tags=["feedback"])


@session_router.post(
    "/{session_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_feedback(
    session_id: uuid.UUID, body: FeedbackCreate, caller: CurrentMember, db: DB
) -> FeedbackRead:
    """Flags a step the session reached: `didnt_help`, `unclear` or `wrong`, with a comment
    (at most 1000 characters). The same kind twice on one step of one session: 409."""
    return await service.create_feedback(db, caller, session_id, body)


@router.get("", responses=error_responses(401, 403, 422))
async def list_feedback(
    caller: CurrentMember,
    db: DB,
    tree_id: uuid.UUID | None = None,
    version_id: uuid.UUID | None = None,
    node_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    session_id: uuid.UUID | None = None,
    status: FeedbackStatus | None = None,
    mine: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> FeedbackPage:
    """Newest first. Authors see the account's feedback (`mine`: their own), technicians
    their own."""
    filt = FeedbackFilter(
        account_id=caller.account_id,
        tree_id=tree_id,
        version_id=version_id,
        node_id=node_id,
        session_id=session_id,
        status=status.value if status else None,
    )
    return await service.list_feedback(db, caller, filt, mine=mine, cursor=cursor, limit=limit)


@router.get("/notices", responses=error_responses(401, 403))
async def list_feedback_notices(caller: CurrentMember, db: DB) -> list[FeedbackRead]:
    """Your feedback resolved since you last acknowledged it (newest first, at most 20)."""
    return await service.list_notices(db, caller)


@router.get("/{feedback_id}", responses=error_responses(401, 403, 404))
async def read_feedback(feedback_id: uuid.UUID, caller: CurrentMember, db: DB) -> FeedbackRead:
    return await service.get_feedback(db, caller, feedback_id)


@router.post("/{feedback_id}/replies", responses=error_responses(401, 403, 404, 422))
async def reply_to_feedback(
    feedback_id: uuid.UUID, body: ReplyCreate, caller: CurrentMember, db: DB
) -> FeedbackRead:
    """Authors and the reporter write on the feedback's thread."""
    return await service.reply(db, caller, feedback_id, body)


@router.post("/{feedback_id}/resolve", responses=error_responses(401, 403, 404, 409, 422))
async def resolve_feedback(
    feedback_id: uuid.UUID, body: FeedbackResolve, caller: CurrentMember, db: DB
) -> FeedbackRead:
    """Admins and engineers: closes the feedback with an optional note for the reporter."""
    return await service.resolve(db, caller, feedback_id, body)


@router.post("/{feedback_id}/acknowledge", responses=error_responses(401, 403, 404))
async def acknowledge_feedback(
    feedback_id: uuid.UUID, caller: CurrentMember, db: DB
) -> FeedbackRead:
    """The reporter has read the resolution: it leaves their notices."""
    return await service.acknowledge(db, caller, feedback_id)


@tree_router.get("/{tree_id}/feedback-counts", responses=error_responses(401, 403, 404))
async def read_feedback_counts(
    tree_id: uuid.UUID, caller: Author, db: DB, version_id: uuid.UUID | None = None
) -> TreeFeedbackCounts:
    """Per node: open and resolved feedback by kind, for one version or all of them."""
    return await service.tree_counts(db, caller, tree_id, version_id)


@tree_router.get("/{tree_id}/change-alert", responses=error_responses(401, 403, 404))
async def read_change_alert(tree_id: uuid.UUID, caller: CurrentMember, db: DB) -> ChangeAlertState:
    """What changed since the version you last ran (within 30 days), until you dismiss it."""
    return await alerts.change_alert(db, caller, tree_id)


@tree_router.post(
    "/{tree_id}/change-alert/dismiss",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 422),
)
async def dismiss_change_alert(
    tree_id: uuid.UUID, body: AlertDismiss, caller: CurrentMember, db: DB
) -> None:
    """The notice of this version is not shown again (on any device)."""
    await alerts.dismiss_alert(db, caller, tree_id, body.version_id)
