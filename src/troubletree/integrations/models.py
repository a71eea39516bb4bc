"""Start links (a session opened from a help desk) and the origins allowed to embed the runner."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.db import Base
from troubletree.core.models import CreatedAtMixin, UUIDPk


class StartLink(CreatedAtMixin, Base):
    """A signed, single-use link that opens a session of a published tree with intake values
    set. Only the id is stored; the link's signature is derived from it with the signing key."""

    __tablename__ = "start_links"

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    tree_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("trees.id", ondelete="CASCADE")
    )
    variables: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    technician_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE")
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("troubleshooting_sessions.id", ondelete="SET NULL")
    )


class EmbedSettings(Base):
    """The origins (scheme://host[:port]) whose pages may frame the account's embed pages."""

    __tablename__ = "embed_settings"

    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    allowed_origins: Mapped[list[str]] = mapped_column(
        ARRAY(String(300)), default=list, server_default=text("'{}'::varchar[]")
    )
