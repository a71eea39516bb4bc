from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from troubletree.auth.schemas import StrictBody
from troubletree.core.models import INT4_MAX
from troubletree.sessions.models import AbandonReason, HandoffStatus, Outcome, SessionStatus
from troubletree.trees.graph import OUTCOME_LABEL_MAX, Variable

NOTE_MAX = 5000
NOTES_MAX = 20000
ABANDON_NOTE_MAX = 500
Tab = Literal["mine", "assigned", "all"]


def client_id_field() -> Any:
    return Field(
        default=None,
        description="A client-generated id (UUID) for this change: sent again, the request "
        "changes nothing and returns the first answer (header `Idempotent-Replayed: true`).",
    )


class FirstAnswer(StrictBody):
    option_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class SessionCreate(StrictBody):
    id: uuid.UUID | None = Field(
        default=None,
        description="A client-generated id for the new session (a session started offline): "
        "sent again, the request returns the session it created.",
    )
    tree_id: uuid.UUID
    version_id: uuid.UUID | None = Field(
        default=None,
        description="The published version the client ran (offline), kept even when the tree "
        "has published a newer one since; default: the current version.",
    )
    variables: dict[str, Any] = Field(default_factory=dict, max_length=100)
    technician_id: uuid.UUID | None = Field(
        default=None, description="Who runs it (default: you). Others need admin or engineer."
    )
    prepared: bool = Field(
        default=False,
        description="Prepare it for `technician_id` to start later (admins and engineers).",
    )
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    answer: FirstAnswer | None = Field(
        default=None,
        description="The answer to the first step, recorded with the start in one go "
        "(not with `prepared`).",
    )


class SessionUpdate(StrictBody):
    base_revision: int = Field(
        ge=1, le=INT4_MAX, description="The revision the change is based on."
    )
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    variables: dict[str, Any] | None = Field(
        default=None, max_length=100, description="Values to set; null clears one."
    )
    technician_id: uuid.UUID | None = None


class SessionStart(StrictBody):
    variables: dict[str, Any] = Field(default_factory=dict, max_length=100)
    base_revision: int | None = Field(default=None, ge=1, le=INT4_MAX)


class StepCreate(StrictBody):
    client_id: uuid.UUID | None = client_id_field()
    option_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    base_revision: int | None = Field(default=None, ge=1, le=INT4_MAX)


class BackRequest(StrictBody):
    client_id: uuid.UUID | None = client_id_field()
    path_index: int | None = Field(
        default=None,
        ge=0,
        le=INT4_MAX,
        description="Index in `path` of the node to return to (an automatic step: the nearest "
        "choice at or before it). Omitted: the last choice before the current node.",
    )
    base_revision: int | None = Field(default=None, ge=1, le=INT4_MAX)


class StepNote(StrictBody):
    client_id: uuid.UUID | None = client_id_field()
    note: str = Field(max_length=NOTE_MAX)


class SessionComplete(StrictBody):
    client_id: uuid.UUID | None = client_id_field()
    outcome: Outcome | None = Field(
        default=None,
        description="Default: resolved at a solution node, escalated at an escalation node.",
    )
    resolution_note: str | None = Field(
        default=None,
        max_length=NOTES_MAX,
        description="Required when ending before a solution or escalation.",
    )
    outcome_label: str | None = Field(
        default=None,
        min_length=1,
        max_length=OUTCOME_LABEL_MAX,
        description="Ending early: one of the version's `outcome_labels` (at an end node its "
        "own label is used).",
    )
    base_revision: int | None = Field(default=None, ge=1, le=INT4_MAX)


class SessionAbandon(StrictBody):
    client_id: uuid.UUID | None = client_id_field()
    reason: AbandonReason
    note: str | None = Field(
        default=None, max_length=ABANDON_NOTE_MAX, description="Required for `other`."
    )
    base_revision: int | None = Field(default=None, ge=1, le=INT4_MAX)


