"""Tenants: plans, accounts, memberships with roles, and invite codes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.clock import utcnow
from troubletree.core.db import Base
from troubletree.core.models import CreatedAtMixin, UUIDPk


class Role(enum.StrEnum):
    admin = "admin"
    engineer = "engineer"
    technician = "technician"


# The roles that author trees (create, edit, publish) and prepare sessions for others.
AUTHOR_ROLES = (Role.admin, Role.engineer)

ROLE_CHECK = "role IN ('admin', 'engineer', 'technician')"


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    max_trees: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    max_members: Mapped[int | None] = mapped_column(Integer)


class Account(CreatedAtMixin, Base):
    __tablename__ = "accounts"

    id: Mapped[UUIDPk]
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    plan_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("plans.id"))
    # Where sessions completed as escalated are mailed with their transcript (None: nowhere).
    escalation_email: Mapped[str | None] = mapped_column(String(320))


class Membership(CreatedAtMixin, Base):
    """A user belongs to exactly one account (user_id is unique)."""

    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role_valid"),)

    id: Mapped[UUIDPk]
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))


class InviteColumns:
    """What account and platform invites share: a hashed code, a use count against a limit, an
    optional expiry and revocation, and who made it."""

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hint: Mapped[str] = mapped_column(String(8))
    max_uses: Mapped[int] = mapped_column(Integer)
    use_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )

    @staticmethod
    def checks() -> tuple[CheckConstraint, ...]:
        """The table constraints of these columns (new objects for each table)."""
        return (
            CheckConstraint("max_uses >= 1", name="max_uses_positive"),
            CheckConstraint("use_count >= 0 AND use_count <= max_uses", name="use_count_bounded"),
        )

    @property
    def is_usable(self) -> bool:
        """Not revoked, not expired, uses left."""
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > utcnow())
            and self.use_count < self.max_uses
        )


class AccountInvite(InviteColumns, CreatedAtMixin, Base):
    __tablename__ = "account_invites"
    __table_args__ = (
        CheckConstraint(ROLE_CHECK, name="role_valid"),
        *InviteColumns.checks(),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))


class PlatformInvite(InviteColumns, CreatedAtMixin, Base):
    __tablename__ = "platform_invites"
    __table_args__ = InviteColumns.checks()

    id: Mapped[UUIDPk]
    note: Mapped[str | None] = mapped_column(String(500))
