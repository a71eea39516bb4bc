"""The embed pages may be framed by the origins the account lists, and nothing else may be
framed at all."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import AppFactory, Fresh, client_for
from tests.helpers import error_code, error_field, signed_in
from tests.sessions.helpers import make_team


def frame_ancestors(response: httpx.Response) -> str:
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    return policy["frame-ancestors"]


async def test_embed_pages_name_the_accounts_origins_and_only_them(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    user, admin_h = await signed_in(client)
    slug = user["account"]["slug"]
    before = await client.get(f"/embed/{slug}/start-link")
    assert frame_ancestors(before) == "'none'"
    assert before.headers["X-Frame-Options"] == "DENY"

    saved = await client.put(
        "/api/v1/integrations/embed",
        headers=admin_h,
        json={"allowed_origins": ["https://help.example.com/", "http://localhost:5173"]},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "account_slug": slug,
        "allowed_origins": ["https://help.example.com", "http://localhost:5173"],
    }
    for path in (
        f"/embed/{slug}/start-link",
        f"/embed/{slug}/sessions/abc",
        f"/embed/{slug}/trees/x",
    ):
        page = await client.get(path)
        assert frame_ancestors(page) == "https://help.example.com http://localhost:5173", path
        assert "X-Frame-Options" not in page.headers
    # Everything else stays unframable: the app, the API, another account's embed pages.
    other, _ = await signed_in(client)
    for path in (
        "/",
        "/sessions/abc",
        "/api/v1/auth/me",
        f"/embed/{other['account']['slug']}/start-link",
        "/embed/",
    ):
        response = await client.get(path)
        assert frame_ancestors(response) == "'none'", path
        assert response.headers["X-Frame-Options"] == "DENY", path
    audit = await fresh.val(
        "SELECT count(*) FROM audit_events WHERE action = 'embed_origins_changed'"
    )
    assert audit == 1


@pytest.mark.parametrize(
    "origin",
    [
        "https://help.example.com/path",
        "javascript:alert(1)",
        "https://a.example.com; script-src *",
        "https://*.example.com",
        "help.example.com",
    ],
)
async def test_an_origin_that_is_not_one_is_refused(
    client: httpx.AsyncClient, fresh: Fresh, origin: str
) -> None:
    _, admin_h = await signed_in(client)
    response = await client.put(
        "/api/v1/integrations/embed",
        headers=admin_h,
        json={"allowed_origins": ["https://ok.example.com", origin]},
    )
    assert response.status_code == 422
    assert (error_code(response), error_field(response)) == ("origin_invalid", "allowed_origins.1")
    assert await fresh.val("SELECT count(*) FROM embed_settings") == 0


@pytest.fixture
def production(make_app: AppFactory) -> FastAPI:
    return make_app(environment="production", cookie_secure=True)


async def test_production_embeds_only_https_origins(production: FastAPI) -> None:
    async with client_for(production) as client:
        _, admin_h = await signed_in(client)
        response = await client.put(
            "/api/v1/integrations/embed",
            headers=admin_h,
            json={"allowed_origins": ["http://help.example.com"]},
        )
    assert (response.status_code, error_field(response)) == (422, "allowed_origins.0")


async def test_only_admins_change_embed_origins(client: httpx.AsyncClient) -> None:
    team = await make_team(client)
    for headers in (team.engineer_h, team.tech_h):
        response = await client.put(
            "/api/v1/integrations/embed", headers=headers, json={"allowed_origins": []}
        )
        assert response.status_code == 403