class ExportRequest(StrictBody):
    format: Literal["pdf", "markdown", "json"]


class PersonRead(BaseModel):
    id: uuid.UUID
    full_name: str
    email: str


class OptionRead(BaseModel):
    id: str
    label: str


class CurrentNode(BaseModel):
    version_id: uuid.UUID
    node_id: str
    kind: str
    title: str = Field(description="Variables interpolated and escaped.")
    body: str = Field(description="Markdown; variables interpolated and escaped.")
    options: list[OptionRead]
    suggested_option_id: str | None = Field(
        description="The answer given here before going back, offered again."
    )
    is_terminal: bool
    waiting_for: list[str] = Field(
        description="Variables a logic node needs before the session can move on."
    )


class PathStep(BaseModel):
    index: int
    version_id: uuid.UUID
    node_id: str
    kind: str
    title: str
    automatic: bool = Field(description="A logic or link node: no person chose here.")
    step_seq: int | None = Field(description="The step that left this node (for notes).")
    option_id: str | None
    answer_label: str | None
    note: str | None
    arrived_at: datetime
    seconds_spent: float | None


class MissingVariables(BaseModel):
    at_start: list[str]
    before_complete: list[str]


class HandoffRead(BaseModel):
    """The escalation hand-off of a session: its transcript mailed to the account's escalation
    address. `pending` while queued or between retries (`attempts`, `last_error`), `sent`
    once delivered, `failed` when every retry failed."""

    to_address: str
    status: HandoffStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class SessionRead(BaseModel):
    id: uuid.UUID
    tree_id: uuid.UUID
    tree_title: str
    tree_version_id: uuid.UUID
    version_number: int
    technician: PersonRead
    created_by: uuid.UUID | None
    status: SessionStatus
    outcome: Outcome | None
    outcome_label: str | None
    outcome_labels: list[str] = Field(description="The outcome labels this version uses.")
    abandon_reason: AbandonReason | None
    abandon_note: str | None
    never_answered: bool
    answer_count: int
    resolution_note: str | None
    notes: str
    variables: dict[str, Any]
    variable_definitions: list[Variable]
    missing_variables: MissingVariables
    revision: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime
    path: list[PathStep]
    current: CurrentNode | None
    can_complete: bool
    handoff: HandoffRead | None = Field(
        default=None,
        description="Escalated sessions: the mail of the transcript to the escalation address.",
    )


class SearchMatch(BaseModel):
    field: Literal["variable", "technician", "tree_title", "step_note", "notes", "resolution_note"]
    name: str | None = Field(description="The variable's name, for `variable`.")
    snippet: str


class TreeStartNode(BaseModel):
    node_id: str
    kind: str
    title: str
    body: str
    options: list[OptionRead]


class TreeStartScreen(BaseModel):
    tree_id: uuid.UUID
    title: str
    description: str
    version_id: uuid.UUID
    version_number: int
    variables: list[Variable]
    start: TreeStartNode | None = Field(
        description="The first step, when it is known before the intake values (not a logic "
        "or link start)."
    )


class SessionSummary(BaseModel):
    id: uuid.UUID
    tree_id: uuid.UUID
    tree_title: str
    version_number: int
    technician_id: uuid.UUID
    technician_name: str
    created_by: uuid.UUID | None
    status: SessionStatus
    outcome: Outcome | None
    outcome_label: str | None
    abandon_reason: AbandonReason | None
    never_answered: bool
    answer_count: int
    created_at: datetime
    completed_at: datetime | None
    match: SearchMatch | None = Field(
        default=None, description="Where the free-text filter `q` matched this session."
    )
    handoff_status: HandoffStatus | None = Field(
        default=None, description="Escalated sessions: the delivery of the hand-off mail."
    )


class SessionPage(BaseModel):
    items: list[SessionSummary]
    next_cursor: str | None


# --------------------------------------------------------------------------- offline sync

