"""Analytics of hand-built histories: two versions with different nodes, abandoned, running,
never-answered and prepared sessions, outcome labels and a step back. Every figure below was
worked out by hand from the histories (times in seconds after the session's start)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Fresh
from tests.helpers import error_code, error_field, signed_in
from tests.insights.history import Built, day, write
from tests.sessions.helpers import Team, make_team
from troubletree.accounts.caller import Caller
from troubletree.accounts.models import Role
from troubletree.core.db import get_database
from troubletree.insights import service
from troubletree.insights.service import InsightFilter
from troubletree.trees.repository import trees as tree_queries

V1: dict[str, Any] = {
    "start": "n1",
    "nodes": [
        {
            "id": "n1",
            "kind": "question",
            "title": "Does it power on?",
            "options": [
                {"id": "o1", "label": "Yes", "next": "n2"},
                {"id": "o2", "label": "No", "next": "n3"},
            ],
        },
        {
            "id": "n2",
            "kind": "action",
            "title": "Reseat the cable",
            "options": [{"id": "o3", "label": "Done", "next": "n4"}],
        },
        {
            "id": "n3",
            "kind": "solution",
            "title": "Replace the power supply",
            "outcome_label": "Power supply replaced",
        },
        {"id": "n4", "kind": "escalation", "title": "Escalate to tier 2"},
    ],
}


def _v2() -> dict[str, Any]:
    """n1's "No" now asks about the fuse (n5, new) before the solution."""
    graph = copy.deepcopy(V1)
    graph["nodes"][0]["options"][1]["next"] = "n5"
    graph["nodes"][2]["title"] = "Replace the fuse"
    graph["nodes"][2]["outcome_label"] = "Fuse replaced"
    graph["nodes"].append(
        {
            "id": "n5",
            "kind": "question",
            "title": "Is the fuse blown?",
            "options": [
                {"id": "o6", "label": "Yes", "next": "n3"},
                {"id": "o7", "label": "No", "next": "n4"},
            ],
        }
    )
    return graph


class World:
    team: Team
    tree_id: str
    v1: str
    v2: str
    account_id: str


async def _world(client: httpx.AsyncClient, fresh: Fresh) -> World:
    w = World()
    w.team = await make_team(client)
    h = w.team.admin_h
    created = (
        await client.post("/api/v1/trees", headers=h, json={"title": "Power", "graph": V1})
    ).json()
    w.tree_id = created["id"]
    w.v1 = (await client.post(f"/api/v1/trees/{w.tree_id}/publish", headers=h, json={})).json()[
        "id"
    ]
    updated = await client.put(
        f"/api/v1/trees/{w.tree_id}",
        headers=h,
        json={"graph": _v2(), "base_revision": created["draft_revision"]},
    )
    assert updated.status_code == 200, updated.text
    w.v2 = (await client.post(f"/api/v1/trees/{w.tree_id}/publish", headers=h, json={})).json()[
        "id"
    ]
    w.account_id = str(
        await fresh.val("SELECT account_id FROM trees WHERE id = $1::uuid", w.tree_id)
    )
    t1, t2 = w.team.tech["user"]["id"], w.team.tech2["user"]["id"]

    def s(version: str, tech: str, when: Any, steps: list[Any], end: Any, after: float) -> Built:
        return Built(w.account_id, w.tree_id, version, tech, when, steps, end, after)

    await write(
        fresh,
        [
            # v1 -------------------------------------------------------------------------
            # A: No -> solution, resolved after 40 s.
            s(w.v1, t1, day("2026-11-02", 10),
              [("start", "n1", 0), ("answer", "n1", "o2", "n3", 10)],
              ("completed", "resolved", "Power supply replaced", None), 40),
            # B: Yes -> cable -> escalation, escalated after 240 s.
            s(w.v1, t1, day("2026-11-02", 11),
              [("start", "n1", 0), ("answer", "n1", "o1", "n2", 30),
               ("answer", "n2", "o3", "n4", 120)],
              ("completed", "escalated", None, None), 240),
            # C: Yes, back to n1, No -> solution, abandoned there (solved elsewhere) at 30 s.
            s(w.v1, t2, day("2026-11-03", 9),
              [("start", "n1", 0), ("answer", "n1", "o1", "n2", 10), ("back", "n2", "n1", 0, 15),
               ("answer", "n1", "o2", "n3", 25)],
              ("abandoned", "solved_elsewhere"), 30),
            # D: never answered, abandoned: left out everywhere.
            s(w.v1, t2, day("2026-11-03", 10), [("start", "n1", 0)],
              ("abandoned", "customer_left"), 5),
            # v2 -------------------------------------------------------------------------
            # E: No -> fuse Yes -> solution, resolved after 120 s.
            s(w.v2, t1, day("2026-11-05", 8),
              [("start", "n1", 0), ("answer", "n1", "o2", "n5", 30),
               ("answer", "n5", "o6", "n3", 60)],
              ("completed", "resolved", "Fuse replaced", None), 120),
            # F: No -> fuse, abandoned there (wrong tree) at 70 s.
            s(w.v2, t2, day("2026-11-05", 9),
              [("start", "n1", 0), ("answer", "n1", "o2", "n5", 10)],
              ("abandoned", "wrong_tree"), 70),
            # G: Yes -> cable, still running.
            s(w.v2, t1, day("2026-11-06", 12),
              [("start", "n1", 0), ("answer", "n1", "o1", "n2", 5)], None, 0),
            # H: No -> fuse, ended early as unresolved at 50 s with a label.
            s(w.v2, t2, day("2026-11-06", 13),
              [("start", "n1", 0), ("answer", "n1", "o2", "n5", 20)],
              ("completed", "unresolved", "Customer declined", "Customer declined"), 50),
            # I: prepared, never started: left out.
            s(w.v2, t1, day("2026-11-06", 14), [], None, 0),
        ],
    )  # fmt: skip
    return w


