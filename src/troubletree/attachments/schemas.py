from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class AttachmentRead(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    client_id: uuid.UUID | None
    kind: Literal["image", "pdf"]
    content_type: str
    filename: str
    size_bytes: int = Field(description="The stored file and its thumbnail.")
    width: int | None
    height: int | None
    at_seq: int | None = Field(
        description="The newest step when the file was added: it belongs to the node that step "
        "led to (null: before the session started)."
    )
    node_id: str | None = Field(description="The node it was taken at.")
    created_at: datetime
    url: str = Field(description="The file, signed for a few minutes (no sign-in needed).")
    thumbnail_url: str | None = Field(description="Its thumbnail (images), signed likewise.")
    expires_at: datetime = Field(description="When the two links stop working.")


class StorageUsage(BaseModel):
    used_bytes: int
    quota_bytes: int
    files: int
