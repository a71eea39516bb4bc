"""Guided sessions: /api/v1/sessions/..."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from troubletree.accounts.dependencies import CurrentMember
from troubletree.attachments.storage import storage_for
from troubletree.core.db import DB, reads_only
from troubletree.core.encoding import EncodedJSON
from troubletree.core.errors import error_responses
from troubletree.sessions import history, service, sync
from troubletree.sessions.export import MEDIA_TYPES, ExportFormat, transcript_filename
from troubletree.sessions.models import Outcome, ReceiptKind, SessionStatus
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
    SyncBatch,
    SyncResult,
    Tab,
    TreeStartScreen,
)
from troubletree.trees.graph import OUTCOME_LABEL_MAX

router = APIRouter(prefix="/sessions", tags=["sessions"])
EXPORT_CONTENT: dict[str, Any] = {
    "content": {"application/pdf": {}, "text/markdown": {}, "application/json": {}},
    "description": "The transcript file.",
}
start_router = APIRouter(prefix="/trees", tags=["sessions"])
REPLAYED = "Idempotent-Replayed"


def _answered(response: Response, result: tuple[SessionRead, bool]) -> SessionRead:
    """The answer of a change made once per client id, marked when it is a replay."""
    read, replayed = result
    if replayed:
        response.headers[REPLAYED] = "true"
    return read


@start_router.get("/{tree_id}/start", responses=error_responses(401, 404))
async def read_tree_start(tree_id: uuid.UUID, caller: CurrentMember, db: DB) -> TreeStartScreen:
    """What starting this tree shows before any session exists: the published version's intake
    values and first step (`start` is null when it depends on the intake values). Creates
    nothing and counts no use; answer with `POST /sessions` and `answer`."""
    return await service.tree_start_screen(db, caller, tree_id)


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 409, 422)
)
async def create_session(
    body: SessionCreate, caller: CurrentMember, db: DB, response: Response
) -> SessionRead:
    """Starts a session on a published tree (pinning its current version), or with
    `prepared: true` prepares one for a technician to start later. With `answer`, the first
    step's answer is recorded in the same transaction (a wrong option: 422 `invalid_option`,
    nothing written). With a client-generated `id`, sending it again returns the session it
    created."""
    return _answered(response, await sync.create_session(db, caller, body))


@router.post("/sync", responses=error_responses(401, 422))
async def sync_session(body: SyncBatch, caller: CurrentMember, db: DB) -> SyncResult:
    """A device's queued changes of one session (started offline with `create`, or running),
    applied in order once each (by client id), answered per event: applied, duplicate,
    conflict (`session_changed`, `session_not_active`, `tree_unpublished`), rejected, or
    skipped after an event that was not applied."""
    return await sync.sync_batch(db, caller, body)


@router.get("", response_model=SessionPage, responses=error_responses(401, 403, 422))
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
) -> EncodedJSON:
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
    return EncodedJSON(await history.list_sessions(db, caller, query))


@router.get("/outcome-labels", responses=error_responses(401, 403))
async def list_outcome_labels(caller: CurrentMember, db: DB) -> list[str]:
    """The distinct outcome labels of the account's sessions (for the history filter)."""
    return await history.list_outcome_labels(db, caller)


@router.get("/{session_id}", responses=error_responses(401, 404))
async def read_session(session_id: uuid.UUID, caller: CurrentMember, db: DB) -> SessionRead:
    return await service.get_session(db, caller, session_id)


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
)
async def delete_session(session_id: uuid.UUID, caller: CurrentMember, db: DB) -> None:
    """Deletes the session with its steps and files (admins); the stored files are removed
    by a job."""
    await service.delete_session(db, caller, session_id)


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
    session_id: uuid.UUID, body: StepCreate, caller: CurrentMember, db: DB, response: Response
) -> SessionRead:
    """Answers an option of the current node (anything else: 422 `invalid_option`). A session
    holds at most `MAX_SESSION_STEPS` (5000) steps, automatic moves and backs included; past
    that: 422 `session_too_long`."""
    change = partial(service.record_step, db, caller, session_id, body)
    return _answered(
        response, await sync.once(db, caller, session_id, body.client_id, ReceiptKind.step, change)
    )


