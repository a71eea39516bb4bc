"""Every query of accounts, plans, memberships and invites.

Account-owned rows are always filtered through `core.queries.scoped()`, so no query can forget
the tenant.
Invite redemption is one guarded UPDATE (`use_count < max_uses`): concurrent redemptions of the
last use queue on the row lock and re-check the condition, so the count can never pass max_uses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import bindparam, case, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.models import (
    Account,
    AccountInvite,
    Membership,
    Plan,
    PlatformInvite,
)
from troubletree.auth.models import User
from troubletree.auth.repository import live_family
from troubletree.core.hot import HotStatement
from troubletree.core.queries import scoped

# --------------------------------------------------------------------------- plans and accounts


async def get_plan_by_code(db: AsyncSession, code: str) -> Plan | None:
    return (await db.execute(select(Plan).where(Plan.code == code))).scalar_one_or_none()


async def get_plan(db: AsyncSession, plan_id: int) -> Plan:
    plan = await db.get(Plan, plan_id)
    assert plan is not None
    return plan


async def list_plans(db: AsyncSession) -> list[Plan]:
    return list((await db.execute(select(Plan).order_by(Plan.id))).scalars())


async def add_account(db: AsyncSession, account: Account) -> Account:
    db.add(account)
    await db.flush()
    return account


async def add_account_with_admin(
    db: AsyncSession,
    *,
    name: str,
    slugs: tuple[str, str],
    plan_code: str,
    user_id: uuid.UUID,
    role: str,
) -> uuid.UUID | None:
    """A new account on a plan (by code) with its first member, in one statement (registration
    does it; one round trip keeps a new address as quick to register as a known one). Its slug
    is the first of `slugs` when free, else the second; None when that was taken meanwhile
    (the caller tries other slugs)."""
    preferred, fallback = slugs
    account = (
        insert(Account)
        .values(
            id=uuid.uuid4(),
            name=name,
            slug=case(
                (select(Account.id).where(Account.slug == preferred).exists(), fallback),
                else_=preferred,
            ),
            plan_id=select(Plan.id).where(Plan.code == plan_code).scalar_subquery(),
        )
        .on_conflict_do_nothing(index_elements=[Account.slug])
        .returning(Account.id)
        .cte("account")
    )
    member = (
        insert(Membership)
        .from_select(
            [Membership.id, Membership.user_id, Membership.account_id, Membership.role],
            select(
                literal(uuid.uuid4(), Membership.id.type),
                literal(user_id, Membership.user_id.type),
                account.c.id,
                literal(role, Membership.role.type),
            ),
            include_defaults=False,  # created_at from the server's default
        )
        .returning(Membership.account_id)
    )
    return (await db.execute(member)).scalar_one_or_none()


async def get_account(db: AsyncSession, account_id: uuid.UUID) -> Account | None:
    return await db.get(Account, account_id)


async def lock_account(db: AsyncSession, account_id: uuid.UUID) -> Account | None:
    """The account row FOR UPDATE: serialises membership changes and plan-limited creates."""
    return (
        await db.execute(
            select(Account)
            .where(Account.id == account_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def lock_account_for_create(db: AsyncSession, account_id: uuid.UUID) -> Account | None:
    """The account row `FOR NO KEY UPDATE`: creates of one account queue here (and behind
    `accounts.repository.lock_account`), so counting and inserting cannot interleave.

    Not `FOR UPDATE`: that would also block every foreign-key check on the account (an audit
    event, a re-checked tree row) and close a cycle with a transaction that holds tag counters
    and then touches the account."""
    stmt = (
        select(Account)
        .where(Account.id == account_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    account: Account | None = (await db.execute(stmt)).scalar_one_or_none()
    return account


async def set_account_plan(db: AsyncSession, account_id: uuid.UUID, plan_id: int) -> None:
    await db.execute(update(Account).where(Account.id == account_id).values(plan_id=plan_id))


async def set_account_settings(
    db: AsyncSession, account_id: uuid.UUID, *, escalation_email: str | None
) -> None:
    await db.execute(
        update(Account).where(Account.id == account_id).values(escalation_email=escalation_email)
    )


async def slug_taken(db: AsyncSession, slug: str) -> bool:
    return (await db.scalar(select(func.count()).where(Account.slug == slug))) != 0


# --------------------------------------------------------------------------- memberships


async def add_membership(db: AsyncSession, membership: Membership) -> Membership:
    db.add(membership)
    await db.flush()
    return membership


async def get_membership_of_user(db: AsyncSession, user_id: uuid.UUID) -> Membership | None:
    return (
        await db.execute(select(Membership).where(Membership.user_id == user_id))
    ).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class SignedInMember:
    user_id: uuid.UUID
    is_active: bool
    full_name: str
    email: str
    account_id: uuid.UUID | None
    role: str | None
    is_live: bool


# Every account-scoped request starts with this query: built once, from table columns, and run
# on the request's asyncpg connection (core/hot.py), with no ORM rows and no per-request work.
_users, _memberships = User.__table__.c, Membership.__table__.c
_SIGNED_IN_MEMBER = HotStatement(
    select(
        _users.id,
        _users.is_active,
        _users.full_name,
        _users.email,
        _memberships.account_id,
        _memberships.role,
        live_family(bindparam("user_id"), bindparam("family_id"), bindparam("now")),
    )
    .select_from(User.__table__)
    .outerjoin(Membership.__table__, _memberships.user_id == _users.id)
    .where(_users.id == bindparam("user_id"))
)


async def get_signed_in_member(
    db: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID, now: datetime
) -> SignedInMember | None:
    """The user, their membership and whether the sign-in is live, in one round trip."""
    row = await _SIGNED_IN_MEMBER.fetchrow(db, user_id=user_id, family_id=family_id, now=now)
    return SignedInMember(*row) if row else None


async def get_member(
    db: AsyncSession, account_id: uuid.UUID, user_id: uuid.UUID
) -> Membership | None:
    stmt = (
        scoped(select(Membership), Membership, account_id)
        .where(Membership.user_id == user_id)
        # Fresh from the row, not the copy this request loaded earlier: read under a lock,
        # the role must be the committed one.
        .execution_options(populate_existing=True)
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def list_members(db: AsyncSession, account_id: uuid.UUID) -> list[tuple[Membership, User]]:
    stmt = scoped(
        select(Membership, User).join(User, User.id == Membership.user_id), Membership, account_id
    ).order_by(User.full_name, User.email)
    return [(m, u) for m, u in (await db.execute(stmt)).all()]


async def count_members(db: AsyncSession, account_id: uuid.UUID) -> int:
    stmt = scoped(select(func.count()).select_from(Membership), Membership, account_id)
    return int(await db.scalar(stmt) or 0)


async def count_admins(db: AsyncSession, account_id: uuid.UUID) -> int:
    stmt = scoped(select(func.count()).select_from(Membership), Membership, account_id).where(
        Membership.role == "admin"
    )
    return int(await db.scalar(stmt) or 0)


async def set_member_role(db: AsyncSession, membership: Membership, role: str) -> None:
    membership.role = role
    await db.flush()


async def delete_membership(db: AsyncSession, membership: Membership) -> None:
    await db.delete(membership)
    await db.flush()


# --------------------------------------------------------------------------- account invites


async def add_account_invite(db: AsyncSession, invite: AccountInvite) -> AccountInvite:
    db.add(invite)
    await db.flush()
    return invite


async def list_account_invites(db: AsyncSession, account_id: uuid.UUID) -> list[AccountInvite]:
    stmt = scoped(select(AccountInvite), AccountInvite, account_id).order_by(
        AccountInvite.created_at.desc()
    )
    return list((await db.execute(stmt)).scalars())


async def get_account_invite(
    db: AsyncSession, account_id: uuid.UUID, invite_id: uuid.UUID
) -> AccountInvite | None:
    stmt = scoped(select(AccountInvite), AccountInvite, account_id).where(
        AccountInvite.id == invite_id
    )
    return (await db.execute(stmt)).scalar_one_or_none()


Invite = TypeVar("Invite", AccountInvite, PlatformInvite)


async def find_invite(db: AsyncSession, model: type[Invite], code_hash: str) -> Invite | None:
    """By code (the code is the credential: whoever holds it may see what it grants)."""
    return (
        await db.execute(
            select(model)
            .where(model.code_hash == code_hash)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def redeem_invite(
    db: AsyncSession, model: type[Invite], code_hash: str, now: datetime
) -> Invite | None:
    """Takes one use of a live invite, or None when it is unknown, revoked, expired or spent."""
    row = (
        await db.execute(
            update(model)
            .where(
                model.code_hash == code_hash,
                model.revoked_at.is_(None),
                or_(model.expires_at.is_(None), model.expires_at > now),
                model.use_count < model.max_uses,
            )
            .values(use_count=model.use_count + 1)
            .returning(model.id)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return await find_invite(db, model, code_hash)


async def revoke_invite(
    db: AsyncSession, invite: AccountInvite | PlatformInvite, now: datetime
) -> None:
    if invite.revoked_at is None:
        invite.revoked_at = now
        await db.flush()


# --------------------------------------------------------------------------- platform invites


async def add_platform_invite(db: AsyncSession, invite: PlatformInvite) -> PlatformInvite:
    db.add(invite)
    await db.flush()
    return invite


async def list_platform_invites(db: AsyncSession) -> list[PlatformInvite]:
    return list(
        (
            await db.execute(select(PlatformInvite).order_by(PlatformInvite.created_at.desc()))
        ).scalars()
    )


async def get_platform_invite(db: AsyncSession, invite_id: uuid.UUID) -> PlatformInvite | None:
    return await db.get(PlatformInvite, invite_id)
