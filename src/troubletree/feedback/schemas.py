"""The API contract of node feedback and change alerts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from troubletree.auth.schemas import StrictBody
from troubletree.feedback.models import FeedbackKind, FeedbackStatus

COMMENT_MAX = 1000
REPLY_MAX = 2000


class FeedbackCreate(StrictBody):
    node_id: str = Field(min_length=1, max_length=64, description="A node the session reached.")
    version_id: uuid.UUID | None = Field(
        default=None,
        description="The version the node belongs to (a linked tree's, say); default: the "
        "latest visit of `node_id` on the session's path.",
    )
    kind: FeedbackKind = Field(description="`didnt_help`, `unclear` or `wrong`.")
    comment: str = Field(default="", max_length=COMMENT_MAX)


class ReplyCreate(StrictBody):
    body: str = Field(min_length=1, max_length=REPLY_MAX)


class FeedbackResolve(StrictBody):
    note: str | None = Field(
        default=None, max_length=REPLY_MAX, description="What was done (shown to the reporter)."
    )


class ReplyRead(BaseModel):
    id: int
    author_id: uuid.UUID | None
    author_name: str | None
    body: str
    created_at: datetime


class FeedbackRead(BaseModel):
    id: uuid.UUID
    tree_id: uuid.UUID
    tree_title: str
    version_id: uuid.UUID
    version_number: int
    session_id: uuid.UUID
    node_id: str
    node_title: str
    kind: FeedbackKind
    comment: str
    status: FeedbackStatus
    created_by: uuid.UUID | None
    created_by_name: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolved_by_name: str | None
    resolution_note: str | None
    reporter_seen_at: datetime | None = Field(
        description="When the reporter acknowledged the resolution."
    )
    replies: list[ReplyRead]


class FeedbackPage(BaseModel):
    items: list[FeedbackRead]
    next_cursor: str | None


class KindCounts(BaseModel):
    didnt_help: int = 0
    unclear: int = 0
    wrong: int = 0

    @property
    def total(self) -> int:
        return self.didnt_help + self.unclear + self.wrong


class NodeFeedbackCounts(BaseModel):
    node_id: str
    open: KindCounts
    resolved: KindCounts
    open_total: int
    resolved_total: int


class TreeFeedbackCounts(BaseModel):
    tree_id: uuid.UUID
    version_id: uuid.UUID | None = Field(description="The version counted; null: every version.")
    nodes: list[NodeFeedbackCounts] = Field(description="Nodes with any feedback, by node id.")


# --------------------------------------------------------------------------- change alerts


class StepRef(BaseModel):
    node_id: str
    title: str


class VersionNote(BaseModel):
    number: int
    changelog: str
    published_at: datetime


class ChangeAlert(BaseModel):
    """What changed in a tree since the version the caller last ran, in the terms of someone
    who runs it: steps added, removed, reworded, and steps whose answers changed."""

    tree_id: uuid.UUID
    version_id: uuid.UUID
    version_number: int
    since_version_number: int = Field(description="The version the caller last ran.")
    changelogs: list[VersionNote] = Field(
        description="The changelog of each version published since, newest first."
    )
    steps_added: list[StepRef]
    steps_removed: list[StepRef]
    steps_reworded: list[StepRef]
    answers_changed: list[StepRef] = Field(
        description="Steps whose answers were added, removed or lead elsewhere now."
    )


class ChangeAlertState(BaseModel):
    alert: ChangeAlert | None = Field(
        description="Null when there is nothing to tell (or it was dismissed)."
    )


class AlertDismiss(StrictBody):
    version_id: uuid.UUID
