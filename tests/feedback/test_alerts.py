"""Change alerts through the API: who is told, what, once, and what nobody else can touch."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import Fresh
from tests.helpers import error_code, error_field, signed_in
from tests.sessions.helpers import Team, make_team, published_tree, start

V1 = "/api/v1"


async def _republish(
    client: httpx.AsyncClient, team: Team, tree_id: str, changelog: str, edit: Any
) -> dict[str, Any]:
    tree = (await client.get(f"{V1}/trees/{tree_id}", headers=team.engineer_h)).json()
    graph = tree["draft"]["graph"]
    edit(graph)
    saved = await client.put(
        f"{V1}/trees/{tree_id}",
        headers=team.engineer_h,
        json={"base_revision": tree["draft_revision"], "graph": graph},
    )
    assert saved.status_code == 200, saved.text
    published = await client.post(
        f"{V1}/trees/{tree_id}/publish", headers=team.engineer_h, json={"changelog": changelog}
    )
    assert published.status_code == 201, published.text
    version: dict[str, Any] = published.json()
    return version


def _reword_and_add(graph: dict[str, Any]) -> None:
    nodes = {n["id"]: n for n in graph["nodes"]}
    nodes["q1"]["title"] = "Is the {{device}} switched on?"
    nodes["a1"]["options"][0]["next"] = "q3"
    graph["nodes"].append(
        {
            "id": "q3",
            "kind": "question",
            "title": "Is the cable damaged?",
            "options": [{"id": "c1", "label": "No", "next": "q2"}],
        }
    )


async def _alert(client: httpx.AsyncClient, headers: dict[str, str], tree_id: str) -> Any:
    response = await client.get(f"{V1}/trees/{tree_id}/change-alert", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["alert"]


async def _dismiss(
    client: httpx.AsyncClient, headers: dict[str, str], tree_id: str, version_id: str
) -> httpx.Response:
    return await client.post(
        f"{V1}/trees/{tree_id}/change-alert/dismiss",
        headers=headers,
        json={"version_id": version_id},
    )


class TestChangeAlert:
    async def test_shown_to_who_ran_it_until_dismissed(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.engineer_h)
        await start(client, team.tech_h, tree_id)
        assert await _alert(client, team.tech_h, tree_id) is None  # nothing new yet

        v2 = await _republish(client, team, tree_id, "Cable check added", _reword_and_add)
        alert = await _alert(client, team.tech_h, tree_id)
        assert (alert["version_number"], alert["since_version_number"]) == (2, 1)
        assert [c["changelog"] for c in alert["changelogs"]] == ["Cable check added"]
        assert alert["steps_added"] == [{"node_id": "q3", "title": "Is the cable damaged?"}]
        assert alert["steps_reworded"] == [
            {"node_id": "q1", "title": "Is the {{device}} switched on?"}
        ]
        assert alert["answers_changed"] == [{"node_id": "a1", "title": "Reseat the power cable"}]
        assert alert["steps_removed"] == []
        # Somebody who never ran it is not told.
        assert await _alert(client, team.tech2_h, tree_id) is None

        assert (await _dismiss(client, team.tech_h, tree_id, v2["id"])).status_code == 204
        assert (await _dismiss(client, team.tech_h, tree_id, v2["id"])).status_code == 204
        assert await _alert(client, team.tech_h, tree_id) is None
        assert await fresh.val("SELECT count(*) FROM change_alert_dismissals") == 1

        # A later version is news again: everything since the version last run.
        def remove_replace(graph: dict[str, Any]) -> None:
            graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "s_replace"]
            for node in graph["nodes"]:
                if node["id"] == "l1":
                    node["rules"][0]["next"] = "e1"

        await _republish(client, team, tree_id, "Replacement step retired", remove_replace)
        alert = await _alert(client, team.tech_h, tree_id)
        assert (alert["version_number"], alert["since_version_number"]) == (3, 1)
        assert [c["number"] for c in alert["changelogs"]] == [3, 2]
        assert alert["steps_removed"] == [{"node_id": "s_replace", "title": "Replace the device"}]

    async def test_runs_older_than_30_days_bring_no_alert(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.engineer_h)
        old = await start(client, team.tech_h, tree_id)
        await fresh.execute(
            "UPDATE troubleshooting_sessions SET created_at = now() - interval '31 days' "
            "WHERE id = $1",
            uuid.UUID(old["id"]),
        )
        await start(client, team.tech2_h, tree_id)
        await _republish(client, team, tree_id, "v2", _reword_and_add)
        assert await _alert(client, team.tech_h, tree_id) is None
        assert await _alert(client, team.tech2_h, tree_id) is not None

    async def test_foreign_trees_and_versions_are_404_and_nothing_is_written(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.engineer_h)
        other_tree = await published_tree(client, team.engineer_h, title="Other")
        await start(client, team.tech_h, tree_id)
        v2 = await _republish(client, team, tree_id, "v2", _reword_and_add)
        _, stranger_h = await signed_in(client)

        read = await client.get(f"{V1}/trees/{tree_id}/change-alert", headers=stranger_h)
        assert read.status_code == 404
        foreign = await _dismiss(client, stranger_h, tree_id, v2["id"])
        assert foreign.status_code == 404 and error_code(foreign) == "tree_not_found"
        wrong_tree = await _dismiss(client, team.tech_h, other_tree, v2["id"])
        assert wrong_tree.status_code == 404 and error_field(wrong_tree) == "version_id"
        bad = await client.post(
            f"{V1}/trees/{tree_id}/change-alert/dismiss",
            headers=team.tech_h,
            json={"version_id": "not-a-uuid"},
        )
        assert bad.status_code == 422 and error_field(bad) == "version_id"
        assert await fresh.val("SELECT count(*) FROM change_alert_dismissals") == 0
        assert await _alert(client, team.tech_h, tree_id) is not None
