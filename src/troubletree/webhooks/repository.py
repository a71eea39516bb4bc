"""Every query of webhook endpoints, deliveries and attempts. Account-owned rows are read
through `scoped` only; the worker's queries go by delivery id (it acts for no caller)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.core.clock import utcnow
from troubletree.core.queries import scoped
from troubletree.notifications.repository import defer_job
from troubletree.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

WEBHOOK_QUEUE = "webhooks"
DELIVER_WEBHOOK_TASK = "deliver_webhook"


# --------------------------------------------------------------------------- endpoints


async def add_endpoint(db: AsyncSession, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    db.add(endpoint)
    await db.flush()
    await db.refresh(endpoint)
    return endpoint


async def list_endpoints(db: AsyncSession, account_id: uuid.UUID) -> Sequence[WebhookEndpoint]:
    stmt = scoped(select(WebhookEndpoint), WebhookEndpoint, account_id).order_by(
        WebhookEndpoint.created_at, WebhookEndpoint.id
    )
    return (await db.execute(stmt)).scalars().all()


async def get_endpoint(
    db: AsyncSession, account_id: uuid.UUID, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint | None:
    stmt = scoped(select(WebhookEndpoint), WebhookEndpoint, account_id).where(
        WebhookEndpoint.id == endpoint_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await db.execute(stmt)).scalar_one_or_none()


async def subscribed_endpoints(
    db: AsyncSession, account_id: uuid.UUID, event: str
) -> Sequence[tuple[uuid.UUID, str]]:
    """(id, url) of the account's active endpoints that take `event`."""
    stmt = scoped(
        select(WebhookEndpoint.id, WebhookEndpoint.url), WebhookEndpoint, account_id
    ).where(WebhookEndpoint.is_active.is_(True), WebhookEndpoint.events.contains([event]))
    return [(r.id, r.url) for r in (await db.execute(stmt)).all()]


async def update_endpoint(
    db: AsyncSession, account_id: uuid.UUID, endpoint_id: uuid.UUID, values: dict[str, Any]
) -> None:
    await db.execute(
        scoped(update(WebhookEndpoint), WebhookEndpoint, account_id)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(**values, updated_at=utcnow())
    )


async def delete_endpoint(db: AsyncSession, endpoint: WebhookEndpoint) -> None:
    await db.delete(endpoint)
    await db.flush()


# --------------------------------------------------------------------------- deliveries


async def add_delivery(
    db: AsyncSession,
    *,
    account_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    event: str,
    event_id: uuid.UUID,
    body: str,
) -> uuid.UUID:
    delivery = WebhookDelivery(
        account_id=account_id, endpoint_id=endpoint_id, event=event, event_id=event_id, body=body
    )
    db.add(delivery)
    await db.flush()
    return delivery.id


async def defer_attempt(
    db: AsyncSession, delivery_id: uuid.UUID, at: datetime | None = None
) -> None:
    """The job that makes the next attempt, in the caller's transaction."""
    await defer_job(
        db,
        WEBHOOK_QUEUE,
        DELIVER_WEBHOOK_TASK,
        {"delivery_id": str(delivery_id)},
        scheduled_at=at,
    )


async def list_deliveries(
    db: AsyncSession,
    account_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[WebhookDelivery]:
    """Newest first, `limit` rows from after the cursor (read `limit + 1` to see more)."""
    stmt = scoped(select(WebhookDelivery), WebhookDelivery, account_id).where(
        WebhookDelivery.endpoint_id == endpoint_id
    )
    if after is not None:
        stmt = stmt.where(tuple_(WebhookDelivery.created_at, WebhookDelivery.id) < tuple_(*after))
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit)
    return (await db.execute(stmt)).scalars().all()


async def attempts_of(
    db: AsyncSession, delivery_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookAttempt]]:
    found: dict[uuid.UUID, list[WebhookAttempt]] = {d: [] for d in delivery_ids}
    if not delivery_ids:
        return found
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)
    )
    for attempt in (await db.execute(stmt)).scalars():
        found[attempt.delivery_id].append(attempt)
    return found


async def get_delivery(
    db: AsyncSession, account_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    stmt = (
        scoped(select(WebhookDelivery), WebhookDelivery, account_id)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id)
        .with_for_update()
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def restart_delivery(db: AsyncSession, delivery_id: uuid.UUID) -> None:
    """ "Send again": pending once more, with a fresh retry window."""
    await db.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            status=DeliveryStatus.pending.value,
            retry_window_start=utcnow(),
            next_attempt_at=utcnow(),
            failed_at=None,
        )
    )


# --------------------------------------------------------------------------- the worker's side


async def lock_delivery_for_attempt(
    db: AsyncSession, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
    """The delivery and its endpoint, the delivery row locked (one attempt at a time)."""
    stmt = (
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id)
        .with_for_update(of=WebhookDelivery)
    )
    row = (await db.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def close_interrupted(db: AsyncSession, delivery_id: uuid.UUID) -> None:
    """Attempts begun but never finished: their worker stopped mid-request."""
    await db.execute(
        update(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id, WebhookAttempt.finished_at.is_(None))
        .values(finished_at=utcnow(), error="interrupted: the worker stopped mid-request")
    )


async def begin_attempt(db: AsyncSession, delivery: WebhookDelivery) -> int:
    """Writes attempt n+1 (not finished yet) and counts it on the delivery; its id."""
    number = delivery.attempts + 1
    attempt = WebhookAttempt(delivery_id=delivery.id, attempt=number)
    db.add(attempt)
    await db.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery.id).values(attempts=number)
    )
    await db.flush()
    return attempt.id


async def finish_attempt(
    db: AsyncSession,
    attempt_id: int,
    *,
    status_code: int | None,
    duration_ms: int,
    error: str | None,
    excerpt: str | None,
) -> None:
    await db.execute(
        update(WebhookAttempt)
        .where(WebhookAttempt.id == attempt_id)
        .values(
            finished_at=utcnow(),
            status_code=status_code,
            duration_ms=duration_ms,
            error=error[:500] if error else None,
            response_excerpt=excerpt,
        )
    )


async def set_delivery(db: AsyncSession, delivery_id: uuid.UUID, **values: Any) -> None:
    await db.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
    )


async def endpoint_succeeded(db: AsyncSession, endpoint_id: uuid.UUID) -> None:
    await db.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_not(None))
        .values(failing_since=None)
    )


async def endpoint_failed(db: AsyncSession, endpoint_id: uuid.UUID) -> datetime:
    """Notes a failed attempt; since when the endpoint has failed without a success."""
    since: datetime | None = await db.scalar(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(failing_since=func.coalesce(WebhookEndpoint.failing_since, func.now()))
        .returning(WebhookEndpoint.failing_since)
    )
    assert since is not None
    return since


async def disable_endpoint(db: AsyncSession, endpoint_id: uuid.UUID, reason: str) -> bool:
    """Disables an active endpoint; False when it already was (so the admins are told once)."""
    found = await db.scalar(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.is_active.is_(True))
        .values(is_active=False, disabled_reason=reason, updated_at=utcnow())
        .returning(WebhookEndpoint.id)
    )
    return found is not None


async def fail_pending_of(db: AsyncSession, endpoint_id: uuid.UUID) -> None:
    """The endpoint is disabled: its other pending deliveries stop too."""
    await db.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.pending.value,
        )
        .values(status=DeliveryStatus.failed.value, failed_at=utcnow(), next_attempt_at=None)
    )
