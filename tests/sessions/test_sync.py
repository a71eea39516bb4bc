"""Changes under client ids and the offline batch: replays record once, in order, and every
event gets an answer (applied, duplicate, conflict, rejected, skipped)."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import Fresh, burst
from tests.helpers import error_code
from tests.sessions.helpers import make_team, published_tree, start, step

# Two questions that lead to each other (any number of answers) and a way out.
LOOP_GRAPH: dict[str, Any] = {
    "start": "q1",
    "variables": [],
    "nodes": [
        {
            "id": "q1",
            "kind": "question",
            "title": "Check the left side",
            "options": [{"id": "a", "label": "Checked", "next": "q2"}],
        },
        {
            "id": "q2",
            "kind": "question",
            "title": "Check the right side",
            "options": [
                {"id": "b", "label": "Checked", "next": "q1"},
                {"id": "fin", "label": "All fine", "next": "s1"},
            ],
        },
        {"id": "s1", "kind": "solution", "title": "Nothing wrong"},
    ],
}


def offline_queue(tree_id: str, steps: int) -> dict[str, Any]:
    """What a device queues for one session started offline: the start and `steps` answers."""
    events = []
    for i in range(steps):
        node, option = ("q1", "a") if i % 2 == 0 else ("q2", "b")
        events.append(
            {
                "type": "step",
                "client_id": str(uuid.uuid4()),
                "node_id": node,
                "option_id": option,
                "note": f"answer {i}",
            }
        )
    return {
        "session_id": str(uuid.uuid4()),
        "create": {"tree_id": tree_id},
        "events": events,
    }


def queued_steps(session_id: str, *moves: tuple[str, str]) -> dict[str, Any]:
    """A running session's queued answers: (node the device stood on, option) each."""
    events = [
        {"type": "step", "client_id": str(uuid.uuid4()), "node_id": node, "option_id": option}
        for node, option in moves
    ]
    return {"session_id": session_id, "events": events}


async def sync(
    client: httpx.AsyncClient, headers: dict[str, str], batch: dict[str, Any], expect: int = 200
) -> dict[str, Any]:
    response = await client.post("/api/v1/sessions/sync", headers=headers, json=batch)
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


