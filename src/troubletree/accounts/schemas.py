from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from troubletree.accounts.models import Role
from troubletree.auth.schemas import StrictBody, UserRead


class RegisterRequest(StrictBody):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)
    full_name: str = Field(min_length=1, max_length=200)
    account_name: str | None = Field(default=None, min_length=1, max_length=200)
    invite_code: str | None = Field(default=None, min_length=1, max_length=200)
    platform_invite_code: str | None = Field(default=None, min_length=1, max_length=200)


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    max_trees: int | None
    max_members: int | None


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime


class AccountUsage(BaseModel):
    """What the account uses of its plan: live (not archived) trees and members; a
    `max_*` of None is unlimited."""

    trees: int
    max_trees: int | None
    members: int
    max_members: int | None


class AccountDetail(AccountRead):
    plan: PlanRead
    usage: AccountUsage
    escalation_email: str | None = Field(
        description="Where sessions completed as escalated are mailed with their transcript."
    )


class AccountUpdate(StrictBody):
    escalation_email: EmailStr | None = Field(
        default=None,
        max_length=320,
        description="The address escalated sessions are mailed to (PDF transcript attached); "
        "null stops the mails.",
    )


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_id: uuid.UUID
    role: Role
    created_at: datetime


class ApiKeyIdentity(BaseModel):
    """The API key a request came with: it acts with this role for the user above."""

    id: uuid.UUID
    role: Role


class MeResponse(BaseModel):
    user: UserRead
    account: AccountRead | None
    membership: MembershipRead | None
    api_key: ApiKeyIdentity | None = Field(
        default=None, description="Set when the request came with an API key."
    )


class MemberRead(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    email_verified: bool
    joined_at: datetime


class MemberUpdate(StrictBody):
    role: Role


class AccountInviteCreate(StrictBody):
    role: Role = Role.technician
    max_uses: int = Field(default=1, ge=1, le=1000)
    expires_in_hours: int | None = Field(default=168, ge=1, le=24 * 365)


class AccountInviteRead(BaseModel):
    id: uuid.UUID
    role: Role
    code_hint: str
    max_uses: int
    use_count: int
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    is_usable: bool


class AccountInviteCreated(AccountInviteRead):
    code: str = Field(description="Shown once: only a hash is kept.")
    link: str


class InvitePreviewRequest(StrictBody):
    code: str = Field(min_length=1, max_length=200)


class InvitePreview(BaseModel):
    account_name: str
    role: Role


class PlatformInviteCreate(StrictBody):
    max_uses: int = Field(default=1, ge=1, le=100000)
    expires_in_hours: int | None = Field(default=24 * 14, ge=1, le=24 * 365)
    note: str | None = Field(default=None, max_length=500)


class PlatformInviteRead(BaseModel):
    id: uuid.UUID
    code_hint: str
    max_uses: int
    use_count: int
    expires_at: datetime | None
    revoked_at: datetime | None
    note: str | None
    created_at: datetime
    is_usable: bool


class PlatformInviteCreated(PlatformInviteRead):
    code: str = Field(description="Shown once: only a hash is kept.")


class AccountPlanUpdate(StrictBody):
    plan_code: str = Field(min_length=1, max_length=40)
