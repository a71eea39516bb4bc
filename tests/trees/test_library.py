"""The editor's versions panel, compare and restore-with-undo; library actions (archive,
duplicate, templates); trying logic rules. Through the HTTP API."""

from __future__ import annotations

import collections
import uuid
from typing import Any

import httpx

from tests.conftest import Fresh, burst
from tests.helpers import error_code, signed_in
from tests.trees.factories import GRAPH, create_tree, graph, member, publish, published_tree

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


async def tree_row(fresh: Fresh, tree_id: str) -> dict[str, Any]:
    rows = await fresh.fetch(
        "SELECT status, draft_revision, updated_at FROM trees WHERE id = $1", uuid.UUID(tree_id)
    )
    assert len(rows) == 1
    return dict(rows[0])


class TestArchive:
    async def test_archived_trees_are_hidden_from_technicians_and_come_back(
        self, client: httpx.AsyncClient
    ) -> None:
        _, admin = await signed_in(client)
        _, tech = await member(client, admin, "technician")
        tree = await published_tree(client, admin, "Toner smears")
        url = f"{TREES}/{tree['id']}"

        archived = await client.post(f"{url}/archive", headers=admin)
        assert archived.status_code == 200, archived.text
        assert archived.json()["status"] == "archived"
        assert archived.json()["draft_revision"] == tree["draft_revision"]

        assert (await client.get(TREES, headers=tech)).json()["items"] == []
        assert (await client.get(url, headers=tech)).status_code == 404
        found = await client.get(f"{TREES}/search", headers=tech, params={"q": "toner"})
        assert found.json()["items"] == []
        start = await client.post("/api/v1/sessions", headers=tech, json={"tree_id": tree["id"]})
        assert start.status_code == 404
        # Authors still see it, by status.
        listed = await client.get(TREES, headers=admin, params={"status": "archived"})
        assert [t["id"] for t in listed.json()["items"]] == [tree["id"]]

        back = await client.post(f"{url}/unarchive", headers=admin)
        assert back.status_code == 200 and back.json()["status"] == "published"
        assert [t["id"] for t in (await client.get(TREES, headers=tech)).json()["items"]] == [
            tree["id"]
        ]

    async def test_a_tree_never_published_comes_back_as_a_draft(
        self, client: httpx.AsyncClient
    ) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers, graph=GRAPH)
        await client.post(f"{TREES}/{tree['id']}/archive", headers=headers)
        back = await client.post(f"{TREES}/{tree['id']}/unarchive", headers=headers)
        assert back.json()["status"] == "draft"

    async def test_another_accounts_tree_is_404_and_unchanged(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, owner = await signed_in(client)
        _, intruder = await signed_in(client)
        tree = await published_tree(client, owner)
        before = await tree_row(fresh, tree["id"])
        for action in ("archive", "unarchive", "duplicate"):
            response = await client.post(f"{TREES}/{tree['id']}/{action}", headers=intruder)
            assert response.status_code == 404, action
            assert error_code(response) == "tree_not_found"
        assert await tree_row(fresh, tree["id"]) == before
        assert await fresh.val("SELECT count(*) FROM trees") == 1

    async def test_technicians_may_not(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        _, admin = await signed_in(client)
        _, tech = await member(client, admin, "technician")
        tree = await published_tree(client, admin)
        for action in ("archive", "duplicate"):
            response = await client.post(f"{TREES}/{tree['id']}/{action}", headers=tech)
            assert response.status_code == 403, action
        assert (await tree_row(fresh, tree["id"]))["status"] == "published"
        assert (await client.get(f"{TREES}/templates", headers=tech)).status_code == 403


class TestDuplicate:
    async def test_copy_has_the_draft_tags_category_and_description(
        self, client: httpx.AsyncClient
    ) -> None:
        _, headers = await signed_in(client)
        category = (
            await client.post(f"{TREES}/categories", headers=headers, json={"name": "Power"})
        ).json()
        tree = await published_tree(
            client,
            headers,
            "Power supply",
            description="PSU checks",
            category_id=category["id"],
            tags=["psu", "hardware"],
        )
        draft = graph()
        draft["nodes"][2]["title"] = "Unpublished wording"
        await put_graph(client, headers, tree["id"], draft)

        response = await client.post(f"{TREES}/{tree['id']}/duplicate", headers=headers)
        assert response.status_code == 201, response.text
        copy = response.json()
        assert copy["id"] != tree["id"]
        assert (copy["title"], copy["description"], copy["status"]) == (
            "Copy of Power supply",
            "PSU checks",
            "draft",
        )
        assert copy["category"]["id"] == category["id"]
        assert sorted(copy["tags"]) == ["hardware", "psu"]
        assert copy["draft"]["graph"]["nodes"][2]["title"] == "Unpublished wording"
        assert copy["current_version"] is None

    async def test_parallel_duplicates_respect_the_plan_limit(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user, headers = await signed_in(client)
        tree = await create_tree(client, headers, graph=GRAPH, tags=["shared"])
        responses = await burst(
            10, lambda i: client.post(f"{TREES}/{tree['id']}/duplicate", headers=headers)
        )
        assert collections.Counter(r.status_code for r in responses) == {201: 2, 403: 8}
        assert {error_code(r) for r in responses if r.status_code == 403} == {"plan_limit_reached"}
        account_id = uuid.UUID(user["account"]["id"])
        assert await fresh.val("SELECT count(*) FROM trees WHERE account_id = $1", account_id) == 3
        assert await fresh.val("SELECT usage_count FROM tags WHERE name = 'shared'") == 3


class TestTemplates:
    async def test_three_starter_trees_each_publishable(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        listed = await client.get(f"{TREES}/templates", headers=headers)
        assert listed.status_code == 200
        templates = {t["id"]: t for t in listed.json()}
        assert {t["title"] for t in templates.values()} >= {
            "Printer not printing",
            "Wi-Fi drops connection",
            "Laptop won't power on",
        }
        for template in templates.values():
            assert template["description"] and template["node_count"] >= 10

        made = await client.post(
            f"{TREES}/from-template",
            headers=headers,
            json={"template_id": "wifi-drops-connection", "title": "Office Wi-Fi drops"},
        )
        assert made.status_code == 201, made.text
        tree = made.json()
        assert tree["title"] == "Office Wi-Fi drops"
        assert tree["category"]["name"] == "Network" and "wifi" in tree["tags"]
        graph_ = tree["draft"]["graph"]
        kinds = {n["kind"] for n in graph_["nodes"]}
        assert kinds >= {"question", "action", "logic", "solution", "escalation"}
        assert graph_["variables"]
        published = await publish(client, headers, tree["id"], "From the template")
        assert published["number"] == 1

    async def test_unknown_template_is_422_and_writes_nothing(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        response = await client.post(
            f"{TREES}/from-template", headers=headers, json={"template_id": "../demo"}
        )
        assert response.status_code == 422
        assert (error_code(response), response.json()["detail"]["field"]) == (
            "unknown_template",
            "template_id",
        )
        assert await fresh.val("SELECT count(*) FROM trees") == 0


class TestImport:
    async def test_a_file_that_is_not_a_tree_is_422_naming_the_field(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        for body, field in (
            ({"name": "package.json", "version": "1.0.0"}, "tree"),
            ({"format": "something.else", "tree": {"title": "X"}, "graph": {}}, "format"),
            ({"tree": {"title": "X"}, "graph": {"nodes": "none"}}, "nodes"),
        ):
            response = await client.post(f"{TREES}/import", headers=headers, json=body)
            assert response.status_code == 422, body
            assert field in response.text, response.text
        assert await fresh.val("SELECT count(*) FROM trees") == 0
        assert await fresh.val("SELECT count(*) FROM tags") == 0


class TestLogicRules:
    async def test_technicians_path_reads_the_rule_label(self, client: httpx.AsyncClient) -> None:
        from tests.sessions.helpers import printer_graph, start, step
        from tests.sessions.helpers import published_tree as session_tree

        _, admin = await signed_in(client)
        _, tech = await member(client, admin, "technician")
        data = printer_graph()
        data["variables"].append({"name": "on_site", "label": "On site", "type": "boolean"})
        data["nodes"][1]["rules"].append({"when": "on_site == true", "next": "a1"})
        tree_id = await session_tree(client, admin, data)
        seen = {}
        for variables in ({"age_years": 5}, {"age_years": 1}, {"age_years": 1, "on_site": True}):
            session = await start(client, tech, tree_id, variables={"device": "P1", **variables})
            after = await step(client, tech, session, "no")
            seen[tuple(variables.items())] = after["path"][1]["answer_label"]
        assert list(seen.values()) == ["Old device", "Otherwise", "on_site == true"]

    async def test_a_label_over_the_limit_is_422_naming_the_field(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers, graph=GRAPH)
        data = graph()
        data["variables"].append({"name": "age", "label": "Age", "type": "number"})
        data["nodes"].append(
            {
                "id": "l1",
                "kind": "logic",
                "title": "Old?",
                "rules": [{"when": "age > 3", "next": "n3", "label": "x" * 201}],
                "default": "n4",
            }
        )
        response = await client.put(
            f"{TREES}/{tree['id']}", headers=headers, json={"base_revision": 1, "graph": data}
        )
        assert response.status_code == 422
        assert "graph.nodes.4.rules.0.label" in response.text, response.text
        assert await fresh.val("SELECT draft_revision FROM trees") == 1

    async def test_check_names_errors_at_their_position_and_evaluates(
        self, client: httpx.AsyncClient
    ) -> None:
        _, headers = await signed_in(client)
        variables = [
            {"name": "region", "label": "Region", "type": "text"},
            {"name": "age_years", "label": "Age", "type": "number"},
        ]

        async def check(expression: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
            response = await client.post(
                f"{TREES}/logic/check",
                headers=headers,
                json={"expression": expression, "variables": variables, "values": values or {}},
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        good = await check('region in ["eu", "uk"] and age_years >= 3', {"region": "eu"})
        assert (good["ok"], good["error"], good["result"]) == (True, None, False)
        assert good["variables_used"] == ["age_years", "region"]
        true = await check(
            'region in ["eu", "uk"] and age_years >= 3', {"region": "uk", "age_years": "4"}
        )
        assert true["result"] is True

        broken = await check('region = "eu"')
        assert broken["ok"] is False and broken["result"] is None
        assert broken["error"]["position"] == 7 and "==" in broken["error"]["message"]

        unknown = await check("age_years > 1 and colour == 'red'")
        assert unknown["error"] == {
            "message": "The variable 'colour' is not declared in the tree's variables.",
            "position": 18,
            "length": 6,
        }

    async def test_grammar_lists_operators_and_keywords(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        _, tech = await member(client, headers, "technician")
        response = await client.get(f"{TREES}/logic/grammar", headers=headers)
        texts = {item["text"] for item in response.json()["items"]}
        assert {"==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "in", "true"} <= texts
        assert (await client.get(f"{TREES}/logic/grammar", headers=tech)).status_code == 403
