"""The start-link and embed API contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from troubletree.auth.schemas import StrictBody
from troubletree.sessions.schemas import NOTES_MAX, SessionRead

MAX_LINK_TTL_SECONDS = 7 * 24 * 3600
MAX_EMBED_ORIGINS = 20


class StartLinkCreate(StrictBody):
    tree_id: uuid.UUID
    variables: dict[str, Any] = Field(
        default_factory=dict,
        max_length=100,
        description="Intake values by variable name (ticket number, customer, serial, ...), "
        "checked against the tree's variables and their types.",
    )
    technician_id: uuid.UUID | None = Field(
        default=None, description="Who must open it (default: whoever opens it first)."
    )
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    expires_in_seconds: int | None = Field(
        default=None,
        ge=60,
        le=MAX_LINK_TTL_SECONDS,
        description="Lifetime (default START_LINK_TTL_SECONDS, 24 hours; at most 7 days).",
    )


class StartLinkCreated(BaseModel):
    id: uuid.UUID
    token: str = Field(description="The signed token; works once.")
    url: str = Field(description="Opens the runner with the values filled in.")
    embed_url: str = Field(description="The same inside the embeddable runner.")
    expires_at: datetime


class StartLinkRedeem(StrictBody):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class StartLinkOpened(BaseModel):
    session: SessionRead
    tree_id: uuid.UUID


class EmbedSettingsRead(BaseModel):
    account_slug: str
    allowed_origins: list[str] = Field(
        description="Origins (scheme://host[:port]) whose pages may frame the embed pages."
    )


class EmbedSettingsUpdate(StrictBody):
    allowed_origins: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    ] = Field(max_length=MAX_EMBED_ORIGINS)
