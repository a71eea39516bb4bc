"""Files attached to sessions (photos and PDFs), and stored files waiting to be removed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.clock import utcnow
from troubletree.core.db import Base
from troubletree.core.models import UUIDPk


class Attachment(Base):
    """A photo or PDF on a session, at the node where it was taken (`at_seq`: the newest step
    when it arrived, so it belongs to the node that step led to). Deleting a row (or its session,
    or its account) queues its stored files for removal (`stored_file_removals`, by trigger)."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("session_id", "client_id"),
        CheckConstraint("kind IN ('image', 'pdf')", name="kind_valid"),
        CheckConstraint("size_bytes >= 0", name="size_nonnegative"),
        Index("ix_attachments_session_created", "session_id", "created_at"),
        Index("ix_attachments_account_id", "account_id"),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("troubleshooting_sessions.id", ondelete="CASCADE")
    )
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    at_seq: Mapped[int | None] = mapped_column(Integer)
    node_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    # Bytes stored for it: the file and its thumbnail (what the quota counts).
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    file_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )


class StoredFileRemoval(Base):
    """A stored file whose attachment is gone: removed from storage by the `remove_files` job."""

    __tablename__ = "stored_file_removals"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
