"""Every query of the audit log. An account's events are narrowed through
`core.queries.scoped()`; only the platform queries read across accounts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.auth.models import User
from troubletree.core.audit import AuditEvent
from troubletree.core.queries import scoped


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor_id: uuid.UUID | None = None
    action: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    account_id: uuid.UUID | None = None  # the platform view's filter


def _events(f: AuditFilters, before_id: int | None, limit: int) -> Select[AuditEvent, str, str]:
    conditions: list[ColumnElement[bool]] = []
    if f.actor_id is not None:
        conditions.append(AuditEvent.actor_id == f.actor_id)
    if f.action is not None:
        conditions.append(AuditEvent.action == f.action)
    if f.created_from is not None:
        conditions.append(AuditEvent.created_at >= f.created_from)
    if f.created_to is not None:
        conditions.append(AuditEvent.created_at < f.created_to)
    if before_id is not None:
        conditions.append(AuditEvent.id < before_id)
    return (
        select(AuditEvent, User.email, User.full_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )


EventRow = tuple[AuditEvent, str | None, str | None]


async def account_events(
    db: AsyncSession,
    account_id: uuid.UUID,
    f: AuditFilters,
    before_id: int | None,
    limit: int,
) -> Sequence[EventRow]:
    """One account's events, newest first, older than `before_id`."""
    stmt = scoped(_events(f, before_id, limit), AuditEvent, account_id)
    return [(e, email, name) for e, email, name in await db.execute(stmt)]


async def platform_events(
    db: AsyncSession, f: AuditFilters, before_id: int | None, limit: int
) -> Sequence[EventRow]:
    """Every account's events (and those of no account), newest first."""
    stmt = _events(f, before_id, limit)
    if f.account_id is not None:
        stmt = scoped(stmt, AuditEvent, f.account_id)
    return [(e, email, name) for e, email, name in await db.execute(stmt)]


async def account_actions(db: AsyncSession, account_id: uuid.UUID) -> list[str]:
    """The distinct actions in an account's log (for the filter)."""
    stmt = scoped(select(AuditEvent.action).distinct(), AuditEvent, account_id)
    return sorted(await db.scalars(stmt))
