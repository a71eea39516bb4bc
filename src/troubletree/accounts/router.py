"""Registration, the signed-in user, the account, members, invites and platform administration."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from troubletree.accounts import service
from troubletree.accounts.dependencies import AccountAdmin, CurrentMember
from troubletree.accounts.models import Role
from troubletree.accounts.schemas import (
    AccountDetail,
    AccountInviteCreate,
    AccountInviteCreated,
    AccountInviteRead,
    AccountPlanUpdate,
    AccountRead,
    AccountUpdate,
    ApiKeyIdentity,
    InvitePreview,
    InvitePreviewRequest,
    MemberRead,
    MembershipRead,
    MemberUpdate,
    MeResponse,
    PlanRead,
    PlatformInviteCreate,
    PlatformInviteCreated,
    PlatformInviteRead,
    RegisterRequest,
)
from troubletree.auth.dependencies import ApiKeyDep, Client, CurrentUser, Person, SuperUser
from troubletree.auth.schemas import MessageResponse, UserRead, UserUpdate
from troubletree.core.db import DB, SettingsDep
from troubletree.core.errors import error_responses
from troubletree.core.ratelimit import Limiter

auth_router = APIRouter(prefix="/auth", tags=["auth"])
account_router = APIRouter(prefix="/account", tags=["account"])
invites_router = APIRouter(prefix="/invites", tags=["invites"])
platform_router = APIRouter(prefix="/platform", tags=["platform"])


REGISTERED = (
    "Check your email: we have sent a message to that address to finish creating your account."
)


@auth_router.post(
    "/register",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(403, 404, 409, 422, 429),
)
async def register(
    body: RegisterRequest, db: DB, settings: SettingsDep, limiter: Limiter, client: Client
) -> MessageResponse:
    """Always 202 with the same body, whether or not the address has an account: a new address
    gets its account and a verification mail, one that has an account gets a mail telling its
    owner. Without `invite_code` a new account (free plan) is created with you as admin; with
    one you join that account with the invite's role. With SIGNUP_MODE=invite a new account
    needs `platform_invite_code`."""
    await service.register(db, settings, limiter, body, client)
    return MessageResponse(message=REGISTERED)


@auth_router.get("/me", responses=error_responses(401))
async def read_me(user: CurrentUser, key: ApiKeyDep, db: DB) -> MeResponse:
    """With an API key: the admin who created it, and the key with its role."""
    membership, account = await service.membership_of(db, user)
    return MeResponse(
        user=UserRead.model_validate(user),
        account=AccountRead.model_validate(account) if account else None,
        membership=MembershipRead.model_validate(membership) if membership else None,
        api_key=ApiKeyIdentity(id=key.key_id, role=Role(key.role)) if key else None,
    )


@auth_router.patch("/me", responses=error_responses(401, 403, 422))
async def update_me(body: UserUpdate, user: Person, db: DB) -> UserRead:
    """Only your own name can be changed here; role, account and flags are not writable."""
    return UserRead.model_validate(await service.update_profile(db, user, body.full_name))


@account_router.get("", responses=error_responses(401, 403))
async def read_account(caller: CurrentMember, db: DB) -> AccountDetail:
    return await service.account_detail(db, caller)


@account_router.patch("", responses=error_responses(401, 403, 422))
async def update_account(
    body: AccountUpdate, caller: AccountAdmin, db: DB, client: Client
) -> AccountDetail:
    """Account settings (admins): the escalation address."""
    return await service.update_account(db, caller, body, client)


@account_router.get("/members", responses=error_responses(401, 403))
async def list_members(caller: CurrentMember, db: DB) -> list[MemberRead]:
    return await service.list_members(db, caller)


@account_router.patch("/members/{user_id}", responses=error_responses(401, 403, 404, 409, 422))
async def update_member(
    user_id: uuid.UUID, body: MemberUpdate, caller: AccountAdmin, db: DB, client: Client
) -> MemberRead:
    return await service.change_role(db, caller, user_id, body.role, client)


@account_router.delete(
    "/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
async def remove_member(user_id: uuid.UUID, caller: AccountAdmin, db: DB, client: Client) -> None:
    await service.remove_member(db, caller, user_id, client)


@account_router.post(
    "/invites", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 422)
)
async def create_account_invite(
    body: AccountInviteCreate, caller: AccountAdmin, db: DB, settings: SettingsDep, client: Client
) -> AccountInviteCreated:
    """The code is in this answer only; the server keeps a hash."""
    return await service.create_account_invite(db, settings, caller, body, client)


@account_router.get("/invites", responses=error_responses(401, 403))
async def list_account_invites(caller: AccountAdmin, db: DB) -> list[AccountInviteRead]:
    return await service.list_account_invites(db, caller)


@account_router.delete("/invites/{invite_id}", responses=error_responses(401, 403, 404))
async def revoke_account_invite(
    invite_id: uuid.UUID, caller: AccountAdmin, db: DB, client: Client
) -> AccountInviteRead:
    return await service.revoke_account_invite(db, caller, invite_id, client)


@invites_router.post("/preview", responses=error_responses(404, 409, 422, 429))
async def preview_invite(
    body: InvitePreviewRequest, db: DB, settings: SettingsDep, limiter: Limiter, client: Client
) -> InvitePreview:
    """Which account and role an account invite code grants, without using it."""
    name, role = await service.preview_account_invite(db, settings, limiter, body.code, client)
    return InvitePreview(account_name=name, role=role)


@platform_router.get("/plans", tags=["platform"], responses=error_responses(401))
async def list_plans(_: CurrentUser, db: DB) -> list[PlanRead]:
    return [PlanRead.model_validate(p) for p in await service.list_plans(db)]


@platform_router.post(
    "/invites", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 422)
)
async def create_platform_invite(
    body: PlatformInviteCreate, user: SuperUser, db: DB, client: Client
) -> PlatformInviteCreated:
    return await service.create_platform_invite(db, user, body, client)


@platform_router.get("/invites", responses=error_responses(401, 403))
async def list_platform_invites(_: SuperUser, db: DB) -> list[PlatformInviteRead]:
    return await service.list_platform_invites(db)


@platform_router.delete("/invites/{invite_id}", responses=error_responses(401, 403, 404))
async def revoke_platform_invite(
    invite_id: uuid.UUID, user: SuperUser, db: DB, client: Client
) -> PlatformInviteRead:
    return await service.revoke_platform_invite(db, user, invite_id, client)


@platform_router.put("/accounts/{account_id}/plan", responses=error_responses(401, 403, 404, 422))
async def change_account_plan(
    account_id: uuid.UUID, body: AccountPlanUpdate, user: SuperUser, db: DB, client: Client
) -> AccountRead:
    account, _ = await service.change_plan(db, user, account_id, body.plan_code, client)
    return AccountRead.model_validate(account)
