from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from troubletree.accounts.models import Role
from troubletree.auth.schemas import StrictBody

ApiKeyStatus = Literal["active", "expired", "revoked"]


def _one_line(value: str) -> str:
    if any(ch in value for ch in "\r\n\t"):
        raise ValueError("a key's name is one line of text")
    return value


class ApiKeyCreate(StrictBody):
    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_one_line)] = Field(
        description="What the key is for, e.g. the help desk it connects."
    )
    role: Role = Field(description="What the key may do, as a member of this role.")
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="null: the key never expires."
    )


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    name: str
    role: Role
    key_hint: str = Field(description="The first characters of the key, to tell keys apart.")
    status: ApiKeyStatus
    created_at: datetime
    created_by: uuid.UUID
    created_by_name: str
    expires_at: datetime | None
    last_used_at: datetime | None = Field(
        description="Updated at most once a minute (API_KEY_USE_INTERVAL_SECONDS)."
    )
    last_used_ip: str | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="Shown once: only a hash is kept. Send as `Bearer <key>`.")
