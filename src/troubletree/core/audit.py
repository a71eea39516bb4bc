"""Audit events: security-relevant actions, written in the transaction of the action itself
(or committed with an error that persists its decision). Never holds a raw token."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.client import ClientInfo
from troubletree.core.clock import utcnow
from troubletree.core.db import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # An account's log, newest first, read by keyset on (account_id, id).
    __table_args__ = (Index("ix_audit_events_account_id_id", "account_id", text("id DESC")),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()"), index=True
    )


# A user's account is their membership's (a user belongs to one account). Named here by table
# and column only, so core stays below the domains.
_memberships = table("memberships", column("user_id"), column("account_id"))


def account_of_user(user_id: uuid.UUID) -> Any:
    """The account of a user, as an SQL expression the insert computes (NULL without one)."""
    return (
        select(_memberships.c.account_id).where(_memberships.c.user_id == user_id).scalar_subquery()
    )


async def record(
    db: AsyncSession,
    action: str,
    *,
    account_id: uuid.UUID | Any | None = None,
    actor_id: uuid.UUID | None = None,
    subject: str | None = None,
    ip: str | None = None,
    **data: Any,
) -> None:
    db.add(
        AuditEvent(
            account_id=account_id,
            actor_id=actor_id,
            action=action,
            subject=subject,
            ip=ip,
            data=data,
        )
    )
    await db.flush()


class Member(Protocol):
    """Who acts within an account (an account-scoped caller)."""

    @property
    def account_id(self) -> uuid.UUID: ...

    @property
    def user_id(self) -> uuid.UUID: ...


def _via_key(member: Member) -> dict[str, str]:
    """An API key acts for its creator: its actions name the key too."""
    key_id = getattr(member, "api_key_id", None)
    return {"api_key_id": str(key_id)} if key_id is not None else {}


async def record_user_action(
    db: AsyncSession,
    action: str,
    user_id: uuid.UUID,
    client: ClientInfo,
    subject: str,
    *,
    account_id: uuid.UUID | None = None,
    **data: Any,
) -> None:
    """An action a user took, from where they took it; `account_id` is the account it concerns,
    if any (signing in and out, their own password and email, platform administration)."""
    await record(
        db, action, account_id=account_id, actor_id=user_id, subject=subject, ip=client.ip, **data
    )


async def record_member_action(
    db: AsyncSession, action: str, member: Member, client: ClientInfo, subject: str, **data: Any
) -> None:
    """An action a member took in their account (with `api_key_id` when a key took it)."""
    await record_user_action(
        db,
        action,
        member.user_id,
        client,
        subject,
        account_id=member.account_id,
        **data,
        **_via_key(member),
    )


async def record_user_event(
    db: AsyncSession, action: str, user_id: uuid.UUID, client: ClientInfo, **data: Any
) -> None:
    """Something about a user's own sign-in or credentials (signed in, a failed sign-in, a
    password reset, a reused refresh token), recorded in the log of the user's account so its
    admins see it."""
    await record(
        db,
        action,
        account_id=account_of_user(user_id),
        actor_id=user_id,
        subject=str(user_id),
        ip=client.ip,
        **data,
    )


async def record_change(
    db: AsyncSession, action: str, member: Member, subject: str, **data: Any
) -> None:
    """A change a member made to the account's content (a tree saved, say), from the address
    the caller came from."""
    await record(
        db,
        action,
        account_id=member.account_id,
        actor_id=member.user_id,
        subject=subject,
        ip=getattr(member, "ip", None),
        **data,
        **_via_key(member),
    )
