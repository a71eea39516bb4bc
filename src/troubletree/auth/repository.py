"""Every query of users and their tokens. Single-use and rotation are guarded UPDATEs: under READ
COMMITTED a second UPDATE of the same row waits for the first to commit and then re-checks its
WHERE clause against the committed row, so exactly one caller wins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement, Label

from troubletree.auth.models import (
    ApiKey,
    EmailVerificationToken,
    PasswordResetToken,
    RefreshToken,
    User,
)

# --------------------------------------------------------------------------- users


async def get_user(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await db.get(User, user_id)


async def get_user_by_email(db: AsyncSession, email: str) -> User | None:
    return (await db.execute(select(User).where(User.email == email))).scalar_one_or_none()


async def lock_user(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    """Loads the user row FOR UPDATE: serialises per-user actions (reset mails, say)."""
    return (
        await db.execute(
            select(User)
            .where(User.id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def insert_user(
    db: AsyncSession,
    *,
    email: str,
    password_hash: str,
    full_name: str,
    is_superuser: bool = False,
    email_verified_at: datetime | None = None,
) -> User | None:
    """Inserts a user; None when the email is taken (also under a concurrent insert)."""
    user_id = (
        await db.execute(
            insert(User)
            .values(
                id=uuid.uuid4(),
                email=email,
                password_hash=password_hash,
                full_name=full_name,
                is_superuser=is_superuser,
                email_verified_at=email_verified_at,
            )
            .on_conflict_do_nothing(index_elements=[User.email])
            .returning(User.id)
        )
    ).scalar_one_or_none()
    if user_id is None:
        return None
    return await db.get(User, user_id)


async def set_password(
    db: AsyncSession, user_id: uuid.UUID, password_hash: str, now: datetime
) -> None:
    await db.execute(
        update(User)
        .where(User.id == user_id)
        .values(password_hash=password_hash, password_changed_at=now, updated_at=now)
    )


async def set_verified(db: AsyncSession, user_id: uuid.UUID, email: str, now: datetime) -> bool:
    """Marks the address verified if it is still the user's address and not verified yet."""
    result = await db.execute(
        update(User)
        .where(User.id == user_id, User.email == email, User.email_verified_at.is_(None))
        .values(email_verified_at=now)
        .returning(User.id)
    )
    return result.scalar_one_or_none() is not None


# --------------------------------------------------------------------------- refresh tokens


async def signed_in_from(db: AsyncSession, user_id: uuid.UUID, ip: str, since: datetime) -> bool:
    """Whether the user signed in (or renewed a sign-in) from this address since `since`: the
    user's usual address, which a per-account limit must not lock out."""
    recent = select(RefreshToken.id).where(
        RefreshToken.user_id == user_id,
        RefreshToken.created_ip == ip,
        RefreshToken.created_at >= since,
    )
    return bool(await db.scalar(select(exists(recent))))


async def add_refresh_token(db: AsyncSession, token: RefreshToken) -> RefreshToken:
    db.add(token)
    await db.flush()
    return token


