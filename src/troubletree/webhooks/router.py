"""Webhook endpoints and their delivery log: /api/v1/webhooks/... (account admins)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from troubletree.accounts.dependencies import AccountAdmin
from troubletree.auth.dependencies import Client
from troubletree.core.db import DB, SettingsDep
from troubletree.core.errors import error_responses
from troubletree.webhooks import service
from troubletree.webhooks.models import WebhookEvent
from troubletree.webhooks.schemas import (
    DeliveryPage,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.get("/events", responses=error_responses(401, 403))
async def list_webhook_events(caller: AccountAdmin) -> list[WebhookEvent]:
    """The events an endpoint can take."""
    return list(WebhookEvent)


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 422))
async def create_webhook(
    body: WebhookCreate, caller: AccountAdmin, db: DB, settings: SettingsDep, client: Client
) -> WebhookCreated:
    """Registers an endpoint. The URL must be https (http only outside production) and, in
    production, resolve to public addresses only (422 `url_not_public`, field `url`). The
    answer holds the signing secret, shown this once."""
    return await service.create_webhook(db, settings, caller, body, client)


@router.get("", responses=error_responses(401, 403))
async def list_webhooks(caller: AccountAdmin, db: DB) -> list[WebhookRead]:
    return await service.list_webhooks(db, caller)


@router.get("/{webhook_id}", responses=error_responses(401, 403, 404))
async def read_webhook(webhook_id: uuid.UUID, caller: AccountAdmin, db: DB) -> WebhookRead:
    return await service.get_webhook(db, caller, webhook_id)


@router.patch("/{webhook_id}", responses=error_responses(401, 403, 404, 422))
async def update_webhook(
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    caller: AccountAdmin,
    db: DB,
    settings: SettingsDep,
    client: Client,
) -> WebhookRead:
    """Changes the URL, events, description, or enables/disables the endpoint."""
    return await service.update_webhook(db, settings, caller, webhook_id, body, client)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
)
async def delete_webhook(
    webhook_id: uuid.UUID, caller: AccountAdmin, db: DB, client: Client
) -> None:
    await service.delete_webhook(db, caller, webhook_id, client)


@router.get("/{webhook_id}/deliveries", responses=error_responses(401, 403, 404, 422))
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    caller: AccountAdmin,
    db: DB,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> DeliveryPage:
    """The delivery log, newest first: per delivery its status and one row per attempt
    (status code, duration, response excerpt or error)."""
    return await service.list_deliveries(db, caller, webhook_id, cursor, limit)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401, 403, 404, 409),
)
async def redeliver_webhook(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, caller: AccountAdmin, db: DB, client: Client
) -> None:
    """Sends a delivered or failed delivery again (same body and `Idempotency-Key`); 409
    `delivery_pending` while it is still being retried."""
    await service.redeliver(db, caller, webhook_id, delivery_id, client)
