"""Registration, accounts, members and roles, account and platform invites."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts import repository
from troubletree.accounts.caller import Caller
from troubletree.accounts.exceptions import (
    AccountNotFound,
    EmailTaken,
    InviteExhausted,
    InviteInvalid,
    InviteNotFound,
    LastAdmin,
    MemberLimitReached,
    MemberNotFound,
    PlanNotFound,
    PlatformInviteRequired,
    RoleRequired,
    SignupClosed,
)
from troubletree.accounts.models import (
    Account,
    AccountInvite,
    Membership,
    Plan,
    PlatformInvite,
    Role,
)
from troubletree.accounts.repository import Invite
from troubletree.accounts.schemas import (
    AccountDetail,
    AccountInviteCreate,
    AccountInviteCreated,
    AccountInviteRead,
    AccountRead,
    AccountUpdate,
    AccountUsage,
    MemberRead,
    PlanRead,
    PlatformInviteCreate,
    PlatformInviteCreated,
    PlatformInviteRead,
    RegisterRequest,
)
from troubletree.auth import repository as auth_repository
from troubletree.auth import service as auth_service
from troubletree.auth.models import User
from troubletree.core import audit, security
from troubletree.core.client import ClientInfo
from troubletree.core.clock import utcnow
from troubletree.core.config import Settings
from troubletree.core.ratelimit import RateLimiter
from troubletree.core.text import slugify
from troubletree.trees.repository import trees as tree_queries

DEFAULT_PLAN = "free"


# --------------------------------------------------------------------------- registration


async def _unique_slug(db: AsyncSession, name: str) -> str:
    base = slugify(name)
    if not await repository.slug_taken(db, base):
        return base
    return f"{base}-{secrets.token_hex(3)}"


async def _invite(db: AsyncSession, model: type[Invite], code_hash: str, *, take: bool) -> Invite:
    """The invite a registration names, with one use taken when `take`, or the reason it cannot
    be used (unknown/expired/revoked vs spent). Without `take` it only checks (a registration
    for an address that already has an account uses nothing up but must answer alike)."""
    field = "invite_code" if model is AccountInvite else "platform_invite_code"
    now = utcnow()
    if take:
        invite = await repository.redeem_invite(db, model, code_hash, now)
        if invite is not None:
            return invite
    existing = await repository.find_invite(db, model, code_hash)
    if existing is not None and existing.is_usable and not take:
        return existing
    usable = (
        existing is not None
        and existing.revoked_at is None
        and (existing.expires_at is None or existing.expires_at > now)
    )
    raise InviteExhausted(field=field) if usable else InviteInvalid(field=field)


async def _new_account(db: AsyncSession, body: RegisterRequest, user_id: uuid.UUID) -> uuid.UUID:
    """A new account on the free plan with the user as its admin; its id."""
    name = body.account_name or f"{body.full_name}'s team"
    base = slugify(name)
    while True:
        account_id = await repository.add_account_with_admin(
            db,
            name=name,
            slugs=(base, f"{base}-{secrets.token_hex(3)}"),
            plan_code=DEFAULT_PLAN,
            user_id=user_id,
            role=Role.admin,
        )
        if account_id is not None:
            return account_id


async def _joined_account(db: AsyncSession, invite: AccountInvite) -> Account:
    """The account an invite joins, locked, with room for one more member."""
    account = await repository.lock_account(db, invite.account_id)
    if account is None:
        raise InviteInvalid(field="invite_code")
    plan = await repository.get_plan(db, account.plan_id)
    if plan.max_members is not None and (
        await repository.count_members(db, account.id) >= plan.max_members
    ):
        raise MemberLimitReached()
    return account


async def register(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    body: RegisterRequest,
    client: ClientInfo,
) -> None:
    """Registration that tells nobody whether the address has an account (README, "No account
    enumeration"): the caller always gets the same answer, and the address's mailbox learns
    the rest.

    - A new address: the user, and either the account of an invite (with the invite's role, one
      use taken) or a new account on the free plan with the user as admin; a verification mail.
    - An address that has an account: nothing is created and no invite use is taken; its
      owner gets a mail saying someone tried to register with it, with sign-in and reset links.

    Everything that can refuse (rate limits, sign-up mode, password policy, the invite and the
    account's member limit) depends on the request, never on the address, and is checked in
    both cases. One transaction: a registration that fails burns no invite use.
    """
    await limiter.hit(settings.rate_limit_register_ip, "register-ip", client.ip)
    if body.invite_code or body.platform_invite_code:
        await limiter.hit(settings.rate_limit_invite_ip, "invite-ip", client.ip)
    if not body.invite_code:
        if settings.signup_mode == "closed":
            raise SignupClosed()
        if settings.signup_mode == "invite" and not body.platform_invite_code:
            raise PlatformInviteRequired(field="platform_invite_code")

    # Hashed in both cases (the time the request takes must not tell them apart), and before
    # any invite row is locked, so it is locked only for a moment.
    password_hash = await auth_service.hash_new_password(settings, body.password, body.email)
    user = await auth_service.create_user(
        db, email=body.email, password_hash=password_hash, full_name=body.full_name
    )
    is_new = user is not None

    invite: AccountInvite | None = None
    account: Account | None = None
    if body.invite_code:
        invite = await _invite(
            db, AccountInvite, security.token_hash(body.invite_code.strip()), take=is_new
        )
        account = await _joined_account(db, invite)
    elif settings.signup_mode == "invite" and body.platform_invite_code:
        await _invite(
            db,
            PlatformInvite,
            security.token_hash(security.normalise_typed_code(body.platform_invite_code)),
            take=is_new,
        )

    if user is None:
        await auth_service.tell_owner_of_registration_attempt(db, settings, body.email, client)
        return

    if account is not None:
        role = invite.role if invite is not None else Role.admin
        membership = await repository.add_membership(
            db, Membership(id=uuid.uuid4(), user_id=user.id, account_id=account.id, role=role)
        )
    else:
        role = Role.admin
        membership = Membership(
            user_id=user.id, account_id=await _new_account(db, body, user.id), role=role
        )
    await auth_service.send_verification(db, settings, user, force=True)
    if invite is not None:
        await audit.record_member_action(
            db, "account_invite_redeemed", membership, client, str(invite.id), role=str(role)
        )
    else:
        await audit.record_member_action(
            db, "user_registered", membership, client, str(user.id), role=str(role)
        )


async def membership_of(db: AsyncSession, user: User) -> tuple[Membership | None, Account | None]:
    membership = await repository.get_membership_of_user(db, user.id)
    account = await repository.get_account(db, membership.account_id) if membership else None
    return membership, account


async def list_plans(db: AsyncSession) -> list[Plan]:
    return await repository.list_plans(db)


async def update_profile(db: AsyncSession, user: User, full_name: str | None) -> User:
    if full_name is not None:
        user.full_name = full_name
        await db.flush()
    return user


# --------------------------------------------------------------------------- account and plans


async def account_detail(db: AsyncSession, caller: Caller) -> AccountDetail:
    account = await repository.get_account(db, caller.account_id)
    assert account is not None
    plan = await repository.get_plan(db, account.plan_id)
    usage = AccountUsage(
        trees=await tree_queries.count_live_trees(db, account.id),
        max_trees=plan.max_trees,
        members=await repository.count_members(db, account.id),
        max_members=plan.max_members,
    )
    return AccountDetail(
        **AccountRead.model_validate(account).model_dump(),
        plan=PlanRead.model_validate(plan),
        usage=usage,
        escalation_email=account.escalation_email,
    )


async def update_account(
    db: AsyncSession, caller: Caller, body: AccountUpdate, client: ClientInfo
) -> AccountDetail:
    """Account settings; only the fields sent change."""
    if "escalation_email" in body.model_fields_set:
        address = str(body.escalation_email) if body.escalation_email else None
        await repository.set_account_settings(db, caller.account_id, escalation_email=address)
        await audit.record_member_action(
            db, "escalation_email_changed", caller, client, str(caller.account_id)
        )
    return await account_detail(db, caller)


async def change_plan(
    db: AsyncSession, actor: User, account_id: uuid.UUID, plan_code: str, client: ClientInfo
) -> tuple[Account, Plan]:
    plan = await repository.get_plan_by_code(db, plan_code)
    if plan is None:
        raise PlanNotFound(field="plan_code")
    account = await repository.lock_account(db, account_id)
    if account is None:
        raise AccountNotFound()
    await repository.set_account_plan(db, account.id, plan.id)
    account.plan_id = plan.id
    await audit.record_user_action(
        db, "plan_changed", actor.id, client, str(account.id), account_id=account.id, plan=plan.code
    )
    return account, plan


# --------------------------------------------------------------------------- members


def member_read(membership: Membership, user: User) -> MemberRead:
    return MemberRead(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=Role(membership.role),
        is_active=user.is_active,
        email_verified=user.email_verified_at is not None,
        joined_at=membership.created_at,
    )


async def list_members(db: AsyncSession, caller: Caller) -> list[MemberRead]:
    return [member_read(m, u) for m, u in await repository.list_members(db, caller.account_id)]


async def _locked_member(
    db: AsyncSession, caller: Caller, user_id: uuid.UUID
) -> tuple[Membership, User]:
    """Locks the account (so two admins cannot demote each other at once) and loads a member.
    The caller's own role is read again under the lock: a demotion committed a moment ago
    must not let the demoted admin act on the strength of the role they had."""
    await repository.lock_account(db, caller.account_id)
    own = await repository.get_member(db, caller.account_id, caller.user_id)
    if own is None or own.role != Role.admin:
        raise RoleRequired("This needs the role: admin.")
    membership = await repository.get_member(db, caller.account_id, user_id)
    user = await auth_repository.get_user(db, user_id) if membership else None
    if membership is None or user is None:
        raise MemberNotFound()
    return membership, user


async def change_role(
    db: AsyncSession, caller: Caller, user_id: uuid.UUID, role: Role, client: ClientInfo
) -> MemberRead:
    membership, user = await _locked_member(db, caller, user_id)
    if (
        membership.role == Role.admin
        and role != Role.admin
        and (await repository.count_admins(db, caller.account_id) <= 1)
    ):
        raise LastAdmin()
    old = membership.role
    await repository.set_member_role(db, membership, role)
    await audit.record_member_action(
        db, "member_role_changed", caller, client, str(user_id), old_role=old, new_role=str(role)
    )
    return member_read(membership, user)


async def remove_member(
    db: AsyncSession, caller: Caller, user_id: uuid.UUID, client: ClientInfo
) -> None:
    """Removes a member: the membership goes, the user is disabled and signed out everywhere
    (a user belongs to one account, so without it they can do nothing)."""
    membership, user = await _locked_member(db, caller, user_id)
    if membership.role == Role.admin and await repository.count_admins(db, caller.account_id) <= 1:
        raise LastAdmin()
    await repository.delete_membership(db, membership)
    user.is_active = False
    now = utcnow()
    await auth_repository.revoke_user_families(db, user.id, "member_removed", now)
    await audit.record_member_action(db, "member_removed", caller, client, str(user_id))
    # Their API keys act for them: they end with the membership.
    for key_id in await auth_repository.revoke_api_keys_created_by(
        db, user.id, caller.user_id, now
    ):
        await audit.record_member_action(
            db, "api_key_revoked", caller, client, str(key_id), reason="member_removed"
        )


# --------------------------------------------------------------------------- invites


def account_invite_read(invite: AccountInvite) -> AccountInviteRead:
    return AccountInviteRead.model_validate(invite, from_attributes=True)


def platform_invite_read(invite: PlatformInvite) -> PlatformInviteRead:
    return PlatformInviteRead.model_validate(invite, from_attributes=True)


def _new_invite(
    code_hash: str, code_hint: str, max_uses: int, expires_in_hours: int | None, by: uuid.UUID
) -> dict[str, Any]:
    """The columns every new invite (account or platform) starts with: unused, expiring
    `expires_in_hours` from now (None: never)."""
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "code_hash": code_hash,
        "code_hint": code_hint,
        "max_uses": max_uses,
        "use_count": 0,
        "expires_at": now + timedelta(hours=expires_in_hours) if expires_in_hours else None,
        "created_by": by,
        "created_at": now,
    }


async def create_account_invite(
    db: AsyncSession,
    settings: Settings,
    caller: Caller,
    body: AccountInviteCreate,
    client: ClientInfo,
) -> AccountInviteCreated:
    code = secrets.token_urlsafe(24)  # 192 bits: travels in a link
    invite = await repository.add_account_invite(
        db,
        AccountInvite(
            **_new_invite(
                security.token_hash(code),
                code[:4],
                body.max_uses,
                body.expires_in_hours,
                caller.user_id,
            ),
            account_id=caller.account_id,
            role=body.role,
        ),
    )
    await audit.record_member_action(
        db,
        "account_invite_created",
        caller,
        client,
        str(invite.id),
        role=str(body.role),
        max_uses=body.max_uses,
    )
    link = f"{settings.link_base_url}/accept-invite?code={code}"
    return AccountInviteCreated(**account_invite_read(invite).model_dump(), code=code, link=link)


async def list_account_invites(db: AsyncSession, caller: Caller) -> list[AccountInviteRead]:
    return [
        account_invite_read(i) for i in await repository.list_account_invites(db, caller.account_id)
    ]


async def revoke_account_invite(
    db: AsyncSession, caller: Caller, invite_id: uuid.UUID, client: ClientInfo
) -> AccountInviteRead:
    invite = await repository.get_account_invite(db, caller.account_id, invite_id)
    if invite is None:
        raise InviteNotFound()
    await repository.revoke_invite(db, invite, utcnow())
    await audit.record_member_action(db, "account_invite_revoked", caller, client, str(invite.id))
    return account_invite_read(invite)


async def preview_account_invite(
    db: AsyncSession, settings: Settings, limiter: RateLimiter, code: str, client: ClientInfo
) -> tuple[str, Role]:
    """What an invite code grants (for the accept-invite page), without using it."""
    await limiter.hit(settings.rate_limit_invite_ip, "invite-ip", client.ip)
    invite = await repository.find_invite(db, AccountInvite, security.token_hash(code.strip()))
    if invite is None or not invite.is_usable:
        if invite is not None and invite.use_count >= invite.max_uses:
            raise InviteExhausted(field="code")
        raise InviteInvalid(field="code")
    account = await repository.get_account(db, invite.account_id)
    assert account is not None
    return account.name, Role(invite.role)


async def create_platform_invite(
    db: AsyncSession, actor: User, body: PlatformInviteCreate, client: ClientInfo
) -> PlatformInviteCreated:
    code = security.new_typed_code()  # typed by people: 74 bits, grouped
    invite = await repository.add_platform_invite(
        db,
        PlatformInvite(
            **_new_invite(
                security.token_hash(security.normalise_typed_code(code)),
                code[:5],
                body.max_uses,
                body.expires_in_hours,
                actor.id,
            ),
            note=body.note,
        ),
    )
    await audit.record_user_action(
        db,
        "platform_invite_created",
        actor.id,
        client,
        str(invite.id),
        max_uses=body.max_uses,
    )
    return PlatformInviteCreated(**platform_invite_read(invite).model_dump(), code=code)


async def list_platform_invites(db: AsyncSession) -> list[PlatformInviteRead]:
    return [platform_invite_read(i) for i in await repository.list_platform_invites(db)]


async def revoke_platform_invite(
    db: AsyncSession, actor: User, invite_id: uuid.UUID, client: ClientInfo
) -> PlatformInviteRead:
    invite = await repository.get_platform_invite(db, invite_id)
    if invite is None:
        raise InviteNotFound()
    await repository.revoke_invite(db, invite, utcnow())
    await audit.record_user_action(db, "platform_invite_revoked", actor.id, client, str(invite.id))
    return platform_invite_read(invite)


# --------------------------------------------------------------------------- administration


async def create_admin(
    db: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    full_name: str,
    account_name: str | None = None,
) -> User:
    """A platform superuser with an account of their own (enterprise plan), verified."""
    password_hash = await auth_service.hash_new_password(settings, password, email)
    user = await auth_service.create_user(
        db,
        email=email,
        password_hash=password_hash,
        full_name=full_name,
        is_superuser=True,
        verified=True,
    )
    if user is None:
        raise EmailTaken(field="email")
    plan = await repository.get_plan_by_code(db, "enterprise")
    assert plan is not None
    name = account_name or "Platform administration"
    account = await repository.add_account(
        db,
        Account(id=uuid.uuid4(), name=name, slug=await _unique_slug(db, name), plan_id=plan.id),
    )
    await repository.add_membership(
        db, Membership(id=uuid.uuid4(), user_id=user.id, account_id=account.id, role=Role.admin)
    )
    await audit.record(
        db, "superuser_created", account_id=account.id, actor_id=user.id, subject=str(user.id)
    )
    return user
