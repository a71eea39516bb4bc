from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventRead(BaseModel):
    id: int
    created_at: datetime
    action: str
    account_id: uuid.UUID | None
    actor_id: uuid.UUID | None = Field(description="null: no user (an unknown address), or gone.")
    actor_email: str | None
    actor_name: str | None
    api_key_id: uuid.UUID | None = Field(description="Set when an API key acted for the actor.")
    subject: str | None = Field(description="What the action concerns: a tree, member, key, ...")
    ip: str | None
    data: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_cursor: str | None = Field(description="Pass back as `cursor` for older events.")
