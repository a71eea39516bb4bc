"""Start links from a help desk: signed, checked against the tree's variables, expiring, used
once even by many parallel requests, opening a session with the values filled in."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Fresh, burst
from tests.helpers import error_code, error_field, signed_in
from tests.integrations.helpers import helpdesk_tree, make_link, open_link
from tests.sessions.helpers import make_team

VALUES = {"ticket": "HD-4711", "customer": "Acme GmbH", "serial": "SN-99", "units": "3"}


async def test_a_link_opens_a_running_session_with_the_values_filled_in(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    tree_id = await helpdesk_tree(client, team.engineer_h)
    link = await make_link(client, team.engineer_h, tree_id=tree_id, variables=VALUES)
    assert link["url"] == f"http://testserver/start-link#token={link['token']}"
    assert "/embed/" in link["embed_url"] and link["embed_url"].endswith(link["token"])

    opened = await open_link(client, team.tech_h, link["token"])
    assert opened.status_code == 201, opened.text
    session = opened.json()["session"]
    assert session["status"] == "in_progress"
    assert session["variables"] == {**VALUES, "units": 3}
    assert session["technician"]["id"] == team.tech["user"]["id"]
    assert session["created_by"] == team.engineer["user"]["id"]
    assert "HD-4711" in session["current"]["title"]
    row = await fresh.fetch("SELECT created_by, session_id, used_by FROM start_links")
    assert str(row[0]["created_by"]) == team.engineer["user"]["id"]
    assert str(row[0]["session_id"]) == session["id"]


async def test_twenty_parallel_uses_of_one_link_open_exactly_one_session(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    tree_id = await helpdesk_tree(client, team.admin_h)
    link = await make_link(client, team.admin_h, tree_id=tree_id, variables=VALUES)
    users = [team.tech_h, team.tech2_h, team.engineer_h, team.admin_h]

    responses = await burst(20, lambda i: open_link(client, users[i % 4], link["token"]))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19, statuses
    assert {error_code(r) for r in responses if r.status_code == 409} == {"start_link_used"}
    assert await fresh.val("SELECT count(*) FROM troubleshooting_sessions") == 1
    assert await fresh.val("SELECT count(*) FROM start_links WHERE session_id IS NOT NULL") == 1


async def test_a_missing_start_value_prepares_the_session_with_the_rest_filled_in(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client)
    tree_id = await helpdesk_tree(client, team.admin_h)
    link = await make_link(client, team.admin_h, tree_id=tree_id, variables={"ticket": "HD-1"})
    session = (await open_link(client, team.tech_h, link["token"])).json()["session"]
    assert session["status"] == "prepared"
    assert session["variables"] == {"ticket": "HD-1"}
    started = await client.post(
        f"/api/v1/sessions/{session['id']}/start",
        headers=team.tech_h,
        json={"base_revision": session["revision"], "variables": {"serial": "SN-1"}},
    )
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress"


async def test_bad_values_name_the_variable_and_write_nothing(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    tree_id = await helpdesk_tree(client, team.admin_h)
    for variables, field in (
        ({**VALUES, "units": "three"}, "variables.units"),
        ({**VALUES, "colour": "red"}, "variables.colour"),
    ):
        response = await make_link(
            client, team.admin_h, expect=422, tree_id=tree_id, variables=variables
        )
        assert response["detail"][0]["field"] == field
    for body, status, field in (
        ({"tree_id": "00000000-0000-0000-0000-000000000000"}, 404, "tree_id"),
        (
            {"tree_id": tree_id, "technician_id": str(uuid.uuid4())},
            404,
            "technician_id",
        ),
        ({"tree_id": tree_id, "expires_in_seconds": 10}, 422, "expires_in_seconds"),
    ):
        response = await client.post("/api/v1/start-links", headers=team.admin_h, json=body)
        assert (response.status_code, error_field(response)) == (status, field), response.text
    technician = await client.post(
        "/api/v1/start-links", headers=team.tech_h, json={"tree_id": tree_id}
    )
    assert technician.status_code == 403
    assert await fresh.val("SELECT count(*) FROM start_links") == 0


async def test_a_wrong_signature_is_refused_and_uses_nothing(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    tree_id = await helpdesk_tree(client, team.admin_h)
    token = (await make_link(client, team.admin_h, tree_id=tree_id, variables=VALUES))["token"]
    link_id, signature = token.split(".")
    forged = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for bad in (f"{link_id}.{forged}", link_id, "not-a-token", f"{'0' * 32}.{signature}"):
        response = await open_link(client, team.tech_h, bad)
        assert response.status_code == 422, response.text
        assert (error_code(response), error_field(response)) == ("start_link_invalid", "token")
    assert await fresh.val("SELECT count(*) FROM start_links WHERE used_at IS NOT NULL") == 0
    assert await fresh.val("SELECT count(*) FROM troubleshooting_sessions") == 0
    assert (await open_link(client, team.tech_h, token)).status_code == 201


async def test_expired_assigned_and_foreign_links(client: httpx.AsyncClient, fresh: Fresh) -> None:
    team = await make_team(client)
    tree_id = await helpdesk_tree(client, team.admin_h)
    expired = await make_link(client, team.admin_h, tree_id=tree_id, variables=VALUES)
    await fresh.execute(
        "UPDATE start_links SET expires_at = now() - interval '1 second' WHERE id = $1::uuid",
        expired["id"],
    )
    response = await open_link(client, team.tech_h, expired["token"])
    assert (response.status_code, error_code(response)) == (410, "start_link_expired")

    assigned = await make_link(
        client,
        team.admin_h,
        tree_id=tree_id,
        variables=VALUES,
        technician_id=team.tech2["user"]["id"],
    )
    response = await open_link(client, team.tech_h, assigned["token"])
    assert (response.status_code, error_code(response)) == (403, "start_link_assigned")
    _, stranger_h = await signed_in(client)
    response = await open_link(client, stranger_h, assigned["token"])
    assert (response.status_code, error_code(response)) == (404, "start_link_not_found")
    assert (await open_link(client, team.tech2_h, assigned["token"])).status_code == 201
    assert await fresh.val("SELECT count(*) FROM troubleshooting_sessions") == 1
