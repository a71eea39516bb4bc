"""Feedback races on a real PostgreSQL: 50 identical flags file one, 50 resolves resolve once,
50 dismissals store one."""

from __future__ import annotations

import collections

import httpx

from tests.conftest import Fresh, burst
from tests.sessions.helpers import make_team, published_tree, start, step


async def test_50_parallel_identical_flags_file_one(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    session = await step(
        client,
        team.tech_h,
        await start(client, team.tech_h, await published_tree(client, team.engineer_h)),
        "yes",
    )
    responses = await burst(
        50,
        lambda i: client.post(
            f"/api/v1/sessions/{session['id']}/feedback",
            headers=team.tech_h,
            json={"node_id": "q1", "kind": "wrong", "comment": f"try {i}"},
        ),
    )
    assert collections.Counter(r.status_code for r in responses) == {201: 1, 409: 49}
    assert await fresh.val("SELECT count(*) FROM node_feedback") == 1


async def test_50_parallel_resolves_resolve_once(client: httpx.AsyncClient, fresh: Fresh) -> None:
    team = await make_team(client)
    session = await step(
        client,
        team.tech_h,
        await start(client, team.tech_h, await published_tree(client, team.engineer_h)),
        "yes",
    )
    flagged = (
        await client.post(
            f"/api/v1/sessions/{session['id']}/feedback",
            headers=team.tech_h,
            json={"node_id": "q1", "kind": "unclear"},
        )
    ).json()
    authors = [team.admin_h, team.engineer_h]
    responses = await burst(
        50,
        lambda i: client.post(
            f"/api/v1/feedback/{flagged['id']}/resolve",
            headers=authors[i % 2],
            json={"note": f"fixed by {i}"},
        ),
    )
    assert collections.Counter(r.status_code for r in responses) == {200: 1, 409: 49}
    winner = next(r for r in responses if r.status_code == 200).json()["resolution_note"]
    assert await fresh.val("SELECT resolution_note FROM node_feedback") == winner


async def test_50_parallel_dismissals_store_one(client: httpx.AsyncClient, fresh: Fresh) -> None:
    team = await make_team(client)
    tree_id = await published_tree(client, team.engineer_h)
    await start(client, team.tech_h, tree_id)
    version = (await client.get(f"/api/v1/trees/{tree_id}/versions/1", headers=team.tech_h)).json()
    responses = await burst(
        50,
        lambda _: client.post(
            f"/api/v1/trees/{tree_id}/change-alert/dismiss",
            headers=team.tech_h,
            json={"version_id": version["id"]},
        ),
    )
    assert collections.Counter(r.status_code for r in responses) == {204: 50}
    assert await fresh.val("SELECT count(*) FROM change_alert_dismissals") == 1
