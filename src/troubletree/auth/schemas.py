from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator


class StrictBody(BaseModel):
    """Request bodies reject unknown fields, so nobody can slip in `role`, `account_id`,
    `is_superuser` and the like."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("Text must not contain NUL characters.")
        return value


def _has_nul(value: Any) -> bool:
    """PostgreSQL cannot store U+0000 in text: refuse it at the edge instead of failing later."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


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


class PasswordChange(StrictBody):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class VerifyEmailConfirm(StrictBody):
    token: str = Field(min_length=1, max_length=200)


class TokenCheck(StrictBody):
    token: str = Field(min_length=1, max_length=200)


class TokenStatus(BaseModel):
    status: Literal["valid", "used", "expired", "invalid"] = Field(
        description="`invalid`: unknown, or replaced by a newer link."
    )


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
