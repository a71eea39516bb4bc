"""The demo data builds through the real services and can be used at once."""

from __future__ import annotations

import httpx

from tests.conftest import Fresh
from tests.helpers import bearer
from troubletree.core.config import Settings
from troubletree.core.db import Database
from troubletree.demo import is_empty, seed


async def test_seed_demo(
    database: Database, settings: Settings, client: httpx.AsyncClient, fresh: Fresh
) -> None:
    async with database.sessionmaker() as db, db.begin():
        assert await is_empty(db)
        result = await seed(db, settings)
    assert (result.trees, result.sessions) == (5, 4)
    assert await fresh.val("SELECT count(*) FROM trees WHERE status = 'published'") == 5
    assert (
        await fresh.val("SELECT count(*) FROM troubleshooting_sessions WHERE status = 'completed'")
        == 4
    )
    assert (
        await fresh.val("SELECT count(*) FROM troubleshooting_sessions WHERE outcome = 'resolved'")
        == 3
    )
    role, email, password = result.users[2]
    assert role == "technician"
    response = await client.post(
        "/api/v1/auth/login/json", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    history = (await client.get("/api/v1/sessions", headers=bearer(tokens))).json()
    assert len(history["items"]) == 4
    found = (await client.get("/api/v1/trees/search?q=printer", headers=bearer(tokens))).json()
    assert "Printer will not print" in [hit["tree"]["title"] for hit in found["items"]]
