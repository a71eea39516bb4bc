"""Guided sessions: /api/v1/sessions/..."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from troubletree.accounts.dependencies import CurrentMember
from troubletree.core.db import DB, reads_only
from troubletree.core.errors import error_responses
from troubletree.sessions import history, service
from troubletree.sessions.export import EXTENSIONS, MEDIA_TYPES
from troubletree.sessions.models import Outcome, SessionStatus
from troubletree.sessions.schemas import (
    BackRequest,
    ExportRequest,
    SessionAbandon,
    SessionComplete,
    SessionCreate,
    SessionPage,
    SessionRead,
    SessionStart,
    SessionUpdate,
    StepCreate,
    StepNote,
    Tab,
    TreeStartScreen,
)
from troubletree.trees.graph import OUTCOME_LABEL_MAX

router = APIRouter(prefix="/sessions", tags=["sessions"])
start_router = APIRouter(prefix="/trees", tags=["sessions"])


@start_router.get("/{tree_id}/start", responses=error_responses(401, 404))
async def read_tree_start(tree_id: uuid.UUID, caller: CurrentMember, db: DB) -> TreeStartScreen:
    """What starting this tree shows before any session exists: the published version's intake
    values and first step (`start` is null when it depends on the intake values). Creates
    nothing and counts no use; answer with `POST /sessions` and `answer`."""
    return await service.tree_start_screen(db, caller, tree_id)


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 409, 422)
)
async def create_session(body: SessionCreate, caller: CurrentMember, db: DB) -> SessionRead:
    """Starts a session on a published tree (pinning its current version), or with
    `prepared: true` prepares one for a technician to start later. With `answer`, the first
    step's answer is recorded in the same transaction (a wrong option: 422 `invalid_option`,
    nothing written)."""
    return await service.create_session(db, caller, body)


@router.get("", responses=error_responses(401, 403, 422))
@reads_only
async def list_sessions(
    caller: CurrentMember,
    db: DB,
    tab: Tab = "mine",
    status: SessionStatus | None = None,
    outcome: Outcome | None = None,
    tree_id: uuid.UUID | None = None,
    technician_id: uuid.UUID | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    outcome_label: Annotated[str | None, Query(min_length=1, max_length=OUTCOME_LABEL_MAX)] = None,
    include_unanswered: bool = False,
) -> SessionPage:
    """History, newest first. Tabs: `mine` (you are the technician), `assigned` (prepared for
    you by someone else), `all` (admins and engineers). Sessions never answered that were
    abandoned or are over 24 hours old are left out unless `include_unanswered`. Pass
    `next_cursor` back as `cursor` for more."""
    query = history.HistoryQuery(
        tab,
        status,
        outcome,
        tree_id,
        technician_id,
        created_from,
        created_to,
        q,
        cursor,
        limit,
        outcome_label,
        include_unanswered,
    )
    return await history.list_sessions(db, caller, query)


@router.get("/outcome-labels", responses=error_responses(401, 403))
async def list_outcome_labels(caller: CurrentMember, db: DB) -> list[str]:
    """The distinct outcome labels of the account's sessions (for the history filter)."""
    return await history.list_outcome_labels(db, caller)


@router.get("/{session_id}", responses=error_responses(401, 404))
async def read_session(session_id: uuid.UUID, caller: CurrentMember, db: DB) -> SessionRead:
    return await service.get_session(db, caller, session_id)


@router.put("/{session_id}", responses=error_responses(401, 403, 404, 409, 422))
async def update_session(
    session_id: uuid.UUID, body: SessionUpdate, caller: CurrentMember, db: DB
) -> SessionRead:
    """Notes, intake values and the assignee; 409 when `base_revision` is stale."""
    return await service.update_session(db, caller, session_id, body)


@router.post("/{session_id}/start", responses=error_responses(401, 403, 404, 409, 422))
async def start_session(
    session_id: uuid.UUID, body: SessionStart, caller: CurrentMember, db: DB
) -> SessionRead:
    """Starts a prepared session (its technician or an admin)."""
    return await service.start_prepared(db, caller, session_id, body)


@router.post("/{session_id}/steps", responses=error_responses(401, 403, 404, 409, 422))
async def record_step(
    session_id: uuid.UUID, body: StepCreate, caller: CurrentMember, db: DB
) -> SessionRead:
    """Answers an option of the current node (anything else: 422 `invalid_option`). A session
    holds at most `MAX_SESSION_STEPS` (5000) steps, automatic moves and backs included; past
    that: 422 `session_too_long`."""
    return await service.record_step(db, caller, session_id, body)


@router.post("/{session_id}/back", responses=error_responses(401, 403, 404, 409, 422))
async def go_back(
    session_id: uuid.UUID, body: BackRequest, caller: CurrentMember, db: DB
) -> SessionRead:
    """Returns to an earlier node of the path where a person chose (question or action): the
    one at `path_index`, or the nearest before it when that node is automatic (logic, link);
    without `path_index`, the last choice before the current node. 409 `no_earlier_choice`
    when there is none. The history stays, later answers are offered again as
    `suggested_option_id`."""
    return await service.go_back(db, caller, session_id, body)


@router.put("/{session_id}/steps/{seq}/note", responses=error_responses(401, 403, 404, 422))
async def note_step(
    session_id: uuid.UUID, seq: int, body: StepNote, caller: CurrentMember, db: DB
) -> SessionRead:
    return await service.note_step(db, caller, session_id, seq, body.note)


@router.post("/{session_id}/complete", responses=error_responses(401, 403, 404, 409, 422))
async def complete_session(
    session_id: uuid.UUID, body: SessionComplete, caller: CurrentMember, db: DB
) -> SessionRead:
    """Ends the session: `resolved` at a solution step; `escalated` or `unresolved` at any step
    (before an end node `resolution_note` is required: 422 `note_required`). The outcome label
    is the end node's, or when ending early `outcome_label`, one of the version's
    `outcome_labels` (422 `unknown_outcome_label`)."""
    return await service.complete_session(db, caller, session_id, body)


@router.post("/{session_id}/abandon", responses=error_responses(401, 403, 404, 409, 422))
async def abandon_session(
    session_id: uuid.UUID, body: SessionAbandon, caller: CurrentMember, db: DB
) -> SessionRead:
    """Ends the session at any step (or a prepared one) with a reason; `note` (at most 500
    characters) is required for `other` (422 `note_required`)."""
    return await service.abandon_session(db, caller, session_id, body)


@router.post(
    "/{session_id}/export",
    responses={
        **error_responses(401, 404, 422, 503),
        200: {
            "content": {"application/pdf": {}, "text/markdown": {}, "application/json": {}},
            "description": "The transcript file.",
        },
    },
    response_class=Response,
)
async def export_session(
    session_id: uuid.UUID, body: ExportRequest, caller: CurrentMember, db: DB, request: Request
) -> Response:
    """The transcript as PDF, Markdown or JSON (a file download). Rendered off the event loop in
    a bounded pool: 503 `busy` with Retry-After when the pool's queue is full."""
    pool = request.app.state.cpu_pool
    content, title = await service.export_session(db, caller, session_id, body.format, pool)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "session"
    filename = f"{slug}-{str(session_id)[:8]}.{EXTENSIONS[body.format]}"
    return Response(
        content,
        media_type=MEDIA_TYPES[body.format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
