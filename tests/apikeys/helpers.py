"""API keys made through the public API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import bearer


async def create_key(
    client: httpx.AsyncClient, admin: dict[str, str], role: str = "admin", **body: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """A new key of the admin's account: (the creation answer, headers that use the key)."""
    response = await client.post(
        "/api/v1/account/api-keys",
        headers=admin,
        json={"name": f"{role} key", "role": role, **body},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created, bearer(created["key"])


async def revoke_key(client: httpx.AsyncClient, admin: dict[str, str], key_id: str) -> None:
    response = await client.delete(f"/api/v1/account/api-keys/{key_id}", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
