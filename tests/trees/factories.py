"""Trees and members of other roles, made through the public API."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx

from tests.conftest import Fresh
from tests.helpers import bearer, login, register

GRAPH: dict[str, Any] = {
    "start": "n1",
    "variables": [{"name": "serial", "label": "Serial number", "required": "at_start"}],
    "nodes": [
        {
            "id": "n1",
            "kind": "question",
            "title": "Does the device power on?",
            "body": "Look at the status LED next to the power switch.",
            "options": [
                {"id": "o1", "label": "Yes", "next": "n2"},
                {"id": "o2", "label": "No", "next": "n3"},
            ],
        },
        {
            "id": "n2",
            "kind": "action",
            "title": "Reseat the cable",
            "options": [{"id": "o3", "label": "Done", "next": "n4"}],
        },
        {"id": "n3", "kind": "solution", "title": "Replace the power supply"},
        {"id": "n4", "kind": "escalation", "title": "Escalate to tier 2"},
    ],
}


def graph(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GRAPH)
    data.update(changes)
    return data


async def member(
    client: httpx.AsyncClient, admin: dict[str, str], role: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """A new member of the admin's account with this role (invite, then register)."""
    response = await client.post(
        "/api/v1/account/invites", headers=admin, json={"role": role, "max_uses": 5}
    )
    assert response.status_code == 201, response.text
    user = await register(client, invite_code=response.json()["code"])
    return user, bearer(await login(client, user["email"]))


async def create_tree(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    title: str = "Printer does not print",
    **body: Any,
) -> dict[str, Any]:
    response = await client.post("/api/v1/trees", headers=headers, json={"title": title, **body})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def publish(
    client: httpx.AsyncClient, headers: dict[str, str], tree_id: str, changelog: str = ""
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/trees/{tree_id}/publish", headers=headers, json={"changelog": changelog}
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def published_tree(
    client: httpx.AsyncClient, headers: dict[str, str], title: str = "Power supply", **body: Any
) -> dict[str, Any]:
    tree = await create_tree(client, headers, title, graph=body.pop("graph", GRAPH), **body)
    await publish(client, headers, tree["id"], "first")
    return tree


async def upgrade_plan(fresh: Fresh, account_id: str | uuid.UUID) -> None:
    await fresh.execute(
        "UPDATE accounts SET plan_id = (SELECT id FROM plans WHERE code = 'enterprise') "
        "WHERE id = $1",
        uuid.UUID(str(account_id)),
    )
