"""Managing webhook endpoints (account admins): register, change, delete, read the delivery
log, send a delivery again. Every change is audited in its own transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core.audit import record_member_action
from troubletree.core.client import ClientInfo
from troubletree.core.config import Settings
from troubletree.core.pagination import datetime_key, decode_cursor, encode_cursor, page_of
from troubletree.webhooks import outbound, repository, signing
from troubletree.webhooks.exceptions import (
    DeliveryNotFound,
    DeliveryPending,
    WebhookNotFound,
    WebhookUrlRefused,
)
from troubletree.webhooks.models import DeliveryStatus, WebhookEndpoint
from troubletree.webhooks.schemas import (
    AttemptRead,
    DeliveryPage,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)


class WebhookDisabled(DeliveryPending):
    code = "webhook_disabled"
    message = "The endpoint is disabled; enable it before sending again."


async def _checked_url(settings: Settings, url: str) -> str:
    try:
        await outbound.check_url(url, production=settings.environment == "production")
    except outbound.TargetRefused as exc:
        raise WebhookUrlRefused(exc.message, code=exc.code, field="url") from exc
    return url


async def _endpoint(
    db: AsyncSession, caller: Caller, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint:
    endpoint = await repository.get_endpoint(db, caller.account_id, endpoint_id, lock=lock)
    if endpoint is None:
        raise WebhookNotFound()
    return endpoint


async def create_webhook(
    db: AsyncSession, settings: Settings, caller: Caller, body: WebhookCreate, client: ClientInfo
) -> WebhookCreated:
    url = await _checked_url(settings, body.url)
    events = sorted({e.value for e in body.events})
    endpoint = await repository.add_endpoint(
        db,
        WebhookEndpoint(
            account_id=caller.account_id,
            url=url,
            events=events,
            description=body.description,
            secret=signing.new_secret(),
            created_by=caller.user_id,
        ),
    )
    await record_member_action(
        db, "webhook_created", caller, client, f"webhook:{endpoint.id}", url=url, events=events
    )
    return WebhookCreated.model_validate(
        {**WebhookRead.model_validate(endpoint).model_dump(), "secret": endpoint.secret}
    )


async def list_webhooks(db: AsyncSession, caller: Caller) -> list[WebhookRead]:
    return [
        WebhookRead.model_validate(e)
        for e in await repository.list_endpoints(db, caller.account_id)
    ]


async def get_webhook(db: AsyncSession, caller: Caller, endpoint_id: uuid.UUID) -> WebhookRead:
    return WebhookRead.model_validate(await _endpoint(db, caller, endpoint_id))


async def update_webhook(
    db: AsyncSession,
    settings: Settings,
    caller: Caller,
    endpoint_id: uuid.UUID,
    body: WebhookUpdate,
    client: ClientInfo,
) -> WebhookRead:
    endpoint = await _endpoint(db, caller, endpoint_id, lock=True)
    changes: dict[str, object] = {}
    if body.url is not None and body.url != endpoint.url:
        changes["url"] = await _checked_url(settings, body.url)
    if body.events is not None:
        changes["events"] = sorted({e.value for e in body.events})
    if body.description is not None:
        changes["description"] = body.description
    if body.is_active is not None and body.is_active != endpoint.is_active:
        changes["is_active"] = body.is_active
        if body.is_active:  # enabled again: a fresh start
            changes.update(disabled_reason=None, failing_since=None)
        else:
            changes["disabled_reason"] = "Disabled by an administrator."
    if changes:
        await repository.update_endpoint(db, caller.account_id, endpoint.id, changes)
        await db.refresh(endpoint)
        await record_member_action(
            db,
            "webhook_updated",
            caller,
            client,
            f"webhook:{endpoint.id}",
            changed=sorted(changes),
        )
    return WebhookRead.model_validate(endpoint)


async def delete_webhook(
    db: AsyncSession, caller: Caller, endpoint_id: uuid.UUID, client: ClientInfo
) -> None:
    endpoint = await _endpoint(db, caller, endpoint_id, lock=True)
    await repository.delete_endpoint(db, endpoint)
    await record_member_action(
        db, "webhook_deleted", caller, client, f"webhook:{endpoint_id}", url=endpoint.url
    )


async def list_deliveries(
    db: AsyncSession, caller: Caller, endpoint_id: uuid.UUID, cursor: str | None, limit: int
) -> DeliveryPage:
    """The endpoint's deliveries, newest first, each with its log (one row per attempt)."""
    endpoint = await _endpoint(db, caller, endpoint_id)
    after = decode_cursor("webhook_deliveries", cursor, datetime_key)
    rows = await repository.list_deliveries(db, caller.account_id, endpoint.id, after, limit + 1)
    page, next_cursor = page_of(
        rows, limit, lambda d: encode_cursor("webhook_deliveries", d.created_at, d.id)
    )
    logs = await repository.attempts_of(db, [d.id for d in page])
    items = [
        DeliveryRead(
            id=d.id,
            event=d.event,
            event_id=d.event_id,
            status=d.status,
            attempts=d.attempts,
            last_status_code=d.last_status_code,
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            failed_at=d.failed_at,
            created_at=d.created_at,
            log=[AttemptRead.model_validate(a) for a in logs[d.id]],
        )
        for d in page
    ]
    return DeliveryPage(items=items, next_cursor=next_cursor)


async def redeliver(
    db: AsyncSession,
    caller: Caller,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
    client: ClientInfo,
) -> None:
    """ "Send again": the same delivery (same body, same idempotency key) as a new attempt now,
    with a fresh retry window."""
    endpoint = await _endpoint(db, caller, endpoint_id)
    delivery = await repository.get_delivery(db, caller.account_id, endpoint.id, delivery_id)
    if delivery is None:
        raise DeliveryNotFound()
    if not endpoint.is_active:
        raise WebhookDisabled()
    if delivery.status == DeliveryStatus.pending:
        raise DeliveryPending()
    await repository.restart_delivery(db, delivery.id)
    await repository.defer_attempt(db, delivery.id)
    await record_member_action(
        db,
        "webhook_redelivered",
        caller,
        client,
        f"webhook:{endpoint.id}",
        delivery_id=str(delivery.id),
        event=delivery.event,
    )