@router.post("/{session_id}/back", responses=error_responses(401, 403, 404, 409, 422))
async def go_back(
    session_id: uuid.UUID, body: BackRequest, caller: CurrentMember, db: DB, response: Response
) -> SessionRead:
    """Returns to an earlier node of the path where a person chose (question or action): the
    one at `path_index`, or the nearest before it when that node is automatic (logic, link);
    without `path_index`, the last choice before the current node. 409 `no_earlier_choice`
    when there is none. The history stays, later answers are offered again as
    `suggested_option_id`."""
    change = partial(service.go_back, db, caller, session_id, body)
    return _answered(
        response, await sync.once(db, caller, session_id, body.client_id, ReceiptKind.back, change)
    )


@router.put("/{session_id}/steps/{seq}/note", responses=error_responses(401, 403, 404, 422))
async def note_step(
    session_id: uuid.UUID,
    seq: int,
    body: StepNote,
    caller: CurrentMember,
    db: DB,
    response: Response,
) -> SessionRead:
    change = partial(service.note_step, db, caller, session_id, seq, body.note)
    result = await sync.once(
        db, caller, session_id, body.client_id, ReceiptKind.note, change, step_seq=seq
    )
    return _answered(response, result)


@router.post("/{session_id}/complete", responses=error_responses(401, 403, 404, 409, 422))
async def complete_session(
    session_id: uuid.UUID, body: SessionComplete, caller: CurrentMember, db: DB, response: Response
) -> SessionRead:
    """Ends the session: `resolved` at a solution step; `escalated` or `unresolved` at any step
    (before an end node `resolution_note` is required: 422 `note_required`). The outcome label
    is the end node's, or when ending early `outcome_label`, one of the version's
    `outcome_labels` (422 `unknown_outcome_label`)."""
    change = partial(service.complete_session, db, caller, session_id, body)
    result = await sync.once(db, caller, session_id, body.client_id, ReceiptKind.complete, change)
    return _answered(response, result)


@router.post("/{session_id}/abandon", responses=error_responses(401, 403, 404, 409, 422))
async def abandon_session(
    session_id: uuid.UUID, body: SessionAbandon, caller: CurrentMember, db: DB, response: Response
) -> SessionRead:
    """Ends the session at any step (or a prepared one) with a reason; `note` (at most 500
    characters) is required for `other` (422 `note_required`)."""
    change = partial(service.abandon_session, db, caller, session_id, body)
    result = await sync.once(db, caller, session_id, body.client_id, ReceiptKind.abandon, change)
    return _answered(response, result)


@router.post(
    "/{session_id}/export",
    responses={
        **error_responses(401, 404, 422, 503),
        200: EXPORT_CONTENT,
    },
    response_class=Response,
)
async def export_session(
    session_id: uuid.UUID, body: ExportRequest, caller: CurrentMember, db: DB, request: Request
) -> Response:
    """The transcript as PDF, Markdown or JSON (a file download). Rendered off the event loop in
    a bounded pool: 503 `busy` with Retry-After when the pool's queue is full."""
    return await _export_file(db, caller, session_id, body.format, request)


@router.get(
    "/{session_id}/export",
    responses={**error_responses(401, 404, 422, 503), 200: EXPORT_CONTENT},
    response_class=Response,
)
async def download_session_export(
    session_id: uuid.UUID, caller: CurrentMember, db: DB, request: Request, format: ExportFormat
) -> Response:
    """The same file by a plain link (`?format=pdf`), as webhook payloads give it: fetch it
    with a bearer token or API key."""
    return await _export_file(db, caller, session_id, format, request)


async def _export_file(
    db: DB, caller: CurrentMember, session_id: uuid.UUID, fmt: ExportFormat, request: Request
) -> Response:
    pool = request.app.state.cpu_pool
    files = storage_for(request.app.state.settings)
    content, title = await service.export_session(db, caller, session_id, fmt, pool, files)
    filename = transcript_filename(title, str(session_id), fmt)
    return Response(
        content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
