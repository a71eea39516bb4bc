from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class StrictBody(BaseModel):
    """Request bodies reject unknown fields, so nobody can slip in `role`, `account_id`,
    `is_superuser` and the like."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LoginJSON(StrictBody):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int


class RefreshRequest(StrictBody):
    # Optional: the web app sends nothing and the HttpOnly cookie carries the token.
    refresh_token: str | None = Field(default=None, max_length=200)


class PasswordResetRequest(StrictBody):
    email: EmailStr


class PasswordResetConfirm(StrictBody):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=256)


class VerifyEmailConfirm(StrictBody):
    token: str = Field(min_length=1, max_length=200)


class MessageResponse(BaseModel):
    message: str


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    is_superuser: bool
    is_active: bool
    email_verified_at: datetime | None
    created_at: datetime


class UserUpdate(StrictBody):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
