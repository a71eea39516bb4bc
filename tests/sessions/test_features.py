"""Guided sessions: intake value types, history filters, step notes, reassigning, link nodes."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Fresh
from tests.helpers import error_code
from tests.sessions.helpers import (
    Team,
    complete,
    make_team,
    printer_graph,
    published_tree,
    question_then_solution,
    start,
    step,
)

SESSIONS = "/api/v1/sessions"


@pytest.fixture
async def team(client: httpx.AsyncClient) -> Team:
    return await make_team(client)


def intake_graph() -> dict[str, Any]:
    return question_then_solution(
        "Print {{copies}} copies in {{room}}?",
        ("ok", "Done"),
        "Printed",
        variables=[
            {"name": "copies", "label": "Copies", "type": "number", "required": "at_start"},
            {"name": "duplex", "label": "Duplex", "type": "boolean", "required": "optional"},
            {"name": "bought", "label": "Bought on", "type": "date", "required": "optional"},
            {
                "name": "kind",
                "label": "Printer kind",
                "type": "choice",
                "choices": ["laser", "inkjet"],
                "required": "optional",
            },
            {"name": "room", "label": "Room", "type": "text", "required": "optional"},
        ],
    )


class TestIntakeTypes:
    async def test_values_are_coerced_to_their_type(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h, intake_graph(), "Copies")
        session = await start(
            client,
            team.tech_h,
            tree_id,
            variables={
                "copies": "3.0",
                "duplex": "yes",
                "bought": "2026-02-03",
                "kind": "laser",
                "room": "  B 12  ",
            },
        )
        assert session["variables"] == {
            "copies": 3,
            "duplex": True,
            "bought": "2026-02-03",
            "kind": "laser",
            "room": "B 12",
        }
        assert session["current"]["title"] == "Print 3 copies in B 12?"

        other = await start(client, team.tech_h, tree_id, variables={"copies": 2.5})
        assert other["variables"] == {"copies": 2.5}
        # Values are Markdown-escaped; an optional value never given shows as a visible
        # placeholder, not as nothing.
        assert other["current"]["title"] == "Print 2.5 copies in [Room: not set]?"

    @pytest.mark.parametrize(
        ("name", "value", "message"),
        [
            ("copies", "many", "Enter a number."),
            ("copies", True, "Enter a number."),
            ("copies", "inf", "Enter a finite number."),
            ("duplex", "maybe", "Choose yes or no."),
            ("bought", "03/02/2026", "Enter a date as YYYY-MM-DD."),
            ("bought", 20260203, "Enter a date as YYYY-MM-DD."),
            ("kind", "dot matrix", "Choose one of: laser, inkjet."),
            ("room", ["B", "12"], "Enter text."),
            ("room", "x" * 2001, "Use at most 2000 characters."),
        ],
    )
    async def test_wrong_values_are_refused_by_name(
        self,
        client: httpx.AsyncClient,
        team: Team,
        fresh: Fresh,
        name: str,
        value: Any,
        message: str,
    ) -> None:
        tree_id = await published_tree(client, team.admin_h, intake_graph(), "Copies")
        variables = {"copies": 1, name: value} if name != "copies" else {"copies": value}
        response = await client.post(
            SESSIONS, headers=team.tech_h, json={"tree_id": tree_id, "variables": variables}
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == [
            {"code": "variable_invalid", "message": message, "field": f"variables.{name}"}
        ]
        # Nothing was written: no session, no use of the tree.
        assert await fresh.val("SELECT count(*) FROM troubleshooting_sessions") == 0
        assert (
            await fresh.val("SELECT usage_count FROM trees WHERE id = $1", uuid.UUID(tree_id)) == 0
        )


class TestHistoryFilters:
    async def test_status_outcome_tree_technician_and_dates(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        printers = await published_tree(client, team.admin_h)
        copies = await published_tree(client, team.admin_h, intake_graph(), "Copies")

        resolved = await start(client, team.tech_h, printers)
        await step(client, team.tech_h, resolved, "yes")
        await step(client, team.tech_h, resolved, "ok")
        url = f"{SESSIONS}/{resolved['id']}"
        await complete(client, team.tech_h, resolved, expect=422)  # the ticket is still missing
        revision = (await client.get(url, headers=team.tech_h)).json()["revision"]
        filled = await client.put(
            url,
            headers=team.tech_h,
            json={"base_revision": revision, "variables": {"ticket": "T-1"}},
        )
        assert filled.status_code == 200, filled.text
        await complete(client, team.tech_h, resolved, resolution_note="Toner was Empty")

        escalated = await start(
            client, team.tech2_h, printers, variables={"device": "P2", "ticket": "T-2"}
        )
        await step(client, team.tech2_h, escalated, "yes")
        await step(client, team.tech2_h, escalated, "fail")
        assert (await complete(client, team.tech2_h, escalated))["outcome"] == "escalated"

        running = await start(client, team.tech_h, copies, variables={"copies": 1})
        old = await start(client, team.tech_h, copies, variables={"copies": 1})
        await fresh.execute(
            "UPDATE troubleshooting_sessions SET created_at = '2025-01-15T10:00:00Z' WHERE id = $1",
            uuid.UUID(old["id"]),
        )

        async def ids(**params: Any) -> list[str]:
            response = await client.get(
                SESSIONS,
                headers=team.admin_h,
                params={"tab": "all", "limit": 100, "include_unanswered": True, **params},
            )
            assert response.status_code == 200, response.text
            return [s["id"] for s in response.json()["items"]]

        everything = [running["id"], escalated["id"], resolved["id"], old["id"]]
        assert await ids() == everything  # newest first
        # By default an old session nobody answered is left out.
        assert await ids(include_unanswered=False) == everything[:3]
        assert await ids(status="completed") == [escalated["id"], resolved["id"]]
        assert await ids(status="in_progress") == [running["id"], old["id"]]
        assert await ids(outcome="escalated") == [escalated["id"]]
        assert await ids(outcome="resolved") == [resolved["id"]]
        assert await ids(tree_id=copies) == [running["id"], old["id"]]
        assert await ids(technician_id=team.tech2["user"]["id"]) == [escalated["id"]]
        assert await ids(created_to="2025-02-01T00:00:00Z") == [old["id"]]
        assert await ids(created_from="2025-02-01T00:00:00Z") == everything[:3]
        assert await ids(
            created_from="2025-01-01T00:00:00Z", created_to="2025-01-31T00:00:00Z"
        ) == [old["id"]]
        assert await ids(tree_id=copies, status="completed") == []
        assert await ids(q="toner was empty") == [resolved["id"]]  # the resolution note
        assert (
            await client.get(SESSIONS, headers=team.admin_h, params={"status": "paused"})
        ).status_code == 422


class TestStepNotes:
    async def test_a_note_on_a_step_is_shown_searched_and_exported(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        answered = await step(client, team.tech_h, session, "yes")
        seq = answered["path"][0]["step_seq"]
        assert answered["path"][0]["note"] is None

        noted = await client.put(
            f"{SESSIONS}/{session['id']}/steps/{seq}/note",
            headers=team.tech_h,
            json={"note": "LED blinks amber twice"},
        )
        assert noted.status_code == 200, noted.text
        body = noted.json()
        assert body["path"][0]["note"] == "LED blinks amber twice"
        assert body["revision"] == answered["revision"] + 1
        again = (await client.get(f"{SESSIONS}/{session['id']}", headers=team.tech_h)).json()
        assert again["path"][0]["note"] == "LED blinks amber twice"

        found = (await client.get(SESSIONS, headers=team.tech_h, params={"q": "amber"})).json()
        assert [s["id"] for s in found["items"]] == [session["id"]]

        markdown = await client.post(
            f"{SESSIONS}/{session['id']}/export", headers=team.tech_h, json={"format": "markdown"}
        )
        assert "LED blinks amber twice" in markdown.text

        # Clearing the note takes it out of the search as well.
        cleared = await client.put(
            f"{SESSIONS}/{session['id']}/steps/{seq}/note", headers=team.tech_h, json={"note": ""}
        )
        assert cleared.json()["path"][0]["note"] is None
        found = (await client.get(SESSIONS, headers=team.tech_h, params={"q": "amber"})).json()
        assert found["items"] == []

        missing = await client.put(
            f"{SESSIONS}/{session['id']}/steps/99/note", headers=team.tech_h, json={"note": "x"}
        )
        assert missing.status_code == 422 and error_code(missing) == "step_not_found"
        stranger = await client.put(
            f"{SESSIONS}/{session['id']}/steps/{seq}/note", headers=team.tech2_h, json={"note": "x"}
        )
        assert stranger.status_code == 404


class TestReassign:
    async def test_dispatcher_reassigns_a_prepared_session(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        prepared = await start(
            client,
            team.engineer_h,
            tree_id,
            prepared=True,
            technician_id=team.tech["user"]["id"],
            notes="Customer on floor 3",
        )
        url = f"{SESSIONS}/{prepared['id']}"

        # The technician may write notes but not hand the session to someone else.
        refused = await client.put(
            url,
            headers=team.tech_h,
            json={"base_revision": prepared["revision"], "technician_id": team.tech2["user"]["id"]},
        )
        assert refused.status_code == 403 and error_code(refused) == "cannot_assign"
        # Someone who neither runs nor created it does not even see it.
        hidden = await client.put(
            url, headers=team.tech2_h, json={"base_revision": prepared["revision"], "notes": "x"}
        )
        assert hidden.status_code == 404

        moved = await client.put(
            url,
            headers=team.engineer_h,
            json={
                "base_revision": prepared["revision"],
                "technician_id": team.tech2["user"]["id"],
                "notes": "Customer on floor 4",
            },
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["technician"]["id"] == team.tech2["user"]["id"]
        assert moved.json()["notes"] == "Customer on floor 4"
        stale = await client.put(
            url, headers=team.engineer_h, json={"base_revision": prepared["revision"], "notes": "y"}
        )
        assert stale.status_code == 409 and error_code(stale) == "session_conflict"

        assigned = (
            await client.get(SESSIONS, headers=team.tech2_h, params={"tab": "assigned"})
        ).json()["items"]
        assert [s["id"] for s in assigned] == [prepared["id"]]
        assert (await client.get(url, headers=team.tech_h)).status_code == 404
        floor4 = (
            await client.get(SESSIONS, headers=team.admin_h, params={"tab": "all", "q": "floor 4"})
        ).json()["items"]
        assert [s["id"] for s in floor4] == [prepared["id"]]

        nobody = await client.put(
            url,
            headers=team.engineer_h,
            json={"base_revision": moved.json()["revision"], "technician_id": str(uuid.uuid4())},
        )
        assert nobody.status_code == 404 and error_code(nobody) == "member_not_found"


class TestLinkNodes:
    async def test_a_link_continues_in_the_linked_trees_current_version(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        network = await published_tree(
            client,
            team.admin_h,
            question_then_solution(
                "Is the network cable plugged in?", ("plugged", "Now it is"), "Connected"
            ),
            "Network check",
        )
        graph = printer_graph()
        graph["nodes"][0]["options"][0]["next"] = "link"
        graph["nodes"].append(
            {"id": "link", "kind": "link", "title": "Check the network", "tree_id": network}
        )
        printers = await published_tree(client, team.admin_h, graph)
        version = (await client.get(f"/api/v1/trees/{network}", headers=team.admin_h)).json()[
            "current_version"
        ]["id"]

        session = await start(
            client, team.tech_h, printers, variables={"device": "P", "ticket": "1"}
        )
        linked = await step(client, team.tech_h, session, "yes")
        assert linked["current"]["node_id"] == "q1"
        assert linked["current"]["version_id"] == version
        assert [(p["node_id"], p["answer_label"]) for p in linked["path"]] == [
            ("q1", "Yes"),
            ("link", "Check the network"),
            ("q1", None),
        ]
        solved = await step(client, team.tech_h, linked, "plugged")
        assert solved["current"]["is_terminal"] and solved["can_complete"]
        assert (await complete(client, team.tech_h, session))["outcome"] == "resolved"

        # Once the linked tree is deleted, the link cannot be followed: a clear 422, and the
        # answer that led there is not recorded.
        assert (
            await client.delete(f"/api/v1/trees/{network}", headers=team.admin_h)
        ).status_code == 204
        other = await start(client, team.tech_h, printers, variables={"device": "P"})
        broken = await client.post(
            f"{SESSIONS}/{other['id']}/steps", headers=team.tech_h, json={"option_id": "yes"}
        )
        assert broken.status_code == 422 and error_code(broken) == "navigation_failed"
        assert "no longer published" in broken.json()["detail"]["message"]
        steps = await fresh.val(
            "SELECT count(*) FROM session_steps WHERE session_id = $1", uuid.UUID(other["id"])
        )
        assert steps == 1  # the start only
        still = (await client.get(f"{SESSIONS}/{other['id']}", headers=team.tech_h)).json()
        assert still["current"]["node_id"] == "q1" and still["revision"] == other["revision"]
