"""Guided troubleshooting sessions and their append-only step log."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.clock import utcnow
from troubletree.core.db import Base
from troubletree.core.models import UUIDPk


class SessionStatus(enum.StrEnum):
    prepared = "prepared"  # created by a dispatcher for a technician, not started yet
    in_progress = "in_progress"
    completed = "completed"
    abandoned = "abandoned"


# The statuses in which a session can still change.
ACTIVE = frozenset({SessionStatus.prepared.value, SessionStatus.in_progress.value})


class Outcome(enum.StrEnum):
    resolved = "resolved"
    escalated = "escalated"
    unresolved = "unresolved"


class AbandonReason(enum.StrEnum):
    solved_elsewhere = "solved_elsewhere"
    customer_left = "customer_left"
    wrong_tree = "wrong_tree"
    other = "other"


# Steps one session may hold (answers, automatic moves and backs together).
MAX_SESSION_STEPS = 5000


class StepKind(enum.StrEnum):
    start = "start"  # arrival at the start node
    answer = "answer"  # an option of the current node was chosen
    auto = "auto"  # a logic node branched on the variables
    link = "link"  # a link node continued in another published tree
    back = "back"  # the technician went back to an earlier node of the path


class TroubleshootingSession(Base):
    __tablename__ = "troubleshooting_sessions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('prepared', 'in_progress', 'completed', 'abandoned')", name="status_valid"
        ),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('resolved', 'escalated', 'unresolved')",
            name="outcome_valid",
        ),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint(
            "abandon_reason IS NULL OR abandon_reason IN "
            "('solved_elsewhere', 'customer_left', 'wrong_tree', 'other')",
            name="abandon_reason_valid",
        ),
        CheckConstraint("answer_count >= 0", name="answer_count_nonnegative"),
        # The outcome-label filter and the account's distinct labels.
        Index(
            "ix_troubleshooting_sessions_account_outcome_label",
            "account_id",
            "outcome_label",
            postgresql_where=text("outcome_label IS NOT NULL"),
        ),
        # History, newest first, with keyset pagination on (created_at, id): per account, per
        # technician, and per tree; each stays an index range scan at any table size.
        Index("ix_troubleshooting_sessions_account_created", "account_id", "created_at", "id"),
        Index(
            "ix_troubleshooting_sessions_technician_created",
            "technician_id",
            "created_at",
            "id",
        ),
        Index("ix_troubleshooting_sessions_tree_created", "tree_id", "created_at", "id"),
        # Insights: a technician's sessions of a tree (the technician filter).
        Index("ix_troubleshooting_sessions_tree_technician", "tree_id", "technician_id"),
        Index(
            "ix_troubleshooting_sessions_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    tree_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("trees.id", ondelete="CASCADE")
    )
    tree_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tree_versions.id", ondelete="RESTRICT")
    )
    technician_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE")
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20))
    variables: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    outcome: Mapped[str | None] = mapped_column(String(20))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    # The end node's outcome label (or one of the version's labels, when ended early).
    outcome_label: Mapped[str | None] = mapped_column(String(80))
    abandon_reason: Mapped[str | None] = mapped_column(String(20))
    abandon_note: Mapped[str | None] = mapped_column(Text)
    # Answers given (kept with each step, in the same statement): 0 = never answered.
    answer_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Session notes, step notes and the resolution note, lower-cased: the free-text filter.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )


class SessionStep(Base):
    """One event of a session. Append-only: going back appends a `back` step, so the history
    of what was tried is never lost. `to_node_id` / `to_version_id` record where the event led,
    so the path can be replayed without re-deciding anything."""

    __tablename__ = "session_steps"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        CheckConstraint("kind IN ('start', 'answer', 'auto', 'link', 'back')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("troubleshooting_sessions.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    version_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    node_id: Mapped[str | None] = mapped_column(String(64))
    option_id: Mapped[str | None] = mapped_column(String(64))
    answer_label: Mapped[str | None] = mapped_column(String(200))
    to_version_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    to_node_id: Mapped[str] = mapped_column(String(64))
    # For `back`: the index on the path that became current again.
    path_index: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )


class HandoffStatus(enum.StrEnum):
    pending = "pending"  # queued, or waiting for its next attempt after a failure
    sent = "sent"  # handed to the SMTP server (or logged, without SMTP_HOST)
    failed = "failed"  # every attempt failed; the job queue gave up


class EscalationHandoff(Base):
    """The transcript of a session completed as escalated, mailed to the account's escalation
    address. Written in the transaction that completes the session, together with its delivery
    job (the transactional outbox): it exists exactly when the escalation does."""

    __tablename__ = "escalation_handoffs"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_valid"),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("troubleshooting_sessions.id", ondelete="CASCADE"),
        unique=True,
    )
    # The address as it was when the session was escalated (a later change redirects nothing).
    to_address: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(
        String(10), default=HandoffStatus.pending, server_default=HandoffStatus.pending.value
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_via: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReceiptKind(enum.StrEnum):
    create = "create"
    step = "step"
    back = "back"
    note = "note"
    complete = "complete"
    abandon = "abandon"


class SessionReceipt(Base):
    """A change made under a client-generated id (a device's queued event, or a retried
    request): a second request with the same id finds it and gets the first one's answer instead
    of changing the session again. Unique per session and client id; written under the
    session's row lock."""

    __tablename__ = "session_receipts"
    __table_args__ = (
        UniqueConstraint("session_id", "client_id"),
        CheckConstraint(
            "kind IN ('create', 'step', 'back', 'note', 'complete', 'abandon')", name="kind_valid"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("troubleshooting_sessions.id", ondelete="CASCADE")
    )
    client_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(10))
    # The session's revision once the change was made, and the step it wrote (or noted).
    revision: Mapped[int] = mapped_column(Integer)
    step_seq: Mapped[int | None] = mapped_column(Integer)
    # What a single request answered (a batch event keeps only the columns above).
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
