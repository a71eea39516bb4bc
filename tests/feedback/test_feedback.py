"""Node feedback through the API: technicians flag steps, authors reply and resolve, the
reporter sees the resolution; account scoping, roles and bad input."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Fresh
from tests.helpers import error_code, error_field, signed_in
from tests.sessions.helpers import Team, make_team, published_tree, start, step

V1 = "/api/v1"


async def _flag(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session: dict[str, Any],
    expect: int = 201,
    **body: Any,
) -> dict[str, Any]:
    body.setdefault("node_id", "q1")
    body.setdefault("kind", "unclear")
    response = await client.post(
        f"{V1}/sessions/{session['id']}/feedback", headers=headers, json=body
    )
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


async def _running(client: httpx.AsyncClient, team: Team) -> tuple[str, dict[str, Any]]:
    """A published printer tree and a technician's session at its second question."""
    tree_id = await published_tree(client, team.engineer_h)
    session = await start(client, team.tech_h, tree_id)
    session = await step(client, team.tech_h, session, "yes")
    return tree_id, session


class TestFlagging:
    async def test_technician_flags_a_step_and_an_author_resolves_it(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id, session = await _running(client, team)
        flagged = await _flag(
            client, team.tech_h, session, kind="wrong", comment="The LED is on the back"
        )
        assert (
            flagged["status"] == "open" and flagged["node_title"] == "Does the {{device}} power on?"
        )
        assert flagged["tree_id"] == tree_id and flagged["version_number"] == 1

        # The engineer sees it pinned to its node, answers and resolves it.
        listed = await client.get(
            f"{V1}/feedback",
            headers=team.engineer_h,
            params={"tree_id": tree_id, "status": "open"},
        )
        assert [(f["node_id"], f["kind"]) for f in listed.json()["items"]] == [("q1", "wrong")]
        replied = await client.post(
            f"{V1}/feedback/{flagged['id']}/replies",
            headers=team.engineer_h,
            json={"body": "Thanks, checking the photos"},
        )
        assert [r["body"] for r in replied.json()["replies"]] == ["Thanks, checking the photos"]
        assert (await client.get(f"{V1}/feedback/notices", headers=team.tech_h)).json() == []
        resolved = await client.post(
            f"{V1}/feedback/{flagged['id']}/resolve",
            headers=team.engineer_h,
            json={"note": "Step now says: on the back"},
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["status"] == "resolved"
        assert resolved.json()["resolved_by_name"] == team.engineer["user"]["full_name"]
        again = await client.post(
            f"{V1}/feedback/{flagged['id']}/resolve", headers=team.engineer_h, json={}
        )
        assert again.status_code == 409 and error_code(again) == "feedback_resolved"

        # The technician is told, until they acknowledge it.
        notices = (await client.get(f"{V1}/feedback/notices", headers=team.tech_h)).json()
        assert [(n["id"], n["resolution_note"]) for n in notices] == [
            (flagged["id"], "Step now says: on the back")
        ]
        seen = await client.post(f"{V1}/feedback/{flagged['id']}/acknowledge", headers=team.tech_h)
        assert seen.status_code == 200 and seen.json()["reporter_seen_at"] is not None
        assert (await client.get(f"{V1}/feedback/notices", headers=team.tech_h)).json() == []
        mine = (await client.get(f"{V1}/feedback", headers=team.tech_h)).json()["items"]
        assert [(f["id"], f["status"]) for f in mine] == [(flagged["id"], "resolved")]

    async def test_the_same_flag_twice_is_filed_once(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        _, session = await _running(client, team)
        await _flag(client, team.tech_h, session)
        twice = await _flag(client, team.tech_h, session, expect=409)
        assert twice["detail"]["code"] == "feedback_duplicate"
        await _flag(client, team.tech_h, session, kind="didnt_help")  # another reason is new
        assert await fresh.val("SELECT count(*) FROM node_feedback") == 2

    async def test_only_steps_the_session_reached(self, client: httpx.AsyncClient) -> None:
        team = await make_team(client)
        _, session = await _running(client, team)
        await _flag(client, team.tech_h, session, node_id="q2")  # the current step counts
        later = await _flag(client, team.tech_h, session, node_id="s_ok", expect=422)
        assert later["detail"]["code"] == "node_not_in_session"
        assert later["detail"]["field"] == "node_id"


class TestBadInput:
    async def test_over_long_comment_and_unknown_kind_write_nothing(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        _, session = await _running(client, team)
        url = f"{V1}/sessions/{session['id']}/feedback"
        long = await client.post(
            url, headers=team.tech_h, json={"node_id": "q1", "kind": "wrong", "comment": "x" * 1001}
        )
        assert long.status_code == 422 and error_field(long) == "comment"
        kind = await client.post(url, headers=team.tech_h, json={"node_id": "q1", "kind": "meh"})
        assert kind.status_code == 422 and error_field(kind) == "kind"
        extra = await client.post(
            url, headers=team.tech_h, json={"node_id": "q1", "kind": "wrong", "status": "resolved"}
        )
        assert extra.status_code == 422 and error_code(extra) == "field_not_allowed"
        assert await fresh.val("SELECT count(*) FROM node_feedback") == 0

        flagged = await _flag(client, team.tech_h, session, comment="x" * 1000)  # the limit
        reply = await client.post(
            f"{V1}/feedback/{flagged['id']}/replies", headers=team.engineer_h, json={"body": ""}
        )
        assert reply.status_code == 422 and error_field(reply) == "body"
        assert await fresh.val("SELECT count(*) FROM node_feedback_replies") == 0
        status = await client.get(f"{V1}/feedback", headers=team.engineer_h, params={"status": "x"})
        assert status.status_code == 422 and error_field(status) == "status"


class TestScopingAndRoles:
    async def test_another_account_sees_none_of_it(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id, session = await _running(client, team)
        flagged = await _flag(client, team.tech_h, session)
        _, other_h = await signed_in(client)  # an admin of another account

        foreign_session = await _flag(client, other_h, session, expect=404)
        assert foreign_session["detail"]["code"] == "session_not_found"
        for method, path, body in (
            ("GET", f"/feedback/{flagged['id']}", None),
            ("POST", f"/feedback/{flagged['id']}/replies", {"body": "hi"}),
            ("POST", f"/feedback/{flagged['id']}/resolve", {}),
            ("POST", f"/feedback/{flagged['id']}/acknowledge", None),
            ("GET", f"/trees/{tree_id}/feedback-counts", None),
        ):
            response = await client.request(method, V1 + path, headers=other_h, json=body)
            assert response.status_code == 404, (path, response.text)
        assert (await client.get(f"{V1}/feedback", headers=other_h)).json()["items"] == []
        listed = await client.get(f"{V1}/feedback", headers=other_h, params={"tree_id": tree_id})
        assert listed.json()["items"] == []
        assert await fresh.val("SELECT status FROM node_feedback") == "open"
        assert await fresh.val("SELECT count(*) FROM node_feedback_replies") == 0

    async def test_technicians_see_their_own_and_resolve_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id, session = await _running(client, team)
        flagged = await _flag(client, team.tech_h, session)
        other_tech = await client.get(f"{V1}/feedback/{flagged['id']}", headers=team.tech2_h)
        assert other_tech.status_code == 404
        assert (await client.get(f"{V1}/feedback", headers=team.tech2_h)).json()["items"] == []
        # The other technician cannot flag a session they cannot see.
        await _flag(client, team.tech2_h, session, expect=404)

        own = await client.post(
            f"{V1}/feedback/{flagged['id']}/resolve", headers=team.tech_h, json={}
        )
        assert own.status_code == 403 and error_code(own) == "role_required"
        counts = await client.get(f"{V1}/trees/{tree_id}/feedback-counts", headers=team.tech_h)
        assert counts.status_code == 403
        # The reporter may add to the thread; an author may not acknowledge for them.
        added = await client.post(
            f"{V1}/feedback/{flagged['id']}/replies", headers=team.tech_h, json={"body": "photo"}
        )
        assert added.status_code == 200
        author_ack = await client.post(
            f"{V1}/feedback/{flagged['id']}/acknowledge", headers=team.admin_h
        )
        assert author_ack.status_code == 404


class TestCounts:
    async def test_counts_per_node_by_kind_and_status_and_version(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id, first = await _running(client, team)
        second = await step(client, team.tech2_h, await start(client, team.tech2_h, tree_id), "yes")
        made = [
            await _flag(client, team.tech_h, first, node_id="q1", kind="wrong"),
            await _flag(client, team.tech_h, first, node_id="q1", kind="unclear"),
            await _flag(client, team.tech2_h, second, node_id="q1", kind="wrong"),
            await _flag(client, team.tech2_h, second, node_id="q2", kind="didnt_help"),
        ]
        await client.post(f"{V1}/feedback/{made[0]['id']}/resolve", headers=team.admin_h, json={})
        counts = await client.get(f"{V1}/trees/{tree_id}/feedback-counts", headers=team.engineer_h)
        assert counts.status_code == 200, counts.text
        by_node = {n["node_id"]: n for n in counts.json()["nodes"]}
        assert by_node["q1"]["open"] == {"didnt_help": 0, "unclear": 1, "wrong": 1}
        assert by_node["q1"]["resolved"] == {"didnt_help": 0, "unclear": 0, "wrong": 1}
        assert (by_node["q1"]["open_total"], by_node["q1"]["resolved_total"]) == (2, 1)
        assert by_node["q2"]["open"] == {"didnt_help": 1, "unclear": 0, "wrong": 0}
        assert set(by_node) == {"q1", "q2"}

        # A second version has no feedback yet: counted per version, it is empty.
        tree = (await client.get(f"{V1}/trees/{tree_id}", headers=team.engineer_h)).json()
        graph = tree["draft"]["graph"]
        graph["nodes"][0]["title"] = "Is the {{device}} switched on?"
        saved = await client.put(
            f"{V1}/trees/{tree_id}",
            headers=team.engineer_h,
            json={"base_revision": tree["draft_revision"], "graph": graph},
        )
        assert saved.status_code == 200, saved.text
        v2 = await client.post(f"{V1}/trees/{tree_id}/publish", headers=team.engineer_h, json={})
        assert v2.status_code == 201, v2.text
        only_v2 = await client.get(
            f"{V1}/trees/{tree_id}/feedback-counts",
            headers=team.engineer_h,
            params={"version_id": v2.json()["id"]},
        )
        assert only_v2.json()["nodes"] == []
        only_v1 = await client.get(
            f"{V1}/trees/{tree_id}/feedback-counts",
            headers=team.engineer_h,
            params={"version_id": first["tree_version_id"]},
        )
        assert len(only_v1.json()["nodes"]) == 2
