"""The editor's versions panel, compare and restore-with-undo; library actions (archive,
duplicate, templates); trying logic rules. Through the HTTP API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import signed_in
from tests.trees.factories import GRAPH, create_tree, graph, publish, published_tree

TREES = "/api/v1/trees"


async def put_graph(
    client: httpx.AsyncClient, headers: dict[str, str], tree_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    current = (await client.get(f"{TREES}/{tree_id}", headers=headers)).json()
    response = await client.put(
        f"{TREES}/{tree_id}",
        headers=headers,
        json={"base_revision": current["draft_revision"], "graph": data},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


class TestVersionsPanel:
    async def test_list_names_publisher_counts_sessions_and_marks_live(
        self, client: httpx.AsyncClient
    ) -> None:
        _, headers = await signed_in(client)
        tree = await published_tree(client, headers)
        session = await client.post(
            "/api/v1/sessions",
            headers=headers,
            json={"tree_id": tree["id"], "variables": {"serial": "A1"}},
        )
        assert session.status_code == 201, session.text
        changed = graph()
        changed["nodes"][2]["title"] = "Swap the power supply"
        await put_graph(client, headers, tree["id"], changed)
        await publish(client, headers, tree["id"], "Clearer wording")

        items = (await client.get(f"{TREES}/{tree['id']}/versions", headers=headers)).json()[
            "items"
        ]
        assert [(v["number"], v["changelog"], v["session_count"], v["is_live"]) for v in items] == [
            (2, "Clearer wording", 0, True),
            (1, "first", 1, False),
        ]
        assert {v["published_by_name"] for v in items} == {"Test User"}

    async def test_compare_draft_against_live_names_nodes_edges_and_fields(
        self, client: httpx.AsyncClient
    ) -> None:
        _, headers = await signed_in(client)
        tree = await published_tree(client, headers)
        changed = graph()
        changed["nodes"][2]["title"] = "Swap the power supply"
        changed["nodes"].append(
            {
                "id": "n5",
                "kind": "action",
                "title": "Call the vendor",
                "options": [{"id": "o10", "label": "No luck", "next": "n4"}],
            }
        )
        changed["nodes"][1]["options"][0]["next"] = "n5"
        await put_graph(client, headers, tree["id"], changed)

        diff = await client.get(
            f"{TREES}/{tree['id']}/versions/compare",
            headers=headers,
            params={"from": "live", "to": "draft"},
        )
        assert diff.status_code == 200, diff.text
        body = diff.json()
        assert (body["from_version"], body["to_version"]) == (1, "draft")
        assert [n["id"] for n in body["nodes_added"]] == ["n5"]
        changes = {c["node_id"]: c for c in body["nodes_changed"]}
        assert changes["n3"]["changes"] == [
            {
                "field": "title",
                "before": "Replace the power supply",
                "after": "Swap the power supply",
            }
        ]
        assert changes["n2"]["options_changed"] == [
            {"option_id": "o3", "changes": [{"field": "next", "before": "n4", "after": "n5"}]}
        ]
        edge = {"source": "n2", "via": "option", "key": "o3", "label": "Done"}
        assert body["edges_added"] == [
            {**edge, "target": "n5"},
            {"source": "n5", "via": "option", "key": "o10", "label": "No luck", "target": "n4"},
        ]
        assert body["edges_removed"] == [{**edge, "target": "n4"}]

        # Two versions by number, and `live` on either side.
        await publish(client, headers, tree["id"], "v2")
        both = (
            await client.get(
                f"{TREES}/{tree['id']}/versions/compare",
                headers=headers,
                params={"from": 1, "to": "live"},
            )
        ).json()
        assert (both["from_version"], both["to_version"]) == (1, 2)
        assert [n["id"] for n in both["nodes_added"]] == ["n5"]

    async def test_live_of_a_tree_never_published_is_404(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers, graph=GRAPH)
        response = await client.get(
            f"{TREES}/{tree['id']}/versions/compare",
            headers=headers,
            params={"from": "live", "to": "draft"},
        )
        assert response.status_code == 404

    async def test_restore_answers_the_previous_draft_and_undo_brings_it_back(
        self, client: httpx.AsyncClient
    ) -> None:
        _, headers = await signed_in(client)
        tree = await published_tree(client, headers)
        edited = graph()
        edited["nodes"][2]["title"] = "Work in progress"
        saved = await put_graph(client, headers, tree["id"], edited)

        restored = await client.post(
            f"{TREES}/{tree['id']}/versions/1/restore",
            headers=headers,
            json={"base_revision": saved["draft_revision"]},
        )
        assert restored.status_code == 200, restored.text
        body = restored.json()
        assert body["draft"]["graph"]["nodes"][2]["title"] == "Replace the power supply"
        assert body["previous_draft"]["revision"] == saved["draft_revision"]
        assert body["previous_draft"]["graph"] == saved["draft"]["graph"]

        undo = await client.put(
            f"{TREES}/{tree['id']}",
            headers=headers,
            json={
                "base_revision": body["draft_revision"],
                "graph": body["previous_draft"]["graph"],
            },
        )
        assert undo.status_code == 200
        assert undo.json()["draft"]["graph"]["nodes"][2]["title"] == "Work in progress"
