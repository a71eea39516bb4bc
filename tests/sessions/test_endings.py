"""The start screen before a session exists, ending a session at any step (abandon with a reason,
escalated or unresolved early), never-answered sessions in history, outcome labels, going back
over automatic steps and the step cap."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Fresh, burst
from tests.helpers import error_code, error_field, signed_in
from tests.sessions.helpers import (
    Team,
    complete,
    make_team,
    printer_graph,
    published_tree,
    start,
    step,
)
from troubletree.sessions import service

SESSIONS = "/api/v1/sessions"


@pytest.fixture
async def team(client: httpx.AsyncClient) -> Team:
    return await make_team(client)


def labelled_graph() -> dict[str, Any]:
    graph = printer_graph()
    for node in graph["nodes"]:
        if node["id"] == "s_ok":
            node["outcome_label"] = "Fixed on site"
        if node["id"] == "e1":
            node["outcome_label"] = "Sent to tier 2"
    return graph


async def counts(fresh: Fresh, tree_id: str) -> tuple[int, int]:
    sessions = await fresh.val(
        "SELECT count(*) FROM troubleshooting_sessions WHERE tree_id = $1", uuid.UUID(tree_id)
    )
    uses = await fresh.val("SELECT usage_count FROM trees WHERE id = $1", uuid.UUID(tree_id))
    return int(sessions), int(uses)


async def row(fresh: Fresh, session_id: str) -> dict[str, Any]:
    found = await fresh.fetch(
        "SELECT status, revision, outcome, outcome_label, abandon_reason, abandon_note, "
        "answer_count FROM troubleshooting_sessions WHERE id = $1",
        uuid.UUID(session_id),
    )
    return dict(found[0])


async def abandon(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session: dict[str, Any],
    expect: int = 200,
    **body: Any,
) -> dict[str, Any]:
    response = await client.post(f"{SESSIONS}/{session['id']}/abandon", headers=headers, json=body)
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


class TestStartScreen:
    async def test_reads_create_nothing_and_count_no_use(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        responses = await burst(
            100, lambda _: client.get(f"/api/v1/trees/{tree_id}/start", headers=team.tech_h)
        )
        assert {r.status_code for r in responses} == {200}
        assert await counts(fresh, tree_id) == (0, 0)
        screen = responses[0].json()
        assert screen["tree_id"] == tree_id and screen["title"] == "Printer will not print"
        assert screen["version_number"] == 1
        assert [v["name"] for v in screen["variables"]] == ["device", "ticket", "age_years"]
        assert screen["start"]["node_id"] == "q1" and screen["start"]["kind"] == "question"
        assert screen["start"]["options"] == [
            {"id": "yes", "label": "Yes"},
            {"id": "no", "label": "No"},
        ]
        assert "[Device: not set]" in screen["start"]["title"]

    async def test_a_logic_start_is_not_known_before_intake(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        graph = printer_graph()
        graph["start"] = "l1"
        graph["nodes"][1]["default"] = "q1"  # l1: old devices are replaced, others asked
        graph["nodes"][0]["options"][1]["next"] = "a1"
        tree_id = await published_tree(client, team.admin_h, graph)
        screen = await client.get(f"/api/v1/trees/{tree_id}/start", headers=team.tech_h)
        assert screen.status_code == 200, screen.text
        assert screen.json()["start"] is None

    async def test_unpublished_archived_and_foreign_trees_are_not_found(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        draft = await client.post(
            "/api/v1/trees", headers=team.admin_h, json={"title": "Draft", "graph": printer_graph()}
        )
        tree_id = await published_tree(client, team.admin_h)
        _, other_h = await signed_in(client)
        for headers, target in (
            (team.admin_h, draft.json()["id"]),
            (other_h, tree_id),
            (team.tech_h, str(uuid.uuid4())),
        ):
            response = await client.get(f"/api/v1/trees/{target}/start", headers=headers)
            assert response.status_code == 404 and error_code(response) == "tree_not_found"

    async def test_start_with_the_first_answer_in_one_go(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(
            client, team.tech_h, tree_id, answer={"option_id": "yes", "note": "LED is green"}
        )
        assert session["current"]["node_id"] == "q2"
        assert session["path"][0]["option_id"] == "yes"
        assert session["path"][0]["note"] == "LED is green"
        assert session["answer_count"] == 1 and session["never_answered"] is False
        assert await counts(fresh, tree_id) == (1, 1)

    async def test_a_wrong_first_answer_writes_nothing(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        response = await client.post(
            SESSIONS,
            headers=team.tech_h,
            json={"tree_id": tree_id, "variables": {"device": "P"}, "answer": {"option_id": "ok"}},
        )
        assert response.status_code == 422 and error_code(response) == "invalid_option"
        assert error_field(response) == "answer.option_id"
        assert await counts(fresh, tree_id) == (0, 0)


class TestAbandon:
    async def test_at_every_kind_of_step(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        at_question = await start(client, team.tech_h, tree_id)
        at_action = await start(client, team.tech_h, tree_id)
        await step(client, team.tech_h, at_action, "no")  # l1 decides a1 (no age): automatic
        after_auto = await start(client, team.tech_h, tree_id, variables={"device": "P"})
        moved = await step(client, team.tech_h, after_auto, "no")
        assert moved["current"]["node_id"] == "a1" and moved["path"][1]["automatic"] is True
        at_end = await start(client, team.tech_h, tree_id)
        await step(client, team.tech_h, at_end, "yes")
        assert (await step(client, team.tech_h, at_end, "fail"))["current"]["kind"] == "escalation"
        prepared = await start(
            client,
            team.admin_h,
            tree_id,
            prepared=True,
            technician_id=team.tech["user"]["id"],
            variables={},
        )
        cases = [
            (at_question, "solved_elsewhere", None),
            (at_action, "customer_left", None),
            (after_auto, "wrong_tree", "Should have used the copier tree"),
            (at_end, "other", "Customer bought a new printer"),
            (prepared, "customer_left", None),
        ]
        for session, reason, note in cases:
            body: dict[str, Any] = {"reason": reason}
            if note:
                body["note"] = note
            ended = await abandon(client, team.tech_h, session, **body)
            assert ended["status"] == "abandoned"
            assert ended["abandon_reason"] == reason and ended["abandon_note"] == note
            stored = await row(fresh, session["id"])
            assert stored["abandon_reason"] == reason and stored["abandon_note"] == note
        assert await abandon(client, team.tech_h, at_question, 409, reason="other", note="x")

    async def test_bad_reasons_and_notes_are_refused_by_field(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        before = await row(fresh, session["id"])
        for body, code, field in (
            ({"reason": "other"}, "note_required", "note"),
            ({"reason": "other", "note": "   "}, "note_required", "note"),
            ({"reason": "customer_left", "note": "x" * 501}, None, "note"),
            ({"reason": "bored"}, None, "reason"),
            ({}, None, "reason"),
        ):
            response = await client.post(
                f"{SESSIONS}/{session['id']}/abandon", headers=team.tech_h, json=body
            )
            assert response.status_code == 422, (body, response.text)
            assert field in error_field(response)
            if code:
                assert error_code(response) == code
        assert await row(fresh, session["id"]) == before
        ok = await abandon(client, team.tech_h, session, reason="other", note="x" * 500)
        assert ok["abandon_note"] == "x" * 500


class TestNeverAnswered:
    async def test_history_leaves_out_abandoned_and_stale_unanswered_sessions(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        answered = await start(client, team.tech_h, tree_id)
        await step(client, team.tech_h, answered, "yes")
        answered_then_abandoned = await start(client, team.tech_h, tree_id)
        await step(client, team.tech_h, answered_then_abandoned, "yes")
        await abandon(client, team.tech_h, answered_then_abandoned, reason="customer_left")
        fresh_unanswered = await start(client, team.tech_h, tree_id)
        stale = await start(client, team.tech_h, tree_id)
        await fresh.execute(
            "UPDATE troubleshooting_sessions SET created_at = now() - interval '25 hours' "
            "WHERE id = $1",
            uuid.UUID(stale["id"]),
        )
        abandoned_unanswered = await start(client, team.tech_h, tree_id)
        await abandon(client, team.tech_h, abandoned_unanswered, reason="wrong_tree")

        async def listed(**params: Any) -> dict[str, dict[str, Any]]:
            response = await client.get(SESSIONS, headers=team.tech_h, params=params)
            assert response.status_code == 200, response.text
            return {s["id"]: s for s in response.json()["items"]}

        default = await listed()
        assert set(default) == {
            answered["id"],
            answered_then_abandoned["id"],
            fresh_unanswered["id"],
        }
        assert default[answered["id"]]["answer_count"] == 1
        assert default[answered["id"]]["never_answered"] is False
        assert default[fresh_unanswered["id"]]["never_answered"] is True
        everything = await listed(include_unanswered=True)
        assert set(everything) == {*default, stale["id"], abandoned_unanswered["id"]}
        assert everything[abandoned_unanswered["id"]]["abandon_reason"] == "wrong_tree"

    async def test_answers_are_counted_going_back_is_not(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        assert session["never_answered"] is True and session["answer_count"] == 0
        await step(client, team.tech_h, session, "yes")
        back = await client.post(f"{SESSIONS}/{session['id']}/back", headers=team.tech_h, json={})
        assert back.status_code == 200 and back.json()["answer_count"] == 1
        again = await step(client, team.tech_h, session, "no")
        assert again["answer_count"] == 2
        assert (await row(fresh, session["id"]))["answer_count"] == 2


class TestOutcomeLabels:
    async def test_only_end_nodes_carry_one(self, client: httpx.AsyncClient, team: Team) -> None:
        graph = labelled_graph()
        graph["nodes"][0]["outcome_label"] = "Not here"
        created = await client.post(
            "/api/v1/trees", headers=team.admin_h, json={"title": "T", "graph": graph}
        )
        tree_id = created.json()["id"]
        report = (
            await client.post(f"/api/v1/trees/{tree_id}/validate", headers=team.admin_h)
        ).json()
        problems = [p for p in report["problems"] if p["code"] == "outcome_label_not_allowed"]
        assert [(p["node_id"], p["field"]) for p in problems] == [
            ("q1", "graph.nodes[0].outcome_label")
        ]
        assert problems[0]["message"].endswith(".")
        graph["nodes"][0]["outcome_label"] = "x" * 81
        too_long = await client.post(
            "/api/v1/trees", headers=team.admin_h, json={"title": "T", "graph": graph}
        )
        assert too_long.status_code == 422 and "outcome_label" in error_field(too_long)

    async def test_stored_at_an_end_node_chosen_when_ending_early_and_filtered(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h, labelled_graph())
        fixed = await start(client, team.tech_h, tree_id, variables={"device": "P", "ticket": "1"})
        assert fixed["outcome_labels"] == ["Fixed on site", "Sent to tier 2"]
        await step(client, team.tech_h, fixed, "yes")
        await step(client, team.tech_h, fixed, "ok")
        done = await complete(client, team.tech_h, fixed, outcome_label="Sent to tier 2")
        assert done["outcome"] == "resolved" and done["outcome_label"] == "Fixed on site"

        early = await start(client, team.tech_h, tree_id, variables={"device": "P", "ticket": "2"})
        before = await row(fresh, early["id"])
        response = await client.post(
            f"{SESSIONS}/{early['id']}/complete",
            headers=team.tech_h,
            json={"outcome": "escalated", "resolution_note": "n", "outcome_label": "Nope"},
        )
        assert response.status_code == 422 and error_code(response) == "unknown_outcome_label"
        assert error_field(response) == "outcome_label"
        assert await row(fresh, early["id"]) == before
        ended = await complete(
            client,
            team.tech_h,
            early,
            outcome="escalated",
            resolution_note="Needs a new fuser",
            outcome_label="Sent to tier 2",
        )
        assert ended["outcome_label"] == "Sent to tier 2"

        async def ids(**params: Any) -> list[str]:
            response = await client.get(SESSIONS, headers=team.tech_h, params=params)
            assert response.status_code == 200, response.text
            return [s["id"] for s in response.json()["items"]]

        assert await ids(outcome_label="Fixed on site") == [fixed["id"]]
        assert await ids(outcome_label="Sent to tier 2") == [early["id"]]
        assert await ids(outcome_label="sent to tier 2") == []
        bad = await client.get(SESSIONS, headers=team.tech_h, params={"outcome_label": "x" * 81})
        assert bad.status_code == 422 and "outcome_label" in error_field(bad)
        labels = await client.get(f"{SESSIONS}/outcome-labels", headers=team.tech_h)
        assert labels.json() == ["Fixed on site", "Sent to tier 2"]
        export = await client.post(
            f"{SESSIONS}/{early['id']}/export", headers=team.tech_h, json={"format": "json"}
        )
        assert export.status_code == 200
        exported = export.json()
        assert exported["outcome_label"] == "Sent to tier 2"
        assert exported["resolution_note"] == "Needs a new fuser"
        gone = await start(client, team.tech_h, tree_id)
        await abandon(client, team.tech_h, gone, reason="other", note="Power cut in the shop")
        exported = (
            await client.post(
                f"{SESSIONS}/{gone['id']}/export", headers=team.tech_h, json={"format": "json"}
            )
        ).json()
        assert exported["abandon_reason"] == "other"
        assert exported["abandon_note"] == "Power cut in the shop"


class TestBackOverAutomaticSteps:
    async def test_back_skips_logic_and_link_nodes(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id, variables={"device": "P"})
        moved = await step(client, team.tech_h, session, "no")  # q1 -> l1 (auto) -> a1
        assert [p["node_id"] for p in moved["path"]] == ["q1", "l1", "a1"]
        assert [p["automatic"] for p in moved["path"]] == [False, True, False]
        url = f"{SESSIONS}/{session['id']}/back"
        back = await client.post(url, headers=team.tech_h, json={"path_index": 1})
        assert back.status_code == 200, back.text
        assert [p["node_id"] for p in back.json()["path"]] == ["q1"]
        assert back.json()["current"]["suggested_option_id"] == "no"
        await step(client, team.tech_h, session, "no")
        omitted = await client.post(url, headers=team.tech_h, json={})
        assert [p["node_id"] for p in omitted.json()["path"]] == ["q1"]
        # At the start there is no earlier choice.
        none = await client.post(url, headers=team.tech_h, json={})
        assert none.status_code == 409 and error_code(none) == "no_earlier_choice"

    async def test_a_link_start_is_not_a_choice(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        target = await published_tree(client, team.admin_h, title="Printer basics")
        linking = {
            "start": "go",
            "variables": printer_graph()["variables"],
            "nodes": [{"id": "go", "kind": "link", "title": "Printer basics", "tree_id": target}],
        }
        tree_id = await published_tree(client, team.admin_h, linking, "Front desk")
        session = await start(client, team.tech_h, tree_id)
        assert [p["automatic"] for p in session["path"]] == [True, False]
        url = f"{SESSIONS}/{session['id']}/back"
        response = await client.post(url, headers=team.tech_h, json={"path_index": 0})
        assert response.status_code == 409 and error_code(response) == "no_earlier_choice"
        await step(client, team.tech_h, session, "yes")
        back = await client.post(url, headers=team.tech_h, json={})
        assert [p["node_id"] for p in back.json()["path"]] == ["go", "q1"]


class TestStepCap:
    async def test_a_session_past_the_cap_is_refused(
        self, client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(service, "MAX_SESSION_STEPS", 4)
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)  # step 0
        await step(client, team.tech_h, session, "yes")  # step 1
        url = f"{SESSIONS}/{session['id']}/back"
        assert (await client.post(url, headers=team.tech_h, json={})).status_code == 200  # 2
        await step(client, team.tech_h, session, "yes")  # step 3
        refused = await step(client, team.tech_h, session, "ok", expect=422)
        assert refused["detail"]["code"] == "session_too_long"


class TestCrossAccount:
    async def test_new_endpoints_answer_404(self, client: httpx.AsyncClient, team: Team) -> None:
        tree_id = await published_tree(client, team.admin_h, labelled_graph())
        session = await start(client, team.tech_h, tree_id)
        await step(client, team.tech_h, session, "yes")
        _, other_h = await signed_in(client)
        sid = session["id"]
        for method, url, body in (
            ("GET", f"/api/v1/trees/{tree_id}/start", None),
            ("POST", f"{SESSIONS}/{sid}/abandon", {"reason": "customer_left"}),
            ("POST", f"{SESSIONS}/{sid}/back", {}),
            ("POST", f"{SESSIONS}/{sid}/complete", {"outcome": "unresolved"}),
        ):
            response = await client.request(method, url, headers=other_h, json=body)
            assert response.status_code == 404, (method, url, response.text)
        starting = await client.post(
            SESSIONS,
            headers=other_h,
            json={"tree_id": tree_id, "variables": {"device": "x"}, "answer": {"option_id": "yes"}},
        )
        assert starting.status_code == 404


class TestHistorySearch:
    async def test_finds_values_people_trees_and_notes_with_typos(
        self, client: httpx.AsyncClient, team: Team, fresh: Fresh
    ) -> None:
        await fresh.execute(
            "UPDATE users SET full_name = 'Margarethe Oduya' WHERE id = $1",
            uuid.UUID(team.tech2["user"]["id"]),
        )
        printers = await published_tree(client, team.admin_h)
        copiers = await published_tree(client, team.admin_h, title="Copier jams on tray two")
        by_ticket = await start(
            client, team.tech_h, printers, variables={"device": "P", "ticket": "INC-40417"}
        )
        await step(client, team.tech_h, by_ticket, "yes")
        by_person = await start(client, team.tech2_h, printers)
        await step(client, team.tech2_h, by_person, "yes")
        by_tree = await start(client, team.tech_h, copiers)
        await step(client, team.tech_h, by_tree, "yes")
        by_note = await start(client, team.tech_h, printers)
        await step(client, team.tech_h, by_note, "yes", note="Fuser unit smelled burnt")
        # A value set after the start is found too.
        later = await start(client, team.tech_h, printers)
        await step(client, team.tech_h, later, "yes")
        updated = await client.put(
            f"{SESSIONS}/{later['id']}",
            headers=team.tech_h,
            json={"base_revision": 2, "variables": {"ticket": "SER_9%X"}},
        )
        assert updated.status_code == 200, updated.text

        # Another account with the same texts is never found.
        _, other_h = await signed_in(client)
        theirs = await published_tree(client, other_h, title="Copier jams on tray two")
        foreign = await start(
            client, other_h, theirs, variables={"device": "P", "ticket": "INC-40417"}
        )
        await step(client, other_h, foreign, "yes", note="Fuser unit smelled burnt")

        async def found(q: str) -> list[dict[str, Any]]:
            response = await client.get(
                SESSIONS, headers=team.engineer_h, params={"tab": "all", "q": q}
            )
            assert response.status_code == 200, response.text
            return list(response.json()["items"])

        ticket = await found("inc-40417")
        assert [s["id"] for s in ticket] == [by_ticket["id"]]
        assert ticket[0]["match"] == {"field": "variable", "name": "ticket", "snippet": "INC-40417"}
        person = await found("Margarete")
        assert [s["id"] for s in person] == [by_person["id"]]
        assert person[0]["match"]["field"] == "technician"
        assert person[0]["match"]["snippet"] == "Margarethe Oduya"
        tree = await found("copeir")
        assert [s["id"] for s in tree] == [by_tree["id"]]
        assert tree[0]["match"]["field"] == "tree_title"
        assert [s["id"] for s in await found("copier tray")] == [by_tree["id"]]
        # Every word must be near the title: one that is nowhere finds nothing.
        assert await found("nothing-copier") == []
        assert await found("margarete zzyzx") == []
        note = await found("SMELLED")
        assert [s["id"] for s in note] == [by_note["id"]]
        assert note[0]["match"] == {
            "field": "step_note",
            "name": None,
            "snippet": "Fuser unit smelled burnt",
        }
        value = await found("9%x")  # LIKE characters are matched as they are
        assert [s["id"] for s in value] == [later["id"]]
        assert await found("9%y") == []
        plain = await client.get(SESSIONS, headers=team.engineer_h, params={"tab": "all"})
        assert all(s["match"] is None for s in plain.json()["items"])

    async def test_malformed_filters_name_the_field(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        for params, field in (
            ({"created_from": "yesterday"}, "created_from"),
            ({"status": "paused"}, "status"),
            ({"outcome": "fixed"}, "outcome"),
            ({"outcome_label": "x" * 81}, "outcome_label"),
            ({"q": "x" * 201}, "q"),
            ({"include_unanswered": "maybe"}, "include_unanswered"),
        ):
            response = await client.get(SESSIONS, headers=team.tech_h, params=params)
            assert response.status_code == 422, params
            assert field in error_field(response)
        technicians = await client.get(SESSIONS, headers=team.tech_h, params={"tab": "all"})
        assert technicians.status_code == 403
