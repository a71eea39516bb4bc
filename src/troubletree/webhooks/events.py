"""Emitting an event: one delivery row and one queued job per subscribed endpoint, in the
transaction of the change that caused the event (the transactional outbox), so a rolled-back
change sends nothing and a committed one is delivered even across a crash."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.core.clock import utcnow
from troubletree.webhooks import repository
from troubletree.webhooks.models import WebhookEvent

Payload = Mapping[str, Any] | Callable[[], Awaitable[Mapping[str, Any]]]


async def emit(db: AsyncSession, account_id: uuid.UUID, event: WebhookEvent, data: Payload) -> int:
    """Queues `event` for the account's endpoints that take it; how many. `data` may be a
    function, called only when some endpoint listens (a transcript is not built for nobody)."""
    endpoints = await repository.subscribed_endpoints(db, account_id, event.value)
    if not endpoints:
        return 0
    payload = data if isinstance(data, Mapping) else await data()
    event_id = uuid.uuid4()
    body = json.dumps(
        {
            "id": str(event_id),
            "type": event.value,
            "created_at": utcnow().isoformat(),
            "account_id": str(account_id),
            "data": payload,
        },
        default=str,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    for endpoint_id, _url in endpoints:
        delivery_id = await repository.add_delivery(
            db,
            account_id=account_id,
            endpoint_id=endpoint_id,
            event=event.value,
            event_id=event_id,
            body=body,
        )
        await repository.defer_attempt(db, delivery_id)
    return len(endpoints)
