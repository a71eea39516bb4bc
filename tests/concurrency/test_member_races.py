"""Two admins demoting each other at the same moment never leave the account without an admin."""

from __future__ import annotations

import collections
import uuid

import httpx
import pytest

from tests.accounts.test_router import invite, join
from tests.conftest import Fresh, burst
from tests.helpers import error_code, signed_in


@pytest.mark.parametrize("round_", range(25))
async def test_mutual_demotion_keeps_one_admin(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    first, first_h = await signed_in(client)
    second, second_h = await join(client, (await invite(client, first_h, role="admin"))["code"])
    moves = [
        (first_h, second["user"]["id"]),  # the first admin demotes the second
        (second_h, first["user"]["id"]),  # and the second the first, at the same time
    ]

    responses = await burst(
        2,
        lambda i: client.patch(
            f"/api/v1/account/members/{moves[i][1]}",
            headers=moves[i][0],
            json={"role": "technician"},
        ),
    )

    counts = collections.Counter(r.status_code for r in responses)
    # Either one demotion wins and the other is refused as the last admin, or the winner's
    # demotion took away the loser's right to demote (403): never two successes.
    assert counts[200] == 1, [r.text for r in responses]
    loser = next(r for r in responses if r.status_code != 200)
    assert (loser.status_code, error_code(loser)) in {(409, "last_admin"), (403, "role_required")}
    admins = await fresh.val(
        "SELECT count(*) FROM memberships WHERE account_id = $1 AND role = 'admin'",
        uuid.UUID(first["account"]["id"]),
    )
    assert admins == 1


@pytest.mark.parametrize("round_", range(25))
async def test_a_just_demoted_admin_cannot_act(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    """A demotes B while B demotes C: if A's change commits first, B's is refused."""
    _, a_h = await signed_in(client)
    b, b_h = await join(client, (await invite(client, a_h, role="admin"))["code"])
    c, _ = await join(client, (await invite(client, a_h, role="engineer"))["code"])
    moves = [(a_h, b["user"]["id"]), (b_h, c["user"]["id"])]

    responses = await burst(
        2,
        lambda i: client.patch(
            f"/api/v1/account/members/{moves[i][1]}",
            headers=moves[i][0],
            json={"role": "technician"},
        ),
    )

    a_result, b_result = responses
    assert a_result.status_code == 200
    c_role = await fresh.val(
        "SELECT role FROM memberships WHERE user_id = $1", uuid.UUID(c["user"]["id"])
    )
    changes = [
        r["subject"]
        for r in await fresh.fetch(
            "SELECT subject FROM audit_events WHERE action = 'member_role_changed' ORDER BY id"
        )
    ]
    if changes[0] == b["user"]["id"]:
        # A's demotion of B committed first: B, no longer an admin, is refused.
        assert (b_result.status_code, c_role, changes) == (403, "engineer", [b["user"]["id"]])
    else:
        # B acted while still an admin, then A demoted B.
        assert (b_result.status_code, c_role) == (200, "technician")
        assert changes == [c["user"]["id"], b["user"]["id"]]