async def get_refresh_token(db: AsyncSession, token_hash: str) -> RefreshToken | None:
    return (
        await db.execute(
            select(RefreshToken)
            .where(RefreshToken.token_hash == token_hash)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def claim_rotation(db: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Marks the token rotated if nobody has: the one caller that gets True mints the child."""
    result = await db.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token_id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(rotated_at=now)
        .returning(RefreshToken.id)
    )
    return result.scalar_one_or_none() is not None


async def get_child(db: AsyncSession, parent_id: uuid.UUID) -> RefreshToken | None:
    return (
        await db.execute(
            select(RefreshToken)
            .where(RefreshToken.parent_id == parent_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def _revoke(db: AsyncSession, which: ColumnElement[bool], reason: str, now: datetime) -> int:
    result = await db.execute(
        update(RefreshToken)
        .where(which, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def revoke_family(db: AsyncSession, family_id: uuid.UUID, reason: str, now: datetime) -> int:
    """Ends one sign-in: every token of the family; the number revoked."""
    return await _revoke(db, RefreshToken.family_id == family_id, reason, now)


async def revoke_user_families(
    db: AsyncSession, user_id: uuid.UUID, reason: str, now: datetime
) -> int:
    """Ends every sign-in of the user; the number of tokens revoked."""
    return await _revoke(db, RefreshToken.user_id == user_id, reason, now)


async def revoke_other_families(
    db: AsyncSession, user_id: uuid.UUID, keep_family_id: uuid.UUID, reason: str, now: datetime
) -> int:
    """Ends every sign-in of the user but one (the one changing the password)."""
    return await _revoke(
        db,
        (RefreshToken.user_id == user_id) & (RefreshToken.family_id != keep_family_id),
        reason,
        now,
    )


async def get_user_with_live_family(
    db: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID, now: datetime
) -> tuple[User, bool] | None:
    """The user and whether the sign-in (refresh family) is live, in one round trip: this runs
    on every authenticated request."""
    row = (
        await db.execute(
            select(User, live_family(user_id, family_id, now)).where(User.id == user_id)
        )
    ).one_or_none()
    return (row[0], bool(row[1])) if row else None


def live_family(
    user_id: uuid.UUID | ColumnElement[Any],
    family_id: uuid.UUID | ColumnElement[Any],
    now: datetime | ColumnElement[Any],
) -> Label[bool]:
    """A column expression: is this sign-in still live?"""
    return (
        exists()
        .where(
            RefreshToken.family_id == family_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.family_expires_at > now,
        )
        .label("live")
    )


# --------------------------------------------------------------------------- one-time tokens
#
# Password reset and email verification links: only hashes are stored, and a token is claimed
# with one guarded UPDATE, so of two concurrent uses of one link exactly one succeeds.

OneTimeToken = TypeVar("OneTimeToken", PasswordResetToken, EmailVerificationToken)


async def add_one_time_token(db: AsyncSession, token: OneTimeToken) -> None:
    db.add(token)
    await db.flush()


async def latest_token_at(
    db: AsyncSession, model: type[OneTimeToken], user_id: uuid.UUID
) -> datetime | None:
    """When the user was last sent a token of this kind (for the resend interval)."""
    return await db.scalar(
        select(model.created_at)
        .where(model.user_id == user_id)
        .order_by(model.created_at.desc())
        .limit(1)
    )


async def void_reset_tokens(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Issuing a new reset link voids every older unused one."""
    await db.execute(
        delete(PasswordResetToken).where(
            PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None)
        )
    )


async def find_token(
    db: AsyncSession, model: type[OneTimeToken], token_hash: str
) -> OneTimeToken | None:
    """The token with this hash, used or not (for telling a link's state before it is used)."""
    stmt = select(model).where(model.token_hash == token_hash)
    found: OneTimeToken | None = await db.scalar(stmt)
    return found


async def consume_token(
    db: AsyncSession, model: type[OneTimeToken], token_hash: str, now: datetime
) -> OneTimeToken | None:
    """The token, now used, if it was unused and unexpired; None otherwise."""
    stmt = (
        update(model)
        .where(model.token_hash == token_hash, model.used_at.is_(None), model.expires_at > now)
        .values(used_at=now)
        .returning(model)
    )
    token: OneTimeToken | None = (await db.execute(stmt)).scalar_one_or_none()
    return token


# --------------------------------------------------------------------------- API keys


@dataclass(frozen=True, slots=True)
class ApiKeyCaller:
    """An API key as a request presents it, with the admin it acts for."""

    key_id: uuid.UUID
    account_id: uuid.UUID
    role: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    user_id: uuid.UUID
    user_is_active: bool
    full_name: str
    email: str


# Every request with a key runs this, so it is built once from table columns.
_keys, _key_users = ApiKey.__table__.c, User.__table__.c
_API_KEY_CALLER = (
    select(
        _keys.id,
        _keys.account_id,
        _keys.role,
        _keys.expires_at,
        _keys.revoked_at,
        _keys.last_used_at,
        _key_users.id,
        _key_users.is_active,
        _key_users.full_name,
        _key_users.email,
    )
    .select_from(ApiKey.__table__.join(User.__table__, _key_users.id == _keys.created_by))
    .where(_keys.key_hash == bindparam("key_hash"))
)


async def get_api_key_caller(db: AsyncSession, key_hash: str) -> ApiKeyCaller | None:
    """The key with this hash and its creator, read from the database on every request (a
    revocation takes effect at once)."""
    row = (await db.execute(_API_KEY_CALLER, {"key_hash": key_hash})).one_or_none()
    return ApiKeyCaller(*tuple(row)) if row else None


async def claim_api_key_use(
    db: AsyncSession, key_id: uuid.UUID, now: datetime, used_before: datetime, ip: str
) -> bool:
    """Moves the key's last use to `now` unless it was used since `used_before` or another
    request is moving it right now (SKIP LOCKED: nobody waits). True for the one request that
    moved it."""
    due = (
        select(ApiKey.id)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < used_before),
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await db.execute(
        update(ApiKey)
        .where(ApiKey.id == due)
        .values(last_used_at=now, last_used_ip=ip)
        .returning(ApiKey.id)
    )
    return result.scalar_one_or_none() is not None


async def revoke_api_keys_created_by(
    db: AsyncSession, user_id: uuid.UUID, by: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """Revokes the live keys a user created (they act for that user); the ids revoked."""
    result = await db.execute(
        update(ApiKey)
        .where(ApiKey.created_by == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by)
        .returning(ApiKey.id)
    )
    return list(result.scalars())
