"""Factories for webhook tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sessions.helpers import complete, published_tree, start, step


async def register_webhook(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, *events: str, expect: int = 201
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhooks",
        headers=headers,
        json={"url": url, "events": list(events) or ["session.completed"]},
    )
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


async def completed_session(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """Publishes the printer tree and runs one session to its solution."""
    tree_id = await published_tree(client, headers)
    session = await start(client, headers, tree_id, variables={"device": "P1", "ticket": "T-7"})
    session = await step(client, headers, session, "yes")
    session = await step(client, headers, session, "ok")
    return await complete(client, headers, session)


async def delivery_log(
    client: httpx.AsyncClient, headers: dict[str, str], webhook_id: str
) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
