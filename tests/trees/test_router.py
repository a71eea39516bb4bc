"""Trees through the HTTP API: authoring, drafts, publishing, versions, categories, tags, search,
export and import, roles and tenant isolation, and bad input."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import Fresh
from tests.helpers import error_code, signed_in
from tests.trees.factories import (
    GRAPH,
    create_tree,
    graph,
    member,
    publish,
    published_tree,
    upgrade_plan,
)
from troubletree.core.db import Database
from troubletree.trees import search, service
from troubletree.trees.repository import search as search_queries

TREES = "/api/v1/trees"


async def tree_count(fresh: Fresh, account_id: str) -> int:
    return int(
        await fresh.val("SELECT count(*) FROM trees WHERE account_id = $1", uuid.UUID(account_id))
    )


async def tag_counts(fresh: Fresh) -> dict[str, tuple[int, int]]:
    """name -> (usage_count, live trees really carrying it)."""
    rows = await fresh.fetch(
        "SELECT g.name, g.usage_count, "
        "(SELECT count(*) FROM tree_tags tt JOIN trees t ON t.id = tt.tree_id "
        " WHERE tt.tag_id = g.id AND t.deleted_at IS NULL) AS live FROM tags g"
    )
    return {r["name"]: (r["usage_count"], r["live"]) for r in rows}


@pytest.fixture
def node_scan_cap(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """Sets the search's collect-or-walk threshold (statements are cached per shape)."""

    def set_cap(cap: int) -> None:
        monkeypatch.setattr(search_queries, "NODE_SCAN_CAP", cap)
        search_queries.search_statement.cache_clear()
        search_queries.search_probe.cache_clear()

    yield set_cap
    search_queries.search_statement.cache_clear()
    search_queries.search_probe.cache_clear()


# --------------------------------------------------------------------------- create and read


