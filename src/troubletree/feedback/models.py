"""Technicians' feedback on the steps of a tree, authors' replies, and change alerts dismissed."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.clock import utcnow
from troubletree.core.db import Base
from troubletree.core.models import CreatedAtMixin, UUIDPk


class FeedbackKind(enum.StrEnum):
    didnt_help = "didnt_help"
    unclear = "unclear"
    wrong = "wrong"


class FeedbackStatus(enum.StrEnum):
    open = "open"
    resolved = "resolved"


KIND_CHECK = "kind IN ('didnt_help', 'unclear', 'wrong')"
STATUS_CHECK = "status IN ('open', 'resolved')"


class NodeFeedback(CreatedAtMixin, Base):
    """A technician's flag on one node of one published version, raised from a session that
    reached it. Node ids are stable across a tree's versions, so authors see it pinned to the
    same node in the draft."""

    __tablename__ = "node_feedback"
    __table_args__ = (
        CheckConstraint(KIND_CHECK, name="kind_valid"),
        CheckConstraint(STATUS_CHECK, name="status_valid"),
        # One flag of a kind per node and session: a double click files it once.
        UniqueConstraint("session_id", "version_id", "node_id", "kind"),
        # The editor's pins and the per-node counts: one tree's feedback by status.
        Index("ix_node_feedback_account_id_tree_id_status", "account_id", "tree_id", "status"),
        # A technician's own feedback, newest first.
        Index("ix_node_feedback_created_by_created_at", "created_by", "created_at"),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    tree_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("trees.id", ondelete="CASCADE")
    )
    version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tree_versions.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("troubleshooting_sessions.id", ondelete="CASCADE")
    )
    node_id: Mapped[str] = mapped_column(String(64))
    # The node's title in that version, as the technician saw it (variables not filled in).
    node_title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(
        String(20), default=FeedbackStatus.open, server_default=FeedbackStatus.open.value
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    resolution_note: Mapped[str | None] = mapped_column(Text)
    # When the technician who filed it acknowledged its resolution (the notice is then gone).
    reporter_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FeedbackReply(CreatedAtMixin, Base):
    """A message on a feedback thread (an author's answer, or the reporter's)."""

    __tablename__ = "node_feedback_replies"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    feedback_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("node_feedback.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)


class ChangeAlertDismissal(Base):
    """A person dismissed the notice about one published version of a tree: it is shown once
    and never again, on any device."""

    __tablename__ = "change_alert_dismissals"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "version_id", name="pk_change_alert_dismissals"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE")
    )
    version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tree_versions.id", ondelete="CASCADE")
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    tree_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("trees.id", ondelete="CASCADE"), index=True
    )
    dismissed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