MAX_SYNC_EVENTS = 200
SYNC_MAX_AGE_DAYS = 30
NodeId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="The node the device stood on: another node now is a `session_changed` "
        "conflict.",
    ),
]


class SyncCreate(StrictBody):
    """How the device started the session (offline)."""

    tree_id: uuid.UUID
    version_id: uuid.UUID | None = None
    variables: dict[str, Any] = Field(default_factory=dict, max_length=100)
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    occurred_at: datetime | None = Field(
        default=None,
        description=f"When it was started on the device (at most {SYNC_MAX_AGE_DAYS} days back, "
        "never later than now).",
    )


class SyncEventBase(BaseModel):
    """A queued event (unknown fields refused; `type` tells the kind)."""

    model_config = ConfigDict(extra="forbid")

    occurred_at: datetime | None = Field(
        default=None,
        description="When it was done on the device: recorded then, but never later than now "
        "nor earlier than the session's last change.",
    )


class SyncStep(SyncEventBase):
    type: Literal["step"]
    client_id: uuid.UUID
    node_id: NodeId
    option_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class SyncBack(SyncEventBase):
    type: Literal["back"]
    client_id: uuid.UUID
    node_id: NodeId
    path_index: int | None = Field(default=None, ge=0, le=INT4_MAX)


class SyncNote(SyncEventBase):
    type: Literal["note"]
    client_id: uuid.UUID
    step_client_id: uuid.UUID | None = Field(
        default=None, description="The step event the note is on (or `seq`)."
    )
    seq: int | None = Field(default=None, ge=0, le=INT4_MAX)
    note: str = Field(max_length=NOTE_MAX)

    @model_validator(mode="after")
    def _one_step(self) -> SyncNote:
        if (self.step_client_id is None) == (self.seq is None):
            raise ValueError("name the step by step_client_id or by seq")
        return self


class SyncComplete(SyncEventBase):
    type: Literal["complete"]
    client_id: uuid.UUID
    node_id: NodeId
    outcome: Outcome | None = None
    resolution_note: str | None = Field(default=None, max_length=NOTES_MAX)
    outcome_label: str | None = Field(default=None, min_length=1, max_length=OUTCOME_LABEL_MAX)


class SyncAbandon(SyncEventBase):
    type: Literal["abandon"]
    client_id: uuid.UUID
    reason: AbandonReason
    note: str | None = Field(default=None, max_length=ABANDON_NOTE_MAX)


SyncEvent = Annotated[
    SyncStep | SyncBack | SyncNote | SyncComplete | SyncAbandon, Field(discriminator="type")
]


class SyncBatch(StrictBody):
    session_id: uuid.UUID = Field(description="The session's id, generated by the client.")
    create: SyncCreate | None = Field(
        default=None,
        description="How the session was started, when the device started it (offline); a "
        "session that already exists is not started again.",
    )
    events: list[SyncEvent] = Field(default_factory=list, max_length=MAX_SYNC_EVENTS)


SyncStatus = Literal["applied", "duplicate", "conflict", "rejected", "skipped"]


class SyncEventResult(BaseModel):
    client_id: uuid.UUID
    type: str
    status: SyncStatus = Field(
        description="`applied` now; `duplicate`: applied before (nothing changed); `conflict`: "
        "the session or its tree changed elsewhere (`code` says how); `rejected`: not valid; "
        "`skipped`: not tried because an earlier event was not applied."
    )
    code: str | None = None
    message: str | None = None
    field: str | None = None
    step_seq: int | None = Field(default=None, description="The step written (or noted).")
    revision: int | None = Field(default=None, description="The session's revision after it.")


class SyncResult(BaseModel):
    session_id: uuid.UUID
    created: SyncEventResult | None = Field(description="The session's start, when sent.")
    results: list[SyncEventResult] = Field(description="One per event, in order.")
    session: SessionRead | None = Field(description="The session now (null: it does not exist).")