@pytest.fixture
async def world(client: httpx.AsyncClient, fresh: Fresh) -> World:
    return await _world(client, fresh)


async def _get(client: httpx.AsyncClient, w: World, expect: int = 200, **params: Any) -> Any:
    response = await client.get(
        f"/api/v1/trees/{w.tree_id}/insights", headers=w.team.engineer_h, params=params
    )
    assert response.status_code == expect, response.text
    return response.json()


def _node(data: Any, node_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(n for n in data["nodes"] if n["node_id"] == node_id)
    return found


def _time(count: int, mean: float | None, median: float | None, p90: float | None) -> Any:
    return {"count": count, "mean_seconds": mean, "median_seconds": median, "p90_seconds": p90}


def _counted(*items: tuple[str, int, float]) -> list[dict[str, Any]]:
    return [{"key": k, "count": n, "rate": r} for k, n, r in items]


class TestVersionOne:
    async def test_sessions(self, client: httpx.AsyncClient, world: World) -> None:
        data = await _get(client, world, version_id=world.v1)
        assert data["totals"] == {"started": 3, "completed": 2, "abandoned": 1, "in_progress": 0}
        assert data["outcomes"] == _counted(
            ("resolved", 1, 0.3333), ("escalated", 1, 0.3333), ("unresolved", 0, 0.0)
        )
        assert data["outcome_labels"] == _counted(("Power supply replaced", 1, 0.3333))
        assert data["abandoned_by_reason"] == _counted(
            ("solved_elsewhere", 1, 0.3333),
            ("customer_left", 0, 0.0),
            ("wrong_tree", 0, 0.0),
            ("other", 0, 0.0),
        )
        assert data["duration"] == _time(2, 140.0, 40.0, 240.0)
        assert data["trend"] == [
            {"day": "2026-11-02", "started": 2, "resolved": 1, "escalated": 1,
             "unresolved": 0, "abandoned": 0, "in_progress": 0},
            {"day": "2026-11-03", "started": 1, "resolved": 0, "escalated": 0,
             "unresolved": 0, "abandoned": 1, "in_progress": 0},
        ]  # fmt: skip

    async def test_nodes(self, client: httpx.AsyncClient, world: World) -> None:
        data = await _get(client, world, version_id=world.v1)
        assert [n["node_id"] for n in data["nodes"]] == ["n1", "n2", "n3", "n4"]
        n1 = _node(data, "n1")  # A 10, B 30, C 10 and again 10 after going back
        assert (n1["visits"], n1["sessions"], n1["exits"], n1["drop_offs"]) == (4, 3, 0, 0)
        assert n1["time"] == _time(4, 15.0, 10.0, 30.0)
        assert n1["options"] == [
            {"option_id": "o1", "label": "Yes", "count": 2},
            {"option_id": "o2", "label": "No", "count": 2},
        ]
        n2 = _node(data, "n2")  # B 90, C 5
        assert (n2["visits"], n2["sessions"], n2["exits"]) == (2, 2, 0)
        assert n2["time"] == _time(2, 47.5, 5.0, 90.0)
        assert n2["options"] == [{"option_id": "o3", "label": "Done", "count": 1}]
        n3 = _node(data, "n3")  # A resolved there after 30 s, C abandoned there after 5 s
        assert n3["title"] == "Replace the power supply"
        assert (n3["visits"], n3["sessions"], n3["exits"], n3["abandoned"]) == (2, 2, 2, 1)
        assert (n3["drop_offs"], n3["drop_off_rate"]) == (1, 0.5)
        assert n3["time"] == _time(2, 17.5, 5.0, 30.0)
        n4 = _node(data, "n4")
        assert (n4["visits"], n4["exits"], n4["drop_offs"]) == (1, 1, 0)
        assert n4["time"] == _time(1, 120.0, 120.0, 120.0)

    async def test_paths(self, client: httpx.AsyncClient, world: World) -> None:
        data = await _get(client, world, version_id=world.v1)
        assert data["paths"] == [  # C went back: it ends on n1 -> n3 like A
            {"node_ids": ["n1", "n3"], "titles": ["Does it power on?",
             "Replace the power supply"], "sessions": 2},
            {"node_ids": ["n1", "n2", "n4"], "titles": ["Does it power on?", "Reseat the cable",
             "Escalate to tier 2"], "sessions": 1},
        ]  # fmt: skip


class TestVersionTwo:
    async def test_sessions(self, client: httpx.AsyncClient, world: World) -> None:
        data = await _get(client, world, version_id=world.v2)
        assert data["totals"] == {"started": 4, "completed": 2, "abandoned": 1, "in_progress": 1}
        assert data["outcomes"] == _counted(
            ("resolved", 1, 0.25), ("escalated", 0, 0.0), ("unresolved", 1, 0.25)
        )
        assert data["outcome_labels"] == _counted(
            ("Customer declined", 1, 0.25), ("Fuse replaced", 1, 0.25)
        )
        assert data["abandoned_by_reason"][2] == {"key": "wrong_tree", "count": 1, "rate": 0.25}
        assert data["duration"] == _time(2, 85.0, 50.0, 120.0)

    async def test_nodes(self, client: httpx.AsyncClient, world: World) -> None:
        data = await _get(client, world, version_id=world.v2)
        assert [n["node_id"] for n in data["nodes"]] == ["n1", "n2", "n3", "n4", "n5"]
        n1 = _node(data, "n1")  # E 30, F 10, G 5 (running), H 20
        assert (n1["visits"], n1["sessions"]) == (4, 4)
        assert n1["time"] == _time(4, 16.25, 10.0, 30.0)
        assert [o["count"] for o in n1["options"]] == [1, 3]
        n2 = _node(data, "n2")  # G is still there: no time yet
        assert (n2["visits"], n2["exits"], n2["time"]) == (1, 0, _time(0, None, None, None))
        n5 = _node(data, "n5")  # E 30, F 60 (abandoned), H 30 (ended early: a drop-off too)
        assert (n5["visits"], n5["exits"], n5["abandoned"], n5["drop_offs"]) == (3, 2, 1, 2)
        assert n5["drop_off_rate"] == 0.6667
        assert n5["time"] == _time(3, 40.0, 30.0, 60.0)
        assert n5["options"] == [
            {"option_id": "o6", "label": "Yes", "count": 1},
            {"option_id": "o7", "label": "No", "count": 0},
        ]
        assert _node(data, "n3")["title"] == "Replace the fuse"
        assert _node(data, "n4")["visits"] == 0

    async def test_paths(self, client: httpx.AsyncClient, world: World) -> None:
        data = await _get(client, world, version_id=world.v2)
        assert [(p["node_ids"], p["sessions"]) for p in data["paths"]] == [
            (["n1", "n5"], 2),  # F and H
            (["n1", "n5", "n3"], 1),  # E; G is still running: paths are of ended sessions
        ]


class TestFilters:
    async def test_whole_tree(self, client: httpx.AsyncClient, world: World) -> None:
        data = await _get(client, world)
        assert data["totals"] == {"started": 7, "completed": 4, "abandoned": 2, "in_progress": 1}
        assert [r["count"] for r in data["abandoned_by_reason"]] == [1, 0, 1, 0]
        n1 = _node(data, "n1")
        assert (n1["visits"], n1["sessions"]) == (8, 7)
        assert data["nodes"][0]["node_id"] == "n1"  # most visited first
        assert [v["version_id"] for v in data["versions"]] == [world.v2, world.v1]

    async def test_technician(self, client: httpx.AsyncClient, world: World) -> None:
        data = await _get(client, world, technician_id=world.team.tech2["user"]["id"])
        # C, F, H (D was never answered)
        assert data["totals"] == {"started": 3, "completed": 1, "abandoned": 2, "in_progress": 0}
        assert _node(data, "n1")["visits"] == 4
        assert _node(data, "n5")["drop_offs"] == 2

    async def test_outcome_and_dates(self, client: httpx.AsyncClient, world: World) -> None:
        abandoned = await _get(client, world, outcome="abandoned")
        assert abandoned["totals"]["started"] == 2
        running = await _get(client, world, outcome="in_progress")
        assert running["totals"]["in_progress"] == 1
        assert _node(running, "n2")["visits"] == 1
        one_day = await _get(client, world, date_from="2026-11-05", date_to="2026-11-05")
        assert one_day["totals"] == {"started": 2, "completed": 1, "abandoned": 1, "in_progress": 0}
        assert [t["day"] for t in one_day["trend"]] == ["2026-11-05"]

    async def test_rollups_equal_the_step_log(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        """The same figures, read with every session taken from the step log."""
        caller = Caller(
            uuid.UUID(world.team.admin["user"]["id"]),
            uuid.UUID(world.account_id),
            Role.admin,
            "Admin",
            "admin@example.com",
        )
        filters = [
            InsightFilter(),
            InsightFilter(version_id=uuid.UUID(world.v1)),
            InsightFilter(version_id=uuid.UUID(world.v2), outcome=service.InsightOutcome.resolved),
            InsightFilter(date_from=day("2026-11-03", 0).date()),
            InsightFilter(technician_id=uuid.UUID(world.team.tech2["user"]["id"])),
            InsightFilter(outcome=service.InsightOutcome.in_progress),
        ]
        async with get_database().sessionmaker() as db:
            tree = await tree_queries.get_tree(db, caller.account_id, uuid.UUID(world.tree_id))
            assert tree is not None
            for f in filters:
                fast = await service.tree_insights(db, caller, tree, f)
                raw = await service.tree_insights(db, caller, tree, f, raw=True)
                assert fast.model_dump() == raw.model_dump(), f


class TestAccess:
    async def test_bad_input(self, client: httpx.AsyncClient, world: World) -> None:
        bad = await _get(client, world, 422, date_from="2026-11-05", date_to="2026-11-01")
        assert (error_code_of(bad), bad["detail"]["field"]) == ("invalid_date_range", "date_to")
        _, other_h = await signed_in(client)
        foreign = (
            await client.post("/api/v1/trees", headers=other_h, json={"title": "X", "graph": V1})
        ).json()
        version = (
            await client.post(f"/api/v1/trees/{foreign['id']}/publish", headers=other_h, json={})
        ).json()
        gone = await _get(client, world, 404, version_id=version["id"])
        assert gone["detail"]["field"] == "version_id"
        response = await client.get(
            f"/api/v1/trees/{world.tree_id}/insights", headers=world.team.engineer_h,
            params={"date_from": "yesterday"},
        )  # fmt: skip
        assert (response.status_code, error_field(response)) == (422, "date_from")

    async def test_who_may_read(self, client: httpx.AsyncClient, world: World) -> None:
        url = f"/api/v1/trees/{world.tree_id}/insights"
        assert (await client.get(url, headers=world.team.tech_h)).status_code == 403
        assert (await client.get(url, headers=world.team.admin_h)).status_code == 200
        _, stranger = await signed_in(client)
        response = await client.get(url, headers=stranger)
        assert (response.status_code, error_code(response)) == (404, "tree_not_found")
        overview = await client.get("/api/v1/insights/overview", headers=world.team.tech_h)
        assert overview.status_code == 403


def error_code_of(body: Any) -> str:
    return str(body["detail"]["code"])


class TestOverview:
    async def test_ranks(self, client: httpx.AsyncClient, world: World, fresh: Fresh) -> None:
        h = world.team.admin_h
        quiet = (
            await client.post("/api/v1/trees", headers=h, json={"title": "Quiet", "graph": V1})
        ).json()
        qv = (await client.post(f"/api/v1/trees/{quiet['id']}/publish", headers=h, json={})).json()
        await write(  # a second tree with one escalated session
            fresh,
            [Built(world.account_id, quiet["id"], qv["id"], world.team.tech["user"]["id"],
               day("2026-11-04", 9), [("start", "n1", 0), ("answer", "n1", "o1", "n2", 5),
               ("answer", "n2", "o3", "n4", 10)], ("completed", "escalated", None, None), 20)],
        )  # fmt: skip
        data = (await client.get("/api/v1/insights/overview", headers=h)).json()
        assert [(r["title"], r["sessions"]) for r in data["by_use"]] == [("Power", 7), ("Quiet", 1)]
        assert [(r["title"], r["escalation_rate"]) for r in data["by_escalation"]] == [
            ("Quiet", 1.0),
            ("Power", 0.1429),  # B of 7
        ]
        assert [(r["title"], r["drop_off_rate"]) for r in data["by_drop_off"]] == [
            ("Power", 0.2857),  # C and F of 7
            ("Quiet", 0.0),
        ]
        ranged = (
            await client.get(
                "/api/v1/insights/overview", headers=h, params={"date_from": "2026-11-05"}
            )
        ).json()
        assert [(r["title"], r["sessions"]) for r in ranged["by_use"]] == [("Power", 4)]
