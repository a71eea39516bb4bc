"""The webhook API contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from troubletree.webhooks.models import DeliveryStatus, WebhookEvent

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Events = Annotated[list[WebhookEvent], Field(min_length=1, max_length=len(WebhookEvent))]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    events: Events
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class WebhookUpdate(BaseModel):
    """Only what is given changes; `is_active: true` re-enables a disabled endpoint."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: Events | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = (
        None
    )
    is_active: bool | None = None


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str
    events: list[WebhookEvent]
    is_active: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    """The endpoint with its signing secret: shown this once."""

    secret: str


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    started_at: datetime
    finished_at: datetime | None
    status_code: int | None
    duration_ms: int | None
    error: str | None
    response_excerpt: str | None


class DeliveryRead(BaseModel):
    id: uuid.UUID
    event: WebhookEvent
    event_id: uuid.UUID
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    created_at: datetime
    log: list[AttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None
