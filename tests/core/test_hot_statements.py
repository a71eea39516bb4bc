"""Hot statements (core/hot.py) and the answers built from their rows without a model: the
library page, the technician's tree read and the history page must be exactly what their
declared models encode, and a statement the raw path cannot run as SQLAlchemy would is refused
when it is built."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import String, TypeDecorator, bindparam, select

from tests.conftest import Fresh
from tests.sessions.helpers import Team, make_team, printer_graph, published_tree, start, step
from troubletree.core.hot import HotStatement
from troubletree.sessions.models import TroubleshootingSession
from troubletree.sessions.schemas import SessionPage
from troubletree.trees.schemas import TreeDetail, TreePage

V1 = "/api/v1"


class _Shouting(TypeDecorator[str]):
    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else str(value).upper()


def test_a_statement_that_needs_sqlalchemy_conversions_is_refused() -> None:
    s = TroubleshootingSession
    with pytest.raises(TypeError, match="expands"):
        HotStatement(select(s.id).where(s.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(TypeError, match="conversion"):
        HotStatement(select(s.notes.cast(_Shouting())))
    hot = HotStatement(
        select(s.id).where(s.account_id == bindparam("account_id"), s.answer_count > 0)
    )
    assert hot.names == ("account_id", "answer_count_1")
    assert hot.fixed["answer_count_1"] == 0


def _canonical(model: Any, body: bytes) -> bytes:
    """The body as the model encodes what it reads from it: equal only when every field is
    there, in the model's order, typed and formatted as the model writes it."""
    encoded: bytes = model.model_validate_json(body).model_dump_json().encode()
    return encoded


async def _tagged_tree(client: httpx.AsyncClient, team: Team) -> str:
    category = await client.post(
        f"{V1}/trees/categories", headers=team.admin_h, json={"name": "Printers"}
    )
    assert category.status_code == 201, category.text
    created = await client.post(
        f"{V1}/trees",
        headers=team.engineer_h,
        json={
            "title": "Printer jams",
            "category_id": category.json()["id"],
            "tags": ["Paper", "hardware"],
            "graph": printer_graph(),
        },
    )
    assert created.status_code == 201, created.text
    tree_id: str = created.json()["id"]
    published = await client.post(
        f"{V1}/trees/{tree_id}/publish", headers=team.engineer_h, json={"changelog": "first"}
    )
    assert published.status_code == 201, published.text
    return tree_id


async def test_library_pages_and_the_tree_read_are_what_their_models_encode(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    tree_id = await _tagged_tree(client, team)
    draft = await client.post(
        f"{V1}/trees", headers=team.engineer_h, json={"title": "Unpublished idea"}
    )
    assert draft.status_code == 201, draft.text

    for headers, expected in ((team.tech_h, 1), (team.engineer_h, 2)):
        first = await client.get(f"{V1}/trees", headers=headers, params={"limit": 1})
        assert first.status_code == 200, first.text
        assert first.content == _canonical(TreePage, first.content)
        seen = [first.json()["items"][0]["id"]]
        cursor = first.json()["next_cursor"]
        while cursor:
            more = await client.get(
                f"{V1}/trees", headers=headers, params={"limit": 1, "cursor": cursor}
            )
            assert more.content == _canonical(TreePage, more.content)
            seen += [item["id"] for item in more.json()["items"]]
            cursor = more.json()["next_cursor"]
        assert len(seen) == len(set(seen)) == expected

    page = (await client.get(f"{V1}/trees", headers=team.tech_h)).json()
    (card,) = page["items"]
    assert card["id"] == tree_id
    assert card["category"]["name"] == "Printers"
    assert card["tags"] == ["hardware", "Paper"]
    assert card["current_version"]["number"] == 1
    tagged = await client.get(f"{V1}/trees", headers=team.tech_h, params={"tag": "PAPER"})
    assert [item["id"] for item in tagged.json()["items"]] == [tree_id]
    untagged = await client.get(f"{V1}/trees", headers=team.tech_h, params={"tag": "toner"})
    assert untagged.json() == {"items": [], "next_cursor": None}

    read = await client.get(f"{V1}/trees/{tree_id}", headers=team.tech_h)
    assert read.status_code == 200, read.text
    assert read.content == _canonical(TreeDetail, read.content)
    assert read.json()["tags"] == ["hardware", "Paper"]
    assert read.json()["published"]["graph"]["start"] == "q1"


async def test_history_pages_are_what_their_model_encodes(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    team = await make_team(client)
    address = await client.patch(
        f"{V1}/account", headers=team.admin_h, json={"escalation_email": "tier2@example.com"}
    )
    assert address.status_code == 200, address.text
    tree_id = await published_tree(client, team.engineer_h)
    escalated = await start(
        client, team.tech_h, tree_id, variables={"device": "HP-4711", "ticket": "INC-1"}
    )
    await step(client, team.tech_h, escalated, "yes")
    await step(client, team.tech_h, escalated, "fail")
    done = await client.post(
        f"{V1}/sessions/{escalated['id']}/complete",
        headers=team.tech_h,
        json={"resolution_note": "Needs a new fuser"},
    )
    assert done.status_code == 200, done.text
    await start(client, team.tech_h, tree_id, variables={"device": "Laser"})

    history = await client.get(f"{V1}/sessions", headers=team.tech_h, params={"limit": 1})
    assert history.status_code == 200, history.text
    assert history.content == _canonical(SessionPage, history.content)
    rest = await client.get(
        f"{V1}/sessions",
        headers=team.tech_h,
        params={"limit": 5, "cursor": history.json()["next_cursor"]},
    )
    assert rest.content == _canonical(SessionPage, rest.content)
    (older,) = rest.json()["items"]
    assert older["id"] == escalated["id"]
    assert older["outcome"] == "escalated"
    assert older["handoff_status"] is not None

    found = await client.get(f"{V1}/sessions", headers=team.tech_h, params={"q": "hp-4711"})
    assert found.content == _canonical(SessionPage, found.content)
    (item,) = found.json()["items"]
    assert item["match"] == {"field": "variable", "name": "device", "snippet": "HP-4711"}

    everyone = await client.get(
        f"{V1}/sessions",
        headers=team.admin_h,
        params={"tab": "all", "technician_id": team.tech["user"]["id"], "status": "completed"},
    )
    assert everyone.content == _canonical(SessionPage, everyone.content)
    assert [i["id"] for i in everyone.json()["items"]] == [escalated["id"]]
    nobody = await client.get(
        f"{V1}/sessions",
        headers=team.admin_h,
        params={"tab": "all", "technician_id": str(uuid.uuid4())},
    )
    assert nobody.json() == {"items": [], "next_cursor": None}
