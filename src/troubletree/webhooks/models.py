"""Webhook endpoints, one delivery per (event, endpoint), and one log row per attempt."""

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
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.clock import utcnow
from troubletree.core.db import Base
from troubletree.core.models import CreatedAtMixin, UUIDPk


class WebhookEvent(enum.StrEnum):
    session_started = "session.started"
    session_completed = "session.completed"
    session_escalated = "session.escalated"
    session_abandoned = "session.abandoned"
    tree_published = "tree.published"


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # a job will (re)try it
    delivered = "delivered"  # a 2xx answer was received
    failed = "failed"  # retried for the whole window (or the endpoint was disabled)


EVENT_CHECK = "events <@ ARRAY[{}]::varchar[]".format(
    ", ".join(f"'{e.value}'" for e in WebhookEvent)
)


class WebhookEndpoint(CreatedAtMixin, Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint(EVENT_CHECK, name="events_known"),
        CheckConstraint("cardinality(events) >= 1", name="events_present"),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    events: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    # The signing secret: kept as is (each delivery is signed with it), shown once at creation.
    secret: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    # Since when every attempt failed (cleared by a success): decides when to disable it.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )


class WebhookDelivery(CreatedAtMixin, Base):
    """One event for one endpoint. Its id is the `Idempotency-Key` of every attempt, so a
    receiver that sees it twice (a retry after a lost answer, "send again") can drop the copy."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_valid"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at", "id"),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The exact bytes sent (as text): every attempt sends, and signs, the same body.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Retries run until retry_window_start + WEBHOOK_RETRY_WINDOW_SECONDS ("send again" resets it).
    retry_window_start: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    """One try of a delivery, written before the request goes out and completed after; a row
    never completed is an attempt whose worker stopped mid-request (marked `interrupted`)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "attempt"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    response_excerpt: Mapped[str | None] = mapped_column(Text)
