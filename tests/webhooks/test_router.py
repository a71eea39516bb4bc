"""The webhook admin API: who may call it, bad input (nothing written), tenancy, events."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import AppFactory, Fresh, client_for
from tests.helpers import error_code, error_field, signed_in
from tests.sessions.helpers import make_team, published_tree, start
from tests.webhooks.helpers import register_webhook
from tests.webhooks.receiver import receiver


async def _nothing_written(fresh: Fresh) -> None:
    assert await fresh.val("SELECT count(*) FROM webhook_endpoints") == 0
    assert await fresh.val("SELECT count(*) FROM audit_events WHERE action LIKE 'webhook\\_%'") == 0


@pytest.fixture
def production(make_app: AppFactory) -> FastAPI:
    return make_app(environment="production", cookie_secure=True)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://localhost/hook", "url_not_public"),  # resolves to loopback
        ("https://127.0.0.1:8443/hook", "url_not_public"),
        ("https://10.1.2.3/hook", "url_not_public"),
        ("https://169.254.169.254/latest/meta-data", "url_not_public"),
        ("https://[::1]/hook", "url_not_public"),
        ("https://[::ffff:192.168.0.1]/hook", "url_not_public"),
        ("http://hooks.example.com/hook", "url_scheme"),
        ("ftp://hooks.example.com/hook", "url_scheme"),
        ("https://user:pw@hooks.example.com/hook", "url_invalid"),
    ],
)
async def test_production_refuses_urls_that_are_not_public_https(
    production: FastAPI, fresh: Fresh, url: str, code: str
) -> None:
    async with client_for(production) as client:
        _, admin_h = await signed_in(client)
        response = await client.post(
            "/api/v1/webhooks", headers=admin_h, json={"url": url, "events": ["tree.published"]}
        )
    assert response.status_code == 422, response.text
    assert (error_code(response), error_field(response)) == (code, "url")
    await _nothing_written(fresh)


async def test_an_unknown_event_is_refused_naming_the_field(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    _, admin_h = await signed_in(client)
    response = await client.post(
        "/api/v1/webhooks",
        headers=admin_h,
        json={"url": "http://127.0.0.1:9/hook", "events": ["session.started", "session.exploded"]},
    )
    assert response.status_code == 422
    assert error_field(response) == "events.1"
    empty = await client.post(
        "/api/v1/webhooks", headers=admin_h, json={"url": "http://127.0.0.1:9/h", "events": []}
    )
    assert (empty.status_code, error_field(empty)) == (422, "events")
    await _nothing_written(fresh)


async def test_only_admins_manage_webhooks_and_other_accounts_see_404(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    created = await register_webhook(client, team.admin_h, "http://127.0.0.1:9/hook")
    assert created["secret"].startswith("whsec_")
    listed = (await client.get("/api/v1/webhooks", headers=team.admin_h)).json()
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0]
    for headers in (team.engineer_h, team.tech_h):
        assert (await client.get("/api/v1/webhooks", headers=headers)).status_code == 403
    _, other_h = await signed_in(client)
    path = f"/api/v1/webhooks/{created['id']}"
    assert (await client.get("/api/v1/webhooks", headers=other_h)).json() == []
    for method, url in (
        ("GET", path),
        ("PATCH", path),
        ("DELETE", path),
        ("GET", f"{path}/deliveries"),
    ):
        response = await client.request(method, url, headers=other_h, json={})
        assert response.status_code == 404, (method, url)
    assert await fresh.val("SELECT count(*) FROM webhook_endpoints") == 1


async def test_changes_are_audited(client: httpx.AsyncClient, fresh: Fresh) -> None:
    _, admin_h = await signed_in(client)
    created = await register_webhook(client, admin_h, "http://127.0.0.1:9/hook")
    path = f"/api/v1/webhooks/{created['id']}"
    patched = await client.patch(
        path, headers=admin_h, json={"events": ["tree.published"], "is_active": False}
    )
    assert patched.status_code == 200
    assert patched.json()["events"] == ["tree.published"]
    assert patched.json()["is_active"] is False
    assert (await client.delete(path, headers=admin_h)).status_code == 204
    actions = await fresh.fetch(
        "SELECT action, subject FROM audit_events WHERE action LIKE 'webhook\\_%' ORDER BY id"
    )
    assert [a["action"] for a in actions] == [
        "webhook_created",
        "webhook_updated",
        "webhook_deleted",
    ]
    assert {a["subject"] for a in actions} == {f"webhook:{created['id']}"}


async def test_each_event_is_queued_with_its_change_and_only_for_subscribers(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    with receiver() as hook:
        await register_webhook(client, team.admin_h, hook.url, "session.started", "tree.published")
        await register_webhook(client, team.admin_h, hook.url, "session.abandoned")
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.admin_h, tree_id)
        # A request that fails writes no event.
        await client.post(
            f"/api/v1/sessions/{session['id']}/abandon",
            headers=team.admin_h,
            json={"reason": "other"},
        )
        await client.post(
            f"/api/v1/sessions/{session['id']}/abandon",
            headers=team.admin_h,
            json={"reason": "customer_left"},
        )
    rows = await fresh.fetch("SELECT event FROM webhook_deliveries ORDER BY created_at, event")
    assert [r["event"] for r in rows] == ["tree.published", "session.started", "session.abandoned"]
    assert (
        await fresh.val(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'deliver_webhook'"
        )
        == 3
    )


async def test_an_escalated_session_sends_one_event_with_its_transcript_and_pdf_link(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    await register_webhook(
        client, team.admin_h, "http://127.0.0.1:9/hook", "session.completed", "session.escalated"
    )
    tree_id = await published_tree(client, team.admin_h)
    session = await start(client, team.admin_h, tree_id, variables={"device": "P", "ticket": "T"})
    ended = await client.post(
        f"/api/v1/sessions/{session['id']}/complete",
        headers=team.admin_h,
        json={"outcome": "escalated", "resolution_note": "needs tier 2"},
    )
    assert ended.status_code == 200, ended.text
    [row] = await fresh.fetch("SELECT event, body FROM webhook_deliveries")
    assert row["event"] == "session.escalated"
    event = json.loads(row["body"])
    assert event["data"]["session"]["outcome"] == "escalated"
    assert event["data"]["transcript"]["resolution_note"] == "needs tier 2"
    assert event["data"]["links"]["pdf"] == (
        f"http://testserver/api/v1/sessions/{session['id']}/export?format=pdf"
    )
