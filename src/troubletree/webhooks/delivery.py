"""Delivering one webhook attempt (runs in the job worker).

An attempt is written (unfinished) and committed before the request goes out, and completed in
a second transaction after it; a worker killed in between leaves its job `doing`, which the next
worker retries (core/jobs.py), so nothing is lost: the receiver may get the same delivery twice
and drops the copy by its `Idempotency-Key`. A failure schedules the next attempt with
exponential backoff (`WEBHOOK_RETRY_BASE_SECONDS * 2^(n-1)`, capped at
`WEBHOOK_RETRY_MAX_SECONDS`) as a new job in the same transaction that logs the failure; past
`WEBHOOK_RETRY_WINDOW_SECONDS` (24 hours) the delivery is marked failed. An endpoint that has
failed every attempt for a whole window is disabled and the account's admins are mailed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troubletree.accounts import repository as accounts_repository
from troubletree.core import audit
from troubletree.core.clock import utcnow
from troubletree.core.config import Settings
from troubletree.notifications.service import queue_email
from troubletree.notifications.templates import Message
from troubletree.webhooks import outbound, repository, signing
from troubletree.webhooks.models import DeliveryStatus

logger = logging.getLogger(__name__)
USER_AGENT = "TroubleTree-Webhooks/1.0"


def backoff_seconds(settings: Settings, attempt: int) -> float:
    """The wait after failed attempt number `attempt` (1-based)."""
    wait = settings.webhook_retry_base_seconds * 2 ** min(attempt - 1, 30)
    return float(min(wait, settings.webhook_retry_max_seconds))


def request_headers(
    delivery_id: uuid.UUID, event: str, attempt: int, secret: str, body: bytes, now: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",
        "TroubleTree-Event": event,
        "TroubleTree-Delivery": str(delivery_id),
        "TroubleTree-Attempt": str(attempt),
        "Idempotency-Key": str(delivery_id),
        signing.SIGNATURE_HEADER: signing.signature_header(secret, now, body),
    }


def disabled_message(url: str, hours: float) -> Message:
    return Message(
        "webhook_disabled",
        "A TroubleTree webhook endpoint was disabled",
        f"Hello,\n\nEvery delivery to the webhook endpoint\n\n{url}\n\nfailed for {hours:g} "
        "hours, so TroubleTree disabled it and sends it nothing more. Fix the receiver, then "
        "enable the endpoint again under Account > Webhooks; failed deliveries can be sent "
        "again from its delivery log.\n",
    )


async def _tell_admins(db: AsyncSession, account_id: uuid.UUID, url: str, hours: float) -> None:
    for membership, user in await accounts_repository.list_members(db, account_id):
        if membership.role == "admin" and user.is_active:
            await queue_email(
                db, to=user.email, message=disabled_message(url, hours), user_id=user.id
            )


async def deliver(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], delivery_id: uuid.UUID
) -> None:
    production = settings.environment == "production"
    async with sessionmaker() as db, db.begin():
        found = await repository.lock_delivery_for_attempt(db, delivery_id)
        if found is None:
            return  # the endpoint was deleted
        delivery, endpoint = found
        if delivery.status != DeliveryStatus.pending:
            return  # delivered (or failed) by an earlier run whose job ack was lost
        if not endpoint.is_active:
            await repository.set_delivery(
                db,
                delivery.id,
                status=DeliveryStatus.failed.value,
                failed_at=utcnow(),
                next_attempt_at=None,
            )
            return
        await repository.close_interrupted(db, delivery.id)
        number = delivery.attempts + 1
        attempt_id = await repository.begin_attempt(db, delivery)
        url, secret, event, body = endpoint.url, endpoint.secret, delivery.event, delivery.body
        account_id, endpoint_id = endpoint.account_id, endpoint.id
        window_end = delivery.retry_window_start + timedelta(
            seconds=settings.webhook_retry_window_seconds
        )
    raw = body.encode()
    headers = request_headers(delivery_id, event, number, secret, raw, int(utcnow().timestamp()))
    result = await outbound.post(
        url,
        raw,
        headers,
        production=production,
        timeout_seconds=settings.webhook_timeout_seconds,
        limit=settings.webhook_response_limit_bytes,
    )
    async with sessionmaker() as db, db.begin():
        await repository.finish_attempt(
            db,
            attempt_id,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error,
            excerpt=result.excerpt,
        )
        if result.ok:
            await repository.set_delivery(
                db,
                delivery_id,
                status=DeliveryStatus.delivered.value,
                delivered_at=utcnow(),
                next_attempt_at=None,
                last_status_code=result.status_code,
            )
            await repository.endpoint_succeeded(db, endpoint_id)
            return
        failing_since = await repository.endpoint_failed(db, endpoint_id)
        await _after_failure(
            db,
            settings,
            delivery_id,
            number,
            result,
            window_end,
            failing_since,
            (account_id, endpoint_id, url),
        )


async def _after_failure(
    db: AsyncSession,
    settings: Settings,
    delivery_id: uuid.UUID,
    number: int,
    result: outbound.Outcome,
    window_end: datetime,
    failing_since: datetime,
    endpoint: tuple[uuid.UUID, uuid.UUID, str],
) -> None:
    now = utcnow()
    next_at = now + timedelta(seconds=backoff_seconds(settings, number))
    if next_at <= window_end:
        await repository.set_delivery(
            db, delivery_id, next_attempt_at=next_at, last_status_code=result.status_code
        )
        await repository.defer_attempt(db, delivery_id, next_at)
        return
    await repository.set_delivery(
        db,
        delivery_id,
        status=DeliveryStatus.failed.value,
        failed_at=now,
        next_attempt_at=None,
        last_status_code=result.status_code,
    )
    window = settings.webhook_retry_window_seconds
    account_id, endpoint_id, url = endpoint
    if failing_since > now - timedelta(seconds=window):
        return  # it succeeded for another delivery within the window
    reason = f"Every attempt failed for {window / 3600:g} hours."
    if await repository.disable_endpoint(db, endpoint_id, reason):
        await repository.fail_pending_of(db, endpoint_id)
        await audit.record(
            db,
            "webhook_disabled",
            account_id=account_id,
            subject=f"webhook:{endpoint_id}",
            url=url,
            reason=reason,
        )
        await _tell_admins(db, account_id, url, window / 3600)
        logger.warning("webhook endpoint %s disabled: %s", endpoint_id, reason)