class TestReplayedQueues:
    async def test_200_queued_steps_of_10_sessions_sent_twice_at_once_are_recorded_once_in_order(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        queues = [offline_queue(tree_id, 20) for _ in range(10)]

        answers = await burst(
            20,
            lambda i: client.post(
                "/api/v1/sessions/sync", headers=team.tech_h, json=queues[i // 2]
            ),
        )

        assert [r.status_code for r in answers] == [200] * 20
        statuses = [e["status"] for r in answers for e in r.json()["results"]]
        assert statuses.count("applied") == 200
        assert statuses.count("duplicate") == 200
        created = [r.json()["created"]["status"] for r in answers]
        assert sorted(created) == ["applied"] * 10 + ["duplicate"] * 10
        for queue in queues:
            rows = await fresh.fetch(
                "SELECT seq, note FROM session_steps WHERE session_id = $1 AND kind = 'answer' "
                "ORDER BY seq",
                uuid.UUID(queue["session_id"]),
            )
            assert [r["note"] for r in rows] == [f"answer {i}" for i in range(20)]
        assert await fresh.val("SELECT count(*) FROM troubleshooting_sessions") == 10
        assert await fresh.val("SELECT count(*) FROM session_steps WHERE kind = 'answer'") == 200
        assert (
            await fresh.val("SELECT usage_count FROM trees WHERE id = $1", uuid.UUID(tree_id)) == 10
        )
        # Both answers of one queue describe the same session.
        for i in range(0, 20, 2):
            first, second = answers[i].json(), answers[i + 1].json()
            assert first["session"]["revision"] == second["session"]["revision"]
            assert [e["step_seq"] for e in first["results"]] == [
                e["step_seq"] for e in second["results"]
            ]

    async def test_a_queue_sent_again_later_changes_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        queue = offline_queue(tree_id, 3)
        queue["events"].append(
            {"type": "step", "client_id": str(uuid.uuid4()), "node_id": "q2", "option_id": "fin"}
        )
        queue["events"].append(
            {"type": "complete", "client_id": str(uuid.uuid4()), "node_id": "s1"}
        )
        first = await sync(client, team.tech_h, queue)
        assert [e["status"] for e in first["results"]] == ["applied"] * 5
        assert first["session"]["status"] == "completed"

        again = await sync(client, team.tech_h, queue)

        assert again["created"]["status"] == "duplicate"
        assert [e["status"] for e in again["results"]] == ["duplicate"] * 5
        assert again["session"]["revision"] == first["session"]["revision"]
        assert [e["step_seq"] for e in again["results"]] == [
            e["step_seq"] for e in first["results"]
        ]


class TestSingleRequests:
    async def test_50_parallel_sends_of_one_step_record_it_once_with_one_answer(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        session = await start(client, team.tech_h, tree_id, variables={})
        body = {"option_id": "a", "client_id": str(uuid.uuid4())}

        answers = await burst(
            50,
            lambda _: client.post(
                f"/api/v1/sessions/{session['id']}/steps", headers=team.tech_h, json=body
            ),
        )

        assert [r.status_code for r in answers] == [200] * 50
        assert sum(1 for r in answers if r.headers.get("Idempotent-Replayed") == "true") == 49
        assert len({r.text for r in answers}) == 1  # the first answer, every time
        assert (
            await fresh.val(
                "SELECT count(*) FROM session_steps WHERE session_id = $1 AND kind = 'answer'",
                uuid.UUID(session["id"]),
            )
            == 1
        )

    async def test_a_replay_returns_the_original_answer_after_later_changes(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        session = await start(client, team.tech_h, tree_id, variables={})
        client_id = str(uuid.uuid4())
        first = await step(client, team.tech_h, session, "a", client_id=client_id)
        later = await step(client, team.tech_h, session, "b")
        assert later["revision"] == first["revision"] + 1

        replay = await step(client, team.tech_h, session, "a", client_id=client_id)

        assert replay == first
        current = (
            await client.get(f"/api/v1/sessions/{session['id']}", headers=team.tech_h)
        ).json()
        assert current["revision"] == later["revision"]

    async def test_notes_and_completion_with_a_client_id_are_made_once(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        session = await start(client, team.tech_h, tree_id, variables={})
        await step(client, team.tech_h, session, "a")
        await step(client, team.tech_h, session, "fin")
        note = {"note": "cable was loose", "client_id": str(uuid.uuid4())}
        url = f"/api/v1/sessions/{session['id']}"
        noted = [
            await client.put(f"{url}/steps/1/note", headers=team.tech_h, json=note) for _ in "ab"
        ]
        assert noted[0].json() == noted[1].json()
        assert noted[1].headers["Idempotent-Replayed"] == "true"
        ending = {"client_id": str(uuid.uuid4())}
        done = [
            await client.post(f"{url}/complete", headers=team.tech_h, json=ending) for _ in "ab"
        ]
        assert [r.status_code for r in done] == [200, 200]
        assert done[0].json() == done[1].json()
        assert done[0].json()["revision"] == noted[0].json()["revision"] + 1

    async def test_a_client_id_used_for_another_kind_of_change_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        session = await start(client, team.tech_h, tree_id, variables={})
        client_id = str(uuid.uuid4())
        await step(client, team.tech_h, session, "a", client_id=client_id)
        response = await client.post(
            f"/api/v1/sessions/{session['id']}/back",
            headers=team.tech_h,
            json={"client_id": client_id},
        )
        assert response.status_code == 409
        assert error_code(response) == "client_id_reused"

    async def test_a_session_created_with_an_id_in_parallel_exists_once(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        body = {"id": str(uuid.uuid4()), "tree_id": tree_id, "answer": {"option_id": "a"}}

        answers = await burst(
            20, lambda _: client.post("/api/v1/sessions", headers=team.tech_h, json=body)
        )

        assert [r.status_code for r in answers] == [201] * 20
        assert len({r.text for r in answers}) == 1
        assert await fresh.val("SELECT count(*) FROM troubleshooting_sessions") == 1
        assert await fresh.val("SELECT count(*) FROM session_steps WHERE kind = 'answer'") == 1
        assert (
            await fresh.val("SELECT usage_count FROM trees WHERE id = $1", uuid.UUID(tree_id)) == 1
        )

    async def test_another_accounts_session_id_is_not_revealed(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        other = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        other_tree = await published_tree(client, other.admin_h, LOOP_GRAPH)
        session_id = str(uuid.uuid4())
        await start(client, team.tech_h, tree_id, id=session_id, variables={})
        response = await client.post(
            "/api/v1/sessions",
            headers=other.tech_h,
            json={"id": session_id, "tree_id": other_tree},
        )
        assert response.status_code == 409
        assert error_code(response) == "session_id_taken"


class TestConflicts:
    async def test_a_session_moved_on_elsewhere_is_a_conflict_and_later_events_are_kept(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        session = await start(client, team.tech_h, tree_id, variables={})
        # Online elsewhere (the admin on another device) the session moves on.
        await step(client, team.admin_h, session, "a")
        queued = queued_steps(session["id"], ("q1", "a"), ("q2", "b"))

        answer = await sync(client, team.tech_h, queued)

        first, second = answer["results"]
        assert (first["status"], first["code"]) == ("conflict", "session_changed")
        assert "Check the right side" in first["message"]
        assert (second["status"], second["code"]) == ("skipped", "earlier_event_failed")
        assert answer["session"]["revision"] == 2
        steps = await fresh.val(
            "SELECT count(*) FROM session_steps WHERE session_id = $1 AND kind = 'answer'",
            uuid.UUID(session["id"]),
        )
        assert steps == 1

    async def test_a_session_ended_elsewhere_is_a_conflict(self, client: httpx.AsyncClient) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        session = await start(client, team.tech_h, tree_id, variables={})
        await client.post(
            f"/api/v1/sessions/{session['id']}/abandon",
            headers=team.admin_h,
            json={"reason": "customer_left"},
        )
        answer = await sync(
            client,
            team.tech_h,
            queued_steps(session["id"], ("q1", "a")),
        )
        assert answer["results"][0]["status"] == "conflict"
        assert answer["results"][0]["code"] == "session_not_active"

    async def test_a_tree_deleted_while_offline_is_a_conflict_for_the_whole_queue(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        queue = offline_queue(tree_id, 2)
        deleted = await client.delete(f"/api/v1/trees/{tree_id}", headers=team.admin_h)
        assert deleted.status_code == 204

        answer = await sync(client, team.tech_h, queue)

        assert answer["created"]["status"] == "conflict"
        assert answer["created"]["code"] == "tree_unpublished"
        assert [e["status"] for e in answer["results"]] == ["skipped", "skipped"]
        assert answer["session"] is None
        assert await fresh.val("SELECT count(*) FROM troubleshooting_sessions") == 0

    async def test_a_session_started_offline_keeps_the_version_it_ran(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        tree = (await client.get(f"/api/v1/trees/{tree_id}", headers=team.tech_h)).json()
        offline_version = tree["current_version"]["id"]
        graph = copy.deepcopy(LOOP_GRAPH)
        graph["nodes"][0]["title"] = "Check the left side first"
        saved = await client.put(
            f"/api/v1/trees/{tree_id}",
            headers=team.admin_h,
            json={"base_revision": tree["draft_revision"], "graph": graph},
        )
        assert saved.status_code == 200, saved.text
        changed = await client.post(
            f"/api/v1/trees/{tree_id}/publish", headers=team.admin_h, json={"changelog": "v2"}
        )
        assert changed.status_code == 201, changed.text
        queue = offline_queue(tree_id, 1)
        queue["create"]["version_id"] = offline_version

        answer = await sync(client, team.tech_h, queue)

        assert answer["results"][0]["status"] == "applied"
        assert answer["session"]["tree_version_id"] == offline_version
        assert answer["session"]["version_number"] == 1

    async def test_a_note_names_its_step_by_the_steps_client_id(
        self, client: httpx.AsyncClient
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        queue = offline_queue(tree_id, 2)
        queue["events"].append(
            {
                "type": "note",
                "client_id": str(uuid.uuid4()),
                "step_client_id": queue["events"][0]["client_id"],
                "note": "seen later",
            }
        )
        answer = await sync(client, team.tech_h, queue)
        assert [e["status"] for e in answer["results"]] == ["applied"] * 3
        assert answer["results"][2]["step_seq"] == answer["results"][0]["step_seq"]
        assert answer["session"]["path"][0]["note"] == "seen later"

    async def test_another_technicians_queue_is_rejected(self, client: httpx.AsyncClient) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        session = await start(client, team.tech_h, tree_id, variables={})
        answer = await sync(
            client,
            team.tech2_h,
            queued_steps(session["id"], ("q1", "a")),
        )
        assert answer["results"][0]["status"] == "rejected"
        assert answer["results"][0]["code"] == "session_not_found"
        assert answer["session"] is None


class TestDeviceTimes:
    async def test_changes_are_recorded_when_they_were_made_within_now_and_the_last_change(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h, LOOP_GRAPH)
        started = datetime.now(UTC) - timedelta(hours=2)
        queue = offline_queue(tree_id, 3)
        queue["create"]["occurred_at"] = started.isoformat()
        times = [
            started + timedelta(minutes=5),
            started - timedelta(hours=1),  # a clock set back: not before the last change
            datetime.now(UTC) + timedelta(days=1),  # a clock ahead: not after now
        ]
        for event, moment in zip(queue["events"], times, strict=True):
            event["occurred_at"] = moment.isoformat()

        answer = await sync(client, team.tech_h, queue)

        assert [e["status"] for e in answer["results"]] == ["applied"] * 3
        rows = await fresh.fetch(
            "SELECT kind, created_at FROM session_steps WHERE session_id = $1 ORDER BY seq",
            uuid.UUID(queue["session_id"]),
        )
        at = [r["created_at"] for r in rows]
        assert [r["kind"] for r in rows] == ["start", "answer", "answer", "answer"]
        assert at[0] == started
        assert at[1] == started + timedelta(minutes=5)
        assert at[2] == at[1]
        assert at[1] < at[3] <= datetime.now(UTC)
        created = await fresh.val(
            "SELECT created_at FROM troubleshooting_sessions WHERE id = $1",
            uuid.UUID(queue["session_id"]),
        )
        assert created == started
