"""Session races on a real PostgreSQL: parallel starts count exactly, parallel steps never fork."""

from __future__ import annotations

import collections
import uuid

import httpx
import pytest

from tests.conftest import Fresh, burst
from tests.ops.servers import LOOP_GRAPH
from tests.sessions.helpers import make_team, published_tree, start


async def test_200_parallel_starts_count_200(client: httpx.AsyncClient, fresh: Fresh) -> None:
    team = await make_team(client)
    tree_id = await published_tree(client, team.admin_h)
    headers = [team.tech_h, team.tech2_h, team.engineer_h, team.admin_h]

    responses = await burst(
        200,
        lambda i: client.post(
            "/api/v1/sessions",
            headers=headers[i % 4],
            json={"tree_id": tree_id, "variables": {"device": f"P{i}"}},
        ),
    )

    assert collections.Counter(r.status_code for r in responses) == {201: 200}
    assert await fresh.val("SELECT usage_count FROM trees WHERE id = $1", uuid.UUID(tree_id)) == 200
    assert await fresh.val("SELECT count(*) FROM troubleshooting_sessions") == 200


@pytest.mark.parametrize("round_", range(10))
async def test_parallel_steps_on_one_revision_one_wins(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    team = await make_team(client)
    tree_id = await published_tree(client, team.admin_h)
    session = await start(client, team.tech_h, tree_id)
    options = ["yes", "no"]

    responses = await burst(
        2,
        lambda i: client.post(
            f"/api/v1/sessions/{session['id']}/steps",
            headers=team.tech_h,
            json={"option_id": options[i], "base_revision": session["revision"]},
        ),
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    rows = await fresh.fetch(
        "SELECT seq, kind FROM session_steps WHERE session_id = $1 ORDER BY seq",
        uuid.UUID(session["id"]),
    )
    answers = [r for r in rows if r["kind"] == "answer"]
    assert len(answers) == 1
    assert [r["seq"] for r in rows] == list(range(len(rows)))  # one unbroken log


@pytest.mark.parametrize("round_", range(5))
async def test_many_parallel_steps_without_revision_never_fork(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    """20 taps on "Yes" at once: the first moves on, the rest find "yes" is no longer an
    option of the new current node."""
    team = await make_team(client)
    tree_id = await published_tree(client, team.admin_h)
    session = await start(client, team.tech_h, tree_id)

    responses = await burst(
        20,
        lambda _: client.post(
            f"/api/v1/sessions/{session['id']}/steps",
            headers=team.tech_h,
            json={"option_id": "yes"},
        ),
    )

    assert collections.Counter(r.status_code for r in responses) == {200: 1, 422: 19}
    assert (
        await fresh.val(
            "SELECT count(*) FROM session_steps WHERE session_id = $1 AND kind = 'answer'",
            uuid.UUID(session["id"]),
        )
        == 1
    )
    assert await fresh.val("SELECT revision FROM troubleshooting_sessions") == 2


async def test_parallel_answers_are_all_counted(client: httpx.AsyncClient, fresh: Fresh) -> None:
    """50 taps on an option that loops back to the same question: every one is a valid answer,
    so all 50 are recorded, in one unbroken log, and the session's answer count says 50."""
    team = await make_team(client)
    tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH, title="Loop")
    session = await start(client, team.tech_h, tree_id, variables={})

    responses = await burst(
        50,
        lambda _: client.post(
            f"/api/v1/sessions/{session['id']}/steps",
            headers=team.tech_h,
            json={"option_id": "again"},
        ),
    )

    assert collections.Counter(r.status_code for r in responses) == {200: 50}
    session_id = uuid.UUID(session["id"])
    rows = await fresh.fetch(
        "SELECT seq, kind FROM session_steps WHERE session_id = $1 ORDER BY seq", session_id
    )
    assert sum(1 for r in rows if r["kind"] == "answer") == 50
    assert [r["seq"] for r in rows] == list(range(len(rows)))
    count = "SELECT answer_count FROM troubleshooting_sessions WHERE id = $1"
    assert await fresh.val(count, session_id) == 50
