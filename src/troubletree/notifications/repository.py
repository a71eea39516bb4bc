"""Queries of the email outbox and the job queue."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.core.clock import utcnow
from troubletree.notifications.models import OutboxEmail

EMAIL_QUEUE = "email"
DELIVER_EMAIL_TASK = "deliver_email"
PASSWORD_RESET_TASK = "password_reset"  # noqa: S105 - a task name


async def add_email(
    db: AsyncSession, *, user_id: uuid.UUID | None, kind: str, to: str, subject: str, body: str
) -> OutboxEmail:
    email = OutboxEmail(user_id=user_id, kind=kind, to_address=to, subject=subject, body_text=body)
    db.add(email)
    await db.flush()
    return email


async def defer_job(
    db: AsyncSession,
    queue: str,
    task: str,
    args: dict[str, object],
    *,
    scheduled_at: datetime | None = None,
) -> None:
    """Enqueues a job in the caller's transaction (the transactional outbox).

    `procrastinate_defer_jobs_v1` is the job queue's versioned SQL entry point, the same call
    its own `defer_async` makes; calling it here puts the job in our transaction, so the job
    exists exactly when the change that caused it does. `scheduled_at`: not run before then.
    """
    await db.execute(
        text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(CAST(:queue AS varchar), "
            "CAST(:task AS varchar), 0, NULL, NULL, CAST(:args AS jsonb), "
            "CAST(:scheduled_at AS timestamptz))"
            "::procrastinate_job_to_defer_v1])"
        ),
        {"queue": queue, "task": task, "args": json.dumps(args), "scheduled_at": scheduled_at},
    )


async def defer_delivery(db: AsyncSession, email_id: int) -> None:
    """Enqueues the delivery of an outbox message: the job exists exactly when the message
    row does."""
    await defer_job(db, EMAIL_QUEUE, DELIVER_EMAIL_TASK, {"email_id": email_id})


async def get_email(db: AsyncSession, email_id: int) -> OutboxEmail | None:
    return await db.get(OutboxEmail, email_id)


async def mark_sent(db: AsyncSession, email_id: int, via: str, kept_body: str) -> None:
    """Marks the message sent and replaces its body by `kept_body` (the secrets blanked)."""
    await db.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id)
        .values(
            sent_at=utcnow(),
            delivered_via=via,
            attempts=OutboxEmail.attempts + 1,
            last_error=None,
            body_text=kept_body,
        )
    )


async def mark_failed(db: AsyncSession, email_id: int, error: str) -> None:
    await db.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id)
        .values(attempts=OutboxEmail.attempts + 1, last_error=error[:2000])
    )


async def latest_sent_to(db: AsyncSession, kind: str, to: str) -> OutboxEmail | None:
    return (
        await db.execute(
            select(OutboxEmail)
            .where(OutboxEmail.kind == kind, OutboxEmail.to_address == to)
            .order_by(OutboxEmail.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