class TestCreateAndRead:
    async def test_create_with_category_tags_and_graph(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user, headers = await signed_in(client)
        category = (
            await client.post(f"{TREES}/categories", headers=headers, json={"name": "Printers"})
        ).json()
        tree = await create_tree(
            client,
            headers,
            "Paper jam",
            description="Tray 2 jams",
            category_id=category["id"],
            tags=["Paper", "laser", "LASER "],
            graph=GRAPH,
        )
        assert tree["status"] == "draft" and tree["draft_revision"] == 1
        assert tree["category"] == {"id": category["id"], "name": "Printers"}
        assert tree["tags"] == ["laser", "Paper"]  # one tag per name, case-insensitively
        assert tree["draft"]["graph"]["nodes"][0]["title"] == "Does the device power on?"
        assert tree["published"] is None and tree["current_version"] is None
        assert tree["created_by"] == user["user"]["id"]
        assert await tag_counts(fresh) == {"laser": (1, 1), "Paper": (1, 1)}

        again = await client.get(f"{TREES}/{tree['id']}", headers=headers)
        assert again.status_code == 200
        assert again.json()["draft"] == tree["draft"]

    async def test_create_without_graph_starts_empty(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers)
        assert tree["draft"]["graph"] == {"start": None, "variables": [], "nodes": []}

    async def test_existing_tags_are_reused_by_name_and_id(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        await create_tree(client, headers, "One", tags=["wifi"])
        tags = (await client.get(f"{TREES}/tags", headers=headers)).json()
        await create_tree(client, headers, "Two", tags=["WiFi"])
        await create_tree(client, headers, "Three", tag_ids=[tags[0]["id"]], tags=["wifi"])
        assert await tag_counts(fresh) == {"wifi": (3, 3)}
        listed = (await client.get(f"{TREES}/tags", headers=headers)).json()
        assert [(t["name"], t["usage_count"]) for t in listed] == [("wifi", 3)]


# --------------------------------------------------------------------------- bad input


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "field", "code"),
        [
            ({"title": ""}, "title", "string_too_short"),
            ({"title": "   "}, "title", "string_too_short"),
            ({"title": "x" * 500}, "title", "string_too_long"),
            ({}, "title", "missing"),
            ({"title": "T", "description": "d" * 5001}, "description", "string_too_long"),
            ({"title": "T", "status": "published"}, "status", "field_not_allowed"),
            ({"title": "T", "account_id": str(uuid.uuid4())}, "account_id", "field_not_allowed"),
            ({"title": "T", "tags": [""]}, "tags.0", "string_too_short"),
            ({"title": "T", "tags": ["x" * 51]}, "tags.0", "string_too_long"),
            ({"title": "T", "tags": ["bad\u0007bell"]}, "tags.0", "invalid_characters"),
            ({"title": "T", "tags": [f"t{i}" for i in range(21)]}, "tags", "too_long"),
            ({"title": "T", "category_id": "nope"}, "category_id", "uuid_parsing"),
            ({"title": "T", "graph": []}, "graph", "model_attributes_type"),
            (
                {"title": "T", "graph": {"nodes": [{"id": "a", "kind": "maybe"}]}},
                "graph.nodes.0.kind",
                "literal_error",
            ),
            (
                {"title": "T", "graph": {"nodes": [{"kind": "solution"}]}},
                "graph.nodes.0.id",
                "missing",
            ),
            (
                {
                    "title": "T",
                    "graph": {"nodes": [{"id": "a", "kind": "solution", "body": "x" * 65537}]},
                },
                "graph.nodes.0.body",
                "body_too_large",
            ),
            (
                {
                    "title": "T",
                    "graph": {
                        "nodes": [
                            {
                                "id": "a",
                                "kind": "question",
                                "options": [{"id": f"o{i}", "label": "x"} for i in range(101)],
                            }
                        ]
                    },
                },
                "graph.nodes.0.options",
                "too_long",
            ),
            (
                {
                    "title": "T",
                    "graph": {"nodes": [{"id": "a", "kind": "solution", "body": "\x00"}]},
                },
                "graph",  # StrictBody refuses NUL anywhere in a field, before the graph model
                "value_error",
            ),
            ({"title": "T", "description": "nul \x00"}, "description", "value_error"),
            ({"title": "T \x00"}, "title", "value_error"),
            (
                {"title": "T", "graph": {"nodes": [{"id": "a", "kind": "solution", "x": 1}]}},
                "graph.nodes.0.x",
                "field_not_allowed",
            ),
        ],
    )
    async def test_clear_422_naming_the_field_and_nothing_written(
        self,
        client: httpx.AsyncClient,
        fresh: Fresh,
        body: dict[str, Any],
        field: str,
        code: str,
    ) -> None:
        user, headers = await signed_in(client)
        response = await client.post(TREES, headers=headers, json=body)
        assert response.status_code == 422, response.text
        assert {"field": field, "code": code} in [
            {"field": d["field"], "code": d["code"]} for d in response.json()["detail"]
        ]
        assert await tree_count(fresh, user["account"]["id"]) == 0
        assert await fresh.val("SELECT count(*) FROM tags") == 0

    async def test_malformed_json(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        user, headers = await signed_in(client)
        response = await client.post(
            TREES,
            content=b'{"title": "T", "graph": {"nodes": [',
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert error_code(response) == "invalid_json"
        assert await tree_count(fresh, user["account"]["id"]) == 0

    async def test_graph_at_the_limits_is_accepted(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        nodes = [
            {
                "id": "a",
                "kind": "question",
                "title": "Q",
                "body": "é" * 32768,
                "options": [{"id": f"o{i}", "label": "x", "next": "b"} for i in range(100)],
            },
            {"id": "b", "kind": "solution", "title": "S"},
        ]
        response = await client.post(
            TREES, headers=headers, json={"title": "x" * 200, "graph": {"nodes": nodes}}
        )
        assert response.status_code == 201, response.text

    async def test_foreign_category_and_tag_ids(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, other = await signed_in(client)
        foreign_category = (
            await client.post(f"{TREES}/categories", headers=other, json={"name": "Theirs"})
        ).json()["id"]
        await create_tree(client, other, "Theirs", tags=["secret"])
        foreign_tag = (await client.get(f"{TREES}/tags", headers=other)).json()[0]["id"]

        user, headers = await signed_in(client)
        response = await client.post(
            TREES, headers=headers, json={"title": "T", "category_id": foreign_category}
        )
        assert response.status_code == 422
        assert response.json()["detail"]["code"] == "unknown_category"
        assert response.json()["detail"]["field"] == "category_id"
        response = await client.post(
            TREES, headers=headers, json={"title": "T", "tags": ["mine"], "tag_ids": [foreign_tag]}
        )
        assert response.status_code == 422
        assert response.json()["detail"] == {
            "code": "unknown_tag",
            "message": "No such tag in this account.",
            "field": "tag_ids.0",
        }
        assert await tree_count(fresh, user["account"]["id"]) == 0
        assert await fresh.val("SELECT count(*) FROM tags WHERE name = 'mine'") == 0

        mine = await create_tree(client, headers, "Mine")
        response = await client.put(
            f"{TREES}/{mine['id']}",
            headers=headers,
            json={"base_revision": 1, "title": "Changed", "category_id": foreign_category},
        )
        assert response.status_code == 422
        assert (await client.get(f"{TREES}/{mine['id']}", headers=headers)).json()[
            "title"
        ] == "Mine"

    async def test_update_refuses_null_for_required_fields(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers)
        for field in ("title", "graph", "tags"):
            response = await client.put(
                f"{TREES}/{tree['id']}", headers=headers, json={"base_revision": 1, field: None}
            )
            assert response.status_code == 422
            assert response.json()["detail"][0]["field"] == field
        response = await client.put(
            f"{TREES}/{tree['id']}", headers=headers, json={"title": "No revision"}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "base_revision"

    async def test_revisions_past_the_column_range_are_422(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers)
        for path, body in [
            ("", {"title": "T"}),
            ("/publish", {}),
            ("/versions/1/restore", {}),
        ]:
            response = await client.request(
                "POST" if path else "PUT",
                f"{TREES}/{tree['id']}{path}",
                headers=headers,
                json={**body, "base_revision": 2**31},
            )
            assert response.status_code == 422, path
            assert response.json()["detail"][0]["field"] == "base_revision"
        detail = (await client.get(f"{TREES}/{tree['id']}", headers=headers)).json()
        assert (detail["title"], detail["draft_revision"]) == ("Printer does not print", 1)

    @pytest.mark.parametrize(
        "path",
        [
            "/search?q=%20%20",
            "/search?q=",
            "?limit=0",
            "?limit=101",
            "?sort=random",
            "?status=gone",
            "?cursor=!!!",
            "/search?q=a&cursor=abc",
        ],
    )
    async def test_bad_query_parameters(self, client: httpx.AsyncClient, path: str) -> None:
        _, headers = await signed_in(client)
        response = await client.get(f"{TREES}{path}", headers=headers)
        assert response.status_code == 422, response.text


# --------------------------------------------------------------------------- drafts


class TestDraftSaves:
    async def test_save_moves_the_revision_and_stale_save_is_409(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers, graph=GRAPH)
        url = f"{TREES}/{tree['id']}"
        first = await client.put(
            url,
            headers=headers,
            json={"base_revision": 1, "graph": graph(start="n2"), "description": "Mine"},
        )
        assert first.status_code == 200
        assert first.json()["draft_revision"] == 2
        assert first.json()["draft"]["graph"]["start"] == "n2"

        stale = await client.put(
            url,
            headers=headers,
            json={"base_revision": 1, "graph": graph(start="n3"), "title": "Theirs"},
        )
        assert stale.status_code == 409
        assert stale.json()["detail"]["code"] == "draft_conflict"
        assert stale.json()["detail"]["current_revision"] == 2
        row = await fresh.fetch(
            "SELECT title, description, draft_revision, draft_graph->>'start'"
            " AS start FROM trees WHERE id = $1",
            uuid.UUID(tree["id"]),
        )
        assert dict(row[0]) == {
            "title": tree["title"],
            "description": "Mine",
            "draft_revision": 2,
            "start": "n2",
        }

    async def test_tags_are_replaced_and_counted(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers, tags=["a", "b"])
        await create_tree(client, headers, "Other", tags=["b"])
        response = await client.put(
            f"{TREES}/{tree['id']}", headers=headers, json={"base_revision": 1, "tags": ["B", "c"]}
        )
        assert response.json()["tags"] == ["b", "c"]
        assert await tag_counts(fresh) == {"a": (0, 0), "b": (2, 2), "c": (1, 1)}
        response = await client.put(
            f"{TREES}/{tree['id']}", headers=headers, json={"base_revision": 2, "tags": []}
        )
        assert response.json()["tags"] == []
        assert await tag_counts(fresh) == {"a": (0, 0), "b": (1, 1), "c": (0, 0)}
        # A save that leaves tags out keeps them.
        other_id = (await client.get(TREES, headers=headers, params={"tag": "b"})).json()["items"][
            0
        ]["id"]
        response = await client.put(
            f"{TREES}/{other_id}", headers=headers, json={"base_revision": 1, "title": "Renamed"}
        )
        assert response.json()["tags"] == ["b"]

    async def test_category_can_be_set_and_cleared(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        category = (
            await client.post(f"{TREES}/categories", headers=headers, json={"name": "Network"})
        ).json()
        tree = await create_tree(client, headers)
        set_ = await client.put(
            f"{TREES}/{tree['id']}",
            headers=headers,
            json={"base_revision": 1, "category_id": category["id"]},
        )
        assert set_.json()["category"]["name"] == "Network"
        cleared = await client.put(
            f"{TREES}/{tree['id']}", headers=headers, json={"base_revision": 2, "category_id": None}
        )
        assert cleared.json()["category"] is None

    async def test_validate_reports_problems_without_publishing(
        self, client: httpx.AsyncClient
    ) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(
            client,
            headers,
            graph={
                "nodes": [
                    {
                        "id": "a",
                        "kind": "question",
                        "title": "Q",
                        "options": [{"id": "o", "label": "x", "next": "ghost"}],
                    }
                ]
            },
        )
        report = (await client.post(f"{TREES}/{tree['id']}/validate", headers=headers)).json()
        assert report["is_valid"] is False
        assert {(p["node_id"], p["field"], p["code"]) for p in report["problems"]} >= {
            (None, "graph.start", "missing_start"),
            ("a", "graph.nodes[0].options[0].next", "dangling_next"),
        }
        ok = await create_tree(client, headers, "Fine", graph=GRAPH)
        report = (await client.post(f"{TREES}/{ok['id']}/validate", headers=headers)).json()
        assert report == {"is_valid": True, "problems": []}


# --------------------------------------------------------------------------- publishing


class TestPublish:
    async def test_invalid_graph_names_every_problem(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        bad = graph()
        bad["nodes"][0]["options"][0]["next"] = "n9"  # dangling
        bad["nodes"][2]["options"] = [{"id": "o7", "label": "Again", "next": "n1"}]  # terminal
        bad["nodes"].append({"id": "n5", "kind": "solution", "title": "Lonely"})  # unreachable
        bad["nodes"].append({"id": "n1", "kind": "solution", "title": "Twin"})  # duplicate
        tree = await create_tree(client, headers, graph=bad)
        response = await client.post(f"{TREES}/{tree['id']}/publish", headers=headers, json={})
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert detail["code"] == "graph_invalid" and detail["field"] == "graph"
        found = {(p["node_id"], p["field"], p["code"]) for p in detail["problems"]}
        assert found >= {
            ("n1", "graph.nodes[0].options[0].next", "dangling_next"),
            ("n3", "graph.nodes[2].options", "terminal_has_options"),
            ("n5", "graph.nodes[4]", "unreachable"),
            ("n1", "graph.nodes[5].id", "duplicate_node_id"),
        }
        assert await fresh.val("SELECT count(*) FROM tree_versions") == 0
        assert await fresh.val("SELECT status FROM trees") == "draft"

    async def test_versions_are_numbered_immutable_and_comparable(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers, graph=GRAPH)
        url = f"{TREES}/{tree['id']}"
        v1 = await publish(client, headers, tree["id"], "First release")
        assert (v1["number"], v1["changelog"]) == (1, "First release")
        again = await client.post(f"{url}/publish", headers=headers, json={})
        assert again.status_code == 409 and error_code(again) == "nothing_to_publish"

        changed = graph()
        changed["nodes"][2]["title"] = "Swap the power supply"
        changed["nodes"].append({"id": "n5", "kind": "escalation", "title": "Call the vendor"})
        changed["nodes"][1]["options"].append({"id": "o9", "label": "Vendor", "next": "n5"})
        await client.put(url, headers=headers, json={"base_revision": 1, "graph": changed})
        v2 = await publish(client, headers, tree["id"], "Vendor path")
        assert v2["number"] == 2

        detail = (await client.get(url, headers=headers)).json()
        assert detail["status"] == "published"
        assert detail["current_version"]["number"] == 2
        assert detail["published"]["graph"]["nodes"][2]["title"] == "Swap the power supply"

        versions = (await client.get(f"{url}/versions", headers=headers)).json()
        assert [(v["number"], v["changelog"]) for v in versions["items"]] == [
            (2, "Vendor path"),
            (1, "First release"),
        ]
        old = (await client.get(f"{url}/versions/1", headers=headers)).json()
        assert old["graph"]["nodes"][2]["title"] == "Replace the power supply"
        assert (await client.get(f"{url}/versions/3", headers=headers)).status_code == 404

        diff = (
            await client.get(
                f"{url}/versions/compare", headers=headers, params={"from": 1, "to": 2}
            )
        ).json()
        assert [n["id"] for n in diff["nodes_added"]] == ["n5"]
        assert diff["nodes_removed"] == []
        changes = {c["node_id"]: c for c in diff["nodes_changed"]}
        assert changes["n3"]["changes"] == [
            {
                "field": "title",
                "before": "Replace the power supply",
                "after": "Swap the power supply",
            }
        ]
        assert [o["id"] for o in changes["n2"]["options_added"]] == ["o9"]

        # The database refuses to change a published version.
        with pytest.raises(asyncpg.RestrictViolationError, match="immutable"):
            await fresh.execute("UPDATE tree_versions SET changelog = 'rewritten' WHERE number = 1")

    async def test_restore_copies_a_version_into_the_draft(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        tree = await published_tree(client, headers)
        url = f"{TREES}/{tree['id']}"
        await client.put(url, headers=headers, json={"base_revision": 1, "graph": {"nodes": []}})
        stale = await client.post(
            f"{url}/versions/1/restore", headers=headers, json={"base_revision": 1}
        )
        assert stale.status_code == 409 and stale.json()["detail"]["current_revision"] == 2
        restored = await client.post(
            f"{url}/versions/1/restore", headers=headers, json={"base_revision": 2}
        )
        assert restored.status_code == 200
        assert restored.json()["draft_revision"] == 3
        assert restored.json()["draft"]["graph"] == restored.json()["published"]["graph"]
        diff = (
            await client.get(
                f"{url}/versions/compare", headers=headers, params={"from": 1, "to": "draft"}
            )
        ).json()
        assert diff["nodes_added"] == diff["nodes_removed"] == diff["nodes_changed"] == []

    async def test_publish_with_stale_base_revision(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers, graph=GRAPH)
        await client.put(
            f"{TREES}/{tree['id']}",
            headers=headers,
            json={"base_revision": 1, "title": "New title"},
        )
        response = await client.post(
            f"{TREES}/{tree['id']}/publish", headers=headers, json={"base_revision": 1}
        )
        assert response.status_code == 409
        assert response.json()["detail"]["current_revision"] == 2

    async def test_logic_nodes_and_their_expressions(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        data = graph(
            start="route",
            variables=[
                {
                    "name": "power_status",
                    "label": "Power",
                    "type": "choice",
                    "choices": ["on", "off"],
                },
                {"name": "age_years", "label": "Age", "type": "number"},
            ],
        )
        data["nodes"].insert(
            0,
            {
                "id": "route",
                "kind": "logic",
                "title": "Route",
                "rules": [
                    {"when": 'power_status == "off"', "next": "n3"},
                    {"when": "age_years >= 3 and", "next": "n4"},
                    {"when": "colour == 'red'", "next": "n4"},
                ],
                "default": "n1",
            },
        )
        tree = await create_tree(client, headers, graph=data)
        response = await client.post(f"{TREES}/{tree['id']}/publish", headers=headers, json={})
        problems = {(p["field"], p["code"]) for p in response.json()["detail"]["problems"]}
        assert problems == {
            ("graph.nodes[0].rules[1].when", "invalid_expression"),
            ("graph.nodes[0].rules[2].when", "unknown_variable"),
        }
        data["nodes"][0]["rules"] = data["nodes"][0]["rules"][:1]
        await client.put(
            f"{TREES}/{tree['id']}", headers=headers, json={"base_revision": 1, "graph": data}
        )
        assert (
            await client.post(f"{TREES}/{tree['id']}/publish", headers=headers, json={})
        ).status_code == 201

    async def test_link_nodes_need_a_published_tree_of_the_account(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, other = await signed_in(client)
        foreign = await published_tree(client, other, "Theirs")
        user, headers = await signed_in(client)
        await upgrade_plan(fresh, user["account"]["id"])
        target = await create_tree(client, headers, "Target", graph=GRAPH)

        def linking(tree_id: str) -> dict[str, Any]:
            data = graph()
            data["nodes"][3] = {"id": "n4", "kind": "link", "title": "Continue", "tree_id": tree_id}
            return data

        for tree_id in (target["id"], foreign["id"], str(uuid.uuid4())):
            tree = await create_tree(client, headers, "Linking", graph=linking(tree_id))
            response = await client.post(f"{TREES}/{tree['id']}/publish", headers=headers, json={})
            assert response.status_code == 422
            assert [(p["node_id"], p["code"]) for p in response.json()["detail"]["problems"]] == [
                ("n4", "link_not_published")
            ]
        await publish(client, headers, target["id"])
        tree = await create_tree(client, headers, "Linking", graph=linking(target["id"]))
        await publish(client, headers, tree["id"])


# --------------------------------------------------------------------------- deleting


class TestDelete:
    async def test_soft_delete_keeps_versions_and_releases_tags(
        self, client: httpx.AsyncClient, fresh: Fresh, database: Database
    ) -> None:
        user, headers = await signed_in(client)
        tree = await published_tree(client, headers, tags=["psu", "hardware"])
        await create_tree(client, headers, "Keeps a tag", tags=["psu"])
        version_id = tree_version = (
            await client.get(f"{TREES}/{tree['id']}", headers=headers)
        ).json()["current_version"]["id"]

        assert (await client.delete(f"{TREES}/{tree['id']}", headers=headers)).status_code == 204
        assert (await client.get(f"{TREES}/{tree['id']}", headers=headers)).status_code == 404
        assert (await client.delete(f"{TREES}/{tree['id']}", headers=headers)).status_code == 404
        assert (
            await client.get(f"{TREES}/{tree['id']}/versions/1", headers=headers)
        ).status_code == 404
        listed = (await client.get(TREES, headers=headers)).json()["items"]
        assert [t["title"] for t in listed] == ["Keeps a tag"]
        assert await tag_counts(fresh) == {"psu": (1, 1), "hardware": (0, 0)}
        assert await fresh.val(
            "SELECT deleted_at IS NOT NULL FROM trees WHERE id = $1", uuid.UUID(tree["id"])
        )
        assert await fresh.val(
            "SELECT actor_id FROM audit_events WHERE subject = $1 AND action = 'tree_deleted'",
            tree["id"],
        ) == uuid.UUID(user["user"]["id"])
        # The version a session pinned stays readable for it.
        async with database.sessionmaker() as db:
            version, pinned = await service.get_version_for_session(
                db, uuid.UUID(user["account"]["id"]), uuid.UUID(version_id)
            )
        assert str(version.id) == tree_version and pinned.start == "n1"
        # The slot is free again for the plan.
        usage = (await client.get(f"{TREES}/usage", headers=headers)).json()
        assert usage == {"trees": 1, "max_trees": 3}


# --------------------------------------------------------------------------- roles


class TestRoles:
    async def test_technicians_see_published_trees_only(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        published = await published_tree(client, admin, "Power supply")
        draft = await create_tree(client, admin, "Power draft")
        _, tech = await member(client, admin, "technician")

        listed = (await client.get(TREES, headers=tech)).json()["items"]
        assert [t["id"] for t in listed] == [published["id"]]
        assert (await client.get(TREES, headers=tech, params={"status": "draft"})).json()[
            "items"
        ] == []
        detail = (await client.get(f"{TREES}/{published['id']}", headers=tech)).json()
        assert detail["draft"] is None and detail["published"]["number"] == 1
        assert (await client.get(f"{TREES}/{draft['id']}", headers=tech)).status_code == 404
        hits = (await client.get(f"{TREES}/search", headers=tech, params={"q": "power"})).json()[
            "items"
        ]
        assert [h["tree"]["id"] for h in hits] == [published["id"]]
        compare = await client.get(
            f"{TREES}/{published['id']}/versions/compare",
            headers=tech,
            params={"from": 1, "to": "draft"},
        )
        assert compare.status_code == 404

        # Taking a tree off line hides it from technicians again.
        await client.put(
            f"{TREES}/{published['id']}",
            headers=admin,
            json={"base_revision": 1, "status": "archived"},
        )
        assert (await client.get(f"{TREES}/{published['id']}", headers=tech)).status_code == 404
        assert (await client.get(TREES, headers=tech)).json()["items"] == []

    async def test_what_each_role_may_do(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        tree = await published_tree(client, admin)
        _, tech = await member(client, admin, "technician")
        _, engineer = await member(client, admin, "engineer")
        url = f"{TREES}/{tree['id']}"

        for attempt in (
            client.post(TREES, headers=tech, json={"title": "T"}),
            client.put(url, headers=tech, json={"base_revision": 1, "title": "T"}),
            client.post(f"{url}/publish", headers=tech, json={}),
            client.post(f"{url}/validate", headers=tech),
            client.get(f"{url}/export", headers=tech),
            client.post(f"{url}/versions/1/restore", headers=tech, json={"base_revision": 1}),
            client.delete(url, headers=tech),
            client.post(f"{TREES}/categories", headers=tech, json={"name": "X"}),
            client.delete(url, headers=engineer),
        ):
            response = await attempt
            assert response.status_code == 403, response.text
            assert error_code(response) == "role_required"

        made = await create_tree(client, engineer, "By an engineer", graph=GRAPH)
        await publish(client, engineer, made["id"])
        assert (
            await client.put(url, headers=engineer, json={"base_revision": 1, "title": "T2"})
        ).status_code == 200
        assert (
            await client.post(f"{TREES}/categories", headers=engineer, json={"name": "X"})
        ).status_code == 201
        assert (await client.delete(url, headers=admin)).status_code == 204

    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        for path in ("", "/search?q=x", "/tags", "/categories", "/usage", f"/{uuid.uuid4()}"):
            assert (await client.get(f"{TREES}{path}")).status_code == 401


# --------------------------------------------------------------------------- tenants


class TestTenantIsolation:
    async def test_foreign_ids_answer_404_and_change_nothing(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, owner = await signed_in(client)
        tree = await published_tree(client, owner, "Secret tree", tags=["secret"])
        category = (
            await client.post(f"{TREES}/categories", headers=owner, json={"name": "Secret"})
        ).json()
        before = await fresh.fetch("SELECT * FROM trees ORDER BY id")

        _, intruder = await signed_in(client)
        url = f"{TREES}/{tree['id']}"
        for attempt in (
            client.get(url, headers=intruder),
            client.put(url, headers=intruder, json={"base_revision": 1, "title": "Mine"}),
            client.delete(url, headers=intruder),
            client.post(f"{url}/publish", headers=intruder, json={}),
            client.post(f"{url}/validate", headers=intruder),
            client.get(f"{url}/versions", headers=intruder),
            client.get(f"{url}/versions/1", headers=intruder),
            client.get(f"{url}/versions/compare?from=1&to=1", headers=intruder),
            client.post(f"{url}/versions/1/restore", headers=intruder, json={"base_revision": 1}),
            client.get(f"{url}/export", headers=intruder),
            client.patch(
                f"{TREES}/categories/{category['id']}", headers=intruder, json={"name": "Mine"}
            ),
            client.delete(f"{TREES}/categories/{category['id']}", headers=intruder),
        ):
            response = await attempt
            assert response.status_code == 404, response.text
            assert "Secret" not in response.text and tree["id"] not in response.text

        for path in ("", "/tags", "/categories", "/search?q=secret"):
            body = (await client.get(f"{TREES}{path}", headers=intruder)).text
            assert "ecret" not in body and tree["id"] not in body
        assert await fresh.fetch("SELECT * FROM trees ORDER BY id") == before


# --------------------------------------------------------------------------- lists


class TestList:
    async def test_filters(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        user, admin = await signed_in(client)
        await upgrade_plan(fresh, user["account"]["id"])
        _, engineer = await member(client, admin, "engineer")
        category = (
            await client.post(f"{TREES}/categories", headers=admin, json={"name": "Printers"})
        ).json()
        a = await published_tree(
            client, admin, "A", tags=["laser", "paper"], category_id=category["id"]
        )
        b = await create_tree(client, engineer, "B", tags=["laser"])
        c = await create_tree(client, admin, "C", category_id=category["id"])

        async def ids(**params: Any) -> set[str]:
            response = await client.get(TREES, headers=admin, params=params)
            assert response.status_code == 200, response.text
            return {t["id"] for t in response.json()["items"]}

        assert await ids() == {a["id"], b["id"], c["id"]}
        assert await ids(status="published") == {a["id"]}
        assert await ids(status="draft") == {b["id"], c["id"]}
        assert await ids(category_id=category["id"]) == {a["id"], c["id"]}
        assert await ids(tag="LASER") == {a["id"], b["id"]}
        assert await ids(tag=["laser", "paper"]) == {a["id"]}
        assert await ids(tag="nothing") == set()
        assert await ids(created_by=b["created_by"]) == {b["id"]}
        assert await ids(category_id=str(uuid.uuid4())) == set()

    @pytest.mark.parametrize("sort", ["title", "updated", "most_used"])
    async def test_sorted_pages_cover_everything_once(
        self, client: httpx.AsyncClient, fresh: Fresh, database: Database, sort: str
    ) -> None:
        user, headers = await signed_in(client)
        account_id = uuid.UUID(user["account"]["id"])
        await upgrade_plan(fresh, account_id)
        titles = ["delta", "Alpha", "charlie", "bravo", "echo", "Echo", "foxtrot"]
        made = [await create_tree(client, headers, title) for title in titles]
        async with database.sessionmaker() as db:
            for i, tree in enumerate(made):
                for _ in range(i % 3):
                    await service.record_tree_use(db, account_id, uuid.UUID(tree["id"]))
            await db.commit()

        seen: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"sort": sort, "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get(TREES, headers=headers, params=params)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(titles)
        assert {t["id"] for t in seen} == {t["id"] for t in made}
        if sort == "title":
            assert [t["title"].lower() for t in seen] == sorted(t.lower() for t in titles)
        elif sort == "updated":
            assert [t["updated_at"] for t in seen] == sorted(
                (t["updated_at"] for t in seen), reverse=True
            )
        else:
            assert [t["usage_count"] for t in seen] == [2, 2, 1, 1, 0, 0, 0]

        other_sort = "title" if sort != "title" else "updated"
        first = (await client.get(TREES, headers=headers, params={"sort": sort, "limit": 2})).json()
        response = await client.get(
            TREES, headers=headers, params={"sort": other_sort, "cursor": first["next_cursor"]}
        )
        assert response.status_code == 422 and error_code(response) == "invalid_cursor"

    async def test_forged_cursors_are_422(self, client: httpx.AsyncClient) -> None:
        """A cursor is opaque but comes from the client: any key that does not fit the list's
        column (wrong type, out of the integer range, malformed) is 422, never a database error."""
        _, headers = await signed_in(client)
        tree = await published_tree(client, headers)
        some_id = str(uuid.uuid4())
        cases = [
            (TREES, {"sort": "most_used"}, ["trees:most_used", 2**40, some_id]),
            (TREES, {"sort": "most_used"}, ["trees:most_used", True, some_id]),
            (TREES, {"sort": "updated"}, ["trees:updated", "yesterday", some_id]),
            (TREES, {"sort": "title"}, ["trees:title", "a", "not-a-uuid"]),
            (f"{TREES}/search", {"q": "power"}, ["search", [0, 1.0, 2**40], some_id]),
            (f"{TREES}/search", {"q": "power"}, ["search", {"a": 1, "b": 2, "c": 3}, some_id]),
            (f"{TREES}/{tree['id']}/versions", {}, ["versions", -(2**40), some_id]),
            ("/api/v1/sessions", {}, ["sessions", "2026-13-45", some_id]),
        ]
        for path, params, raw in cases:
            cursor = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
            response = await client.get(path, headers=headers, params={**params, "cursor": cursor})
            assert response.status_code == 422, (path, raw, response.text)
            assert error_code(response) == "invalid_cursor"

    async def test_usage(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        user, headers = await signed_in(client)
        await create_tree(client, headers)
        assert (await client.get(f"{TREES}/usage", headers=headers)).json() == {
            "trees": 1,
            "max_trees": 3,
        }
        await upgrade_plan(fresh, user["account"]["id"])
        assert (await client.get(f"{TREES}/usage", headers=headers)).json() == {
            "trees": 1,
            "max_trees": None,
        }


# --------------------------------------------------------------------------- plan limits


class TestPlanLimit:
    async def test_free_plan_allows_three_trees(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user, headers = await signed_in(client)
        trees = [await create_tree(client, headers, f"T{i}") for i in range(3)]
        response = await client.post(TREES, headers=headers, json={"title": "Fourth"})
        assert response.status_code == 403
        assert response.json()["detail"]["code"] == "plan_limit_reached"
        assert response.json()["detail"]["max_trees"] == 3
        imported = await client.post(
            f"{TREES}/import", headers=headers, json={"tree": {"title": "Imported"}, "graph": GRAPH}
        )
        assert imported.status_code == 403
        assert await tree_count(fresh, user["account"]["id"]) == 3

        await client.delete(f"{TREES}/{trees[0]['id']}", headers=headers)
        await create_tree(client, headers, "Fits again")

    async def test_downgrade_blocks_creates_but_keeps_trees(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user, headers = await signed_in(client)
        await upgrade_plan(fresh, user["account"]["id"])
        for i in range(5):
            await create_tree(client, headers, f"T{i}")
        await fresh.execute(
            "UPDATE accounts SET plan_id = (SELECT id FROM plans "
            "WHERE code = 'free') WHERE id = $1",
            uuid.UUID(user["account"]["id"]),
        )
        response = await client.post(TREES, headers=headers, json={"title": "One more"})
        assert error_code(response) == "plan_limit_reached"
        assert len((await client.get(TREES, headers=headers)).json()["items"]) == 5


# --------------------------------------------------------------------------- categories and tags


class TestCategories:
    async def test_create_rename_delete(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        _, tech = await member(client, headers, "technician")
        made = await client.post(
            f"{TREES}/categories", headers=headers, json={"name": "  Network   gear "}
        )
        assert made.status_code == 201
        category = made.json()
        assert (category["name"], category["slug"]) == ("Network gear", "network-gear")
        duplicate = await client.post(
            f"{TREES}/categories", headers=headers, json={"name": "NETWORK GEAR"}
        )
        assert duplicate.status_code == 409 and error_code(duplicate) == "category_exists"

        tree = await published_tree(client, headers, "Router resets", category_id=category["id"])
        await create_tree(client, headers, "Draft in it", category_id=category["id"])
        listed = (await client.get(f"{TREES}/categories", headers=headers)).json()
        assert [(c["name"], c["tree_count"]) for c in listed] == [("Network gear", 2)]
        listed = (await client.get(f"{TREES}/categories", headers=tech)).json()
        assert [(c["name"], c["tree_count"]) for c in listed] == [("Network gear", 1)]

        other = (
            await client.post(f"{TREES}/categories", headers=headers, json={"name": "Wireless"})
        ).json()
        taken = await client.patch(
            f"{TREES}/categories/{other['id']}", headers=headers, json={"name": "network gear"}
        )
        assert taken.status_code == 409
        renamed = await client.patch(
            f"{TREES}/categories/{category['id']}", headers=headers, json={"name": "Routers"}
        )
        assert renamed.json()["name"] == "Routers"
        hits = (
            await client.get(f"{TREES}/search", headers=headers, params={"q": "routers"})
        ).json()["items"]
        assert tree["id"] in [h["tree"]["id"] for h in hits]

        deleted = await client.delete(f"{TREES}/categories/{category['id']}", headers=headers)
        assert deleted.status_code == 204
        assert (await client.get(f"{TREES}/{tree['id']}", headers=headers)).json()[
            "category"
        ] is None
        assert (
            await client.delete(f"{TREES}/categories/{category['id']}", headers=headers)
        ).status_code == 404

    async def test_tag_prefix(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        await create_tree(client, headers, tags=["printer", "Print_queue", "network"])
        listed = (
            await client.get(f"{TREES}/tags", headers=headers, params={"prefix": "PRINT"})
        ).json()
        assert sorted(t["name"] for t in listed) == ["Print_queue", "printer"]
        assert (
            await client.get(f"{TREES}/tags", headers=headers, params={"prefix": "print%"})
        ).json() == []


# --------------------------------------------------------------------------- search


class TestSearch:
    async def test_ranked_typo_tolerant_with_highlights(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user, headers = await signed_in(client)
        await upgrade_plan(fresh, user["account"]["id"])
        psu = await published_tree(client, headers, "Power supply")
        body_only = graph()
        body_only["nodes"][0]["body"] = "Check the power supply fuse first."
        await published_tree(client, headers, "Laptop will not boot", graph=body_only)
        await create_tree(client, headers, "Printer offline", description="Spooler stuck")

        async def search(q: str, **params: Any) -> list[dict[str, Any]]:
            response = await client.get(
                f"{TREES}/search", headers=headers, params={"q": q, **params}
            )
            assert response.status_code == 200, response.text
            items: list[dict[str, Any]] = response.json()["items"]
            return items

        hits = await search("power supply")
        assert [h["tree"]["title"] for h in hits] == ["Power supply", "Laptop will not boot"]
        assert hits[0]["score"] > hits[1]["score"]
        assert hits[0]["title_highlight"] == [{"text": "Power supply", "match": True}]
        assert {"text": "power", "match": True} in hits[1]["snippet"]

        typo = await search("pwoer supply")
        assert typo[0]["tree"]["id"] == psu["id"]
        # Each word within its typing-error budget: the title first, then the node text;
        # the body-only hit shows its full-text rank, not 0.
        forgiven = await search("pwer suply")
        assert [h["tree"]["title"] for h in forgiven] == ["Power supply", "Laptop will not boot"]
        assert forgiven[0]["score"] > forgiven[1]["score"] > 0
        assert {"text": "power", "match": True} in forgiven[1]["snippet"]

        spooler = await search("spooler")  # description, draft trees too for authors
        assert [h["tree"]["title"] for h in spooler] == ["Printer offline"]
        assert spooler[0]["snippet"] == [
            {"text": "Spooler", "match": True},
            {"text": " stuck", "match": False},
        ]
        assert await search("zebra") == []

    async def test_fields_that_are_searched(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        user, headers = await signed_in(client)
        await upgrade_plan(fresh, user["account"]["id"])
        category = (
            await client.post(f"{TREES}/categories", headers=headers, json={"name": "Kiosks"})
        ).json()
        tree = await published_tree(
            client, headers, "Touch screen frozen", tags=["calibration"], category_id=category["id"]
        )
        url = f"{TREES}/{tree['id']}"

        async def found(q: str) -> bool:
            hits = (await client.get(f"{TREES}/search", headers=headers, params={"q": q})).json()[
                "items"
            ]
            return tree["id"] in [h["tree"]["id"] for h in hits]

        assert await found("calibration")  # tag
        assert await found("kiosk")  # category, stemmed
        assert await found("reseat cable")  # node titles of the current version
        assert await found("status LED")  # node bodies
        assert not await found("sprocket")

        # Node text of the draft is not searched until it is published.
        changed = graph()
        changed["nodes"][3]["title"] = "Order a new sprocket"
        await client.put(
            url, headers=headers, json={"base_revision": 1, "graph": changed, "tags": ["touch"]}
        )
        assert not await found("sprocket")
        assert not await found("calibration") and await found("touch")
        await publish(client, headers, tree["id"])
        assert await found("sprocket")

        await client.delete(url, headers=headers)
        assert not await found("sprocket")

    async def test_pages(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        user, headers = await signed_in(client)
        await upgrade_plan(fresh, user["account"]["id"])
        for i in range(7):
            await create_tree(client, headers, f"Printer problem {i}", description="printer " * i)
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"q": "printer", "limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get(f"{TREES}/search", headers=headers, params=params)).json()
            seen += [h["tree"]["id"] for h in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 7

    @pytest.mark.parametrize("cap", [2000, 1], ids=["collect", "walk"])
    async def test_tiers_page_without_gaps_or_repeats(
        self,
        client: httpx.AsyncClient,
        fresh: Fresh,
        database: Database,
        node_scan_cap: Callable[[int], None],
        cap: int,
    ) -> None:
        """Title and tag matches first (by rank), then matches in description or node text
        (most used first), then typo matches on titles; pages of one cover them all once,
        whether the middle tier collects its matches or walks the usage index."""
        node_scan_cap(cap)
        user, headers = await signed_in(client)
        account_id = uuid.UUID(user["account"]["id"])
        await upgrade_plan(fresh, account_id)
        head = [await create_tree(client, headers, f"Gasket leak {i}") for i in range(3)]
        await create_tree(client, headers, "Pump", tags=["gasket"])
        in_nodes = []
        for i in range(4):
            data = graph()
            data["nodes"][2]["title"] = "Replace the gasket"
            in_nodes.append(await published_tree(client, headers, f"Dishwasher {i}", graph=data))
        typo = await create_tree(client, headers, "Gaskett drawer sticks")
        await create_tree(client, headers, "Unrelated")
        async with database.sessionmaker() as db:
            for i, tree in enumerate(in_nodes):
                for _ in range(i):
                    await service.record_tree_use(db, account_id, uuid.UUID(tree["id"]))
            await db.commit()

        seen: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"q": "gasket", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get(f"{TREES}/search", headers=headers, params=params)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        titles = [h["tree"]["title"] for h in seen]
        assert len(titles) == len(set(titles)) == 9
        assert set(titles[:4]) == {t["title"] for t in head} | {"Pump"}
        assert titles[4:8] == ["Dishwasher 3", "Dishwasher 2", "Dishwasher 1", "Dishwasher 0"]
        assert titles[8] == typo["title"]
        assert {"text": "gasket", "match": True} in seen[4]["snippet"]

    @pytest.mark.parametrize("cap", [2000, 1], ids=["collect", "walk"])
    async def test_filters_narrow_every_tier(
        self,
        client: httpx.AsyncClient,
        fresh: Fresh,
        node_scan_cap: Callable[[int], None],
        cap: int,
    ) -> None:
        """Status, category and tags narrow the title/tag, the text and the typo tier alike,
        and pages of a narrowed search still cover every match once."""
        node_scan_cap(cap)
        user, headers = await signed_in(client)
        await upgrade_plan(fresh, user["account"]["id"])
        kiosks = (
            await client.post(f"{TREES}/categories", headers=headers, json={"name": "Kiosks"})
        ).json()["id"]
        in_kiosks = {"category_id": kiosks}
        await published_tree(client, headers, "Gasket leak A", tags=["Urgent"], **in_kiosks)
        await create_tree(client, headers, "Gasket leak B", tags=["later"])
        data = graph()
        data["nodes"][2]["title"] = "Replace the gasket"
        await published_tree(
            client, headers, "Dishwasher", graph=data, tags=["urgent", "water"], **in_kiosks
        )
        await create_tree(client, headers, "Gaskett drawer sticks", **in_kiosks)
        await published_tree(client, headers, "Unrelated", tags=["urgent"], **in_kiosks)

        async def titles(auth: dict[str, str] = headers, **filters: Any) -> list[str]:
            found: list[str] = []
            cursor = None
            while True:
                params: dict[str, Any] = {"q": "gasket", "limit": 1, **filters}
                if cursor:
                    params["cursor"] = cursor
                response = await client.get(f"{TREES}/search", headers=auth, params=params)
                assert response.status_code == 200, response.text
                found += [h["tree"]["title"] for h in response.json()["items"]]
                cursor = response.json()["next_cursor"]
                if not cursor:
                    return found

        everything = ["Gasket leak A", "Gasket leak B", "Dishwasher", "Gaskett drawer sticks"]
        assert sorted(await titles()) == sorted(everything)
        assert await titles(category_id=kiosks) == [
            "Gasket leak A",
            "Dishwasher",
            "Gaskett drawer sticks",
        ]
        assert await titles(status="published") == ["Gasket leak A", "Dishwasher"]
        assert await titles(status="draft") == ["Gasket leak B", "Gaskett drawer sticks"]
        assert await titles(tag="URGENT") == ["Gasket leak A", "Dishwasher"]
        assert await titles(tag=["urgent", "water"]) == ["Dishwasher"]
        assert await titles(tag="nothing") == []
        assert await titles(category_id=kiosks, status="draft") == ["Gaskett drawer sticks"]
        assert await titles(category_id=str(uuid.uuid4())) == []

        # Bad filters are a clear 422 naming the parameter, never a 500.
        for bad in (
            {"status": "paused"},
            {"category_id": "kiosks"},
            {"tag": [f"t{i}" for i in range(11)]},
            {"tag": "nul\u0000byte"},
        ):
            response = await client.get(
                f"{TREES}/search", headers=headers, params={"q": "gasket", **bad}
            )
            assert response.status_code == 422, (bad, response.text)

        # Technicians find published trees only, whatever the filters ask for.
        _, tech = await member(client, headers, "technician")
        assert await titles(tech, status="draft") == []
        assert await titles(tech, category_id=kiosks) == ["Gasket leak A", "Dishwasher"]

    async def test_odd_queries_never_fail(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        await create_tree(client, headers, "Power supply")
        for q in (
            "the",
            "!!!",
            '"unclosed',
            "a & b | !c",
            "-",
            "' OR 1=1 --",
            "%_\\",
            "power:*",
            "\u0000",
            "x" * 200,
            "émoji 🔌",
        ):
            response = await client.get(f"{TREES}/search", headers=headers, params={"q": q})
            assert response.status_code in (200, 422), (q, response.text)


# --------------------------------------------------------------------------- export and import


class TestExportImport:
    async def test_round_trip(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        category = (
            await client.post(f"{TREES}/categories", headers=headers, json={"name": "Printers"})
        ).json()
        tree = await published_tree(
            client,
            headers,
            "Paper jam",
            description="Tray two",
            tags=["paper"],
            category_id=category["id"],
        )
        response = await client.get(
            f"{TREES}/{tree['id']}/export", headers=headers, params={"source": "published"}
        )
        assert response.status_code == 200
        assert "attachment" in response.headers["content-disposition"]
        document = response.json()
        assert document["format"] == "troubletree.tree" and document["format_version"] == 1
        assert document["tree"] == {
            "title": "Paper jam",
            "description": "Tray two",
            "category": "Printers",
            "tags": ["paper"],
        }
        assert document["source"]["version"] == 1

        _, elsewhere = await signed_in(client)
        imported = await client.post(f"{TREES}/import", headers=elsewhere, json=document)
        assert imported.status_code == 201, imported.text
        copy = imported.json()
        assert copy["id"] != tree["id"] and copy["status"] == "draft"
        assert copy["category"]["name"] == "Printers" and copy["tags"] == ["paper"]
        assert copy["draft"]["graph"] == document["graph"]
        await publish(client, elsewhere, copy["id"])

        # Importing into an account that has the category reuses it.
        again = await client.post(f"{TREES}/import", headers=headers, json=document)
        assert again.json()["category"]["id"] == category["id"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"format": "something.else"}, "format"),
            ({"format_version": 2}, "format_version"),
            ({"graph": {"nodes": "no"}}, "graph.nodes"),
            ({"tree": {"title": ""}}, "tree.title"),
            ({"extra": True}, "extra"),
        ],
    )
    async def test_bad_documents(
        self, client: httpx.AsyncClient, fresh: Fresh, change: dict[str, Any], field: str
    ) -> None:
        user, headers = await signed_in(client)
        document = {
            "format": "troubletree.tree",
            "format_version": 1,
            "tree": {"title": "T"},
            "graph": GRAPH,
            **change,
        }
        response = await client.post(f"{TREES}/import", headers=headers, json=document)
        assert response.status_code == 422
        assert field in [d["field"] for d in response.json()["detail"]]
        assert await tree_count(fresh, user["account"]["id"]) == 0

    async def test_export_of_unpublished_tree(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        tree = await create_tree(client, headers)
        response = await client.get(
            f"{TREES}/{tree['id']}/export", headers=headers, params={"source": "published"}
        )
        assert response.status_code == 422 and error_code(response) == "not_published"
        response = await client.put(
            f"{TREES}/{tree['id']}",
            headers=headers,
            json={"base_revision": 1, "status": "published"},
        )
        assert response.status_code == 422 and error_code(response) == "not_published"


def test_operation_ids(client: httpx.AsyncClient) -> None:
    from troubletree.main import create_app

    ids = {
        op["operationId"]
        for path in create_app().openapi()["paths"].values()
        for op in path.values()
    }
    assert {
        "trees-publish_tree",
        "trees-search_trees",
        "trees-compare_tree_versions",
        "trees-import_tree",
        "trees-list_categories",
    } <= ids


def test_highlight_parts_are_text_not_markup() -> None:
    start, stop = "\ue000", "\ue001"
    parts = search.highlight_parts(f"{start}Power{stop} {start}supply{stop} <b>failure</b>")
    assert [(p.text, p.match) for p in parts] == [
        ("Power supply", True),
        (" <b>failure</b>", False),
    ]
    assert search.highlight_parts("") == []
