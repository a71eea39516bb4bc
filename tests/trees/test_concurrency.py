"""Races on a real PostgreSQL: requests really in parallel (one pooled connection each, released
together), outcomes read back over a separate connection, each race repeated."""

from __future__ import annotations

import asyncio
import collections
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import Fresh, burst
from tests.helpers import error_code, signed_in
from tests.trees.factories import (
    GRAPH,
    create_tree,
    graph,
    member,
    published_tree,
    upgrade_plan,
)
from troubletree.core.db import Database
from troubletree.trees import service
from troubletree.trees.repository import tags as tag_queries

TREES = "/api/v1/trees"


def statuses(responses: list[httpx.Response]) -> collections.Counter[int]:
    return collections.Counter(r.status_code for r in responses)


async def together(n: int, work: Callable[[int], Awaitable[None]]) -> None:
    """Runs n coroutines released by one event (for work below the HTTP layer)."""
    go = asyncio.Event()

    async def one(i: int) -> None:
        await go.wait()
        await work(i)

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    await asyncio.sleep(0)
    go.set()
    await asyncio.gather(*tasks)


async def assert_tag_counters_true(fresh: Fresh, account_id: str) -> None:
    """Every tag's usage_count equals the live trees carrying it (and its link rows)."""
    rows = await fresh.fetch(
        "SELECT g.name, g.usage_count, "
        "(SELECT count(*) FROM tree_tags tt JOIN trees t ON t.id = tt.tree_id "
        " WHERE tt.tag_id = g.id AND t.deleted_at IS NULL) AS live, "
        "(SELECT count(*) FROM tree_tags tt WHERE tt.tag_id = g.id) AS links "
        "FROM tags g WHERE g.account_id = $1",
        uuid.UUID(account_id),
    )
    assert rows
    wrong = [dict(r) for r in rows if not r["usage_count"] == r["live"] == r["links"]]
    assert wrong == []


# --------------------------------------------------------------------------- plan limit


@pytest.mark.parametrize("round_", range(15))
async def test_twenty_parallel_creates_on_a_three_tree_plan(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    user, headers = await signed_in(client)
    responses = await burst(
        20,
        lambda i: client.post(
            TREES, headers=headers, json={"title": f"Tree {i}", "tags": ["shared", f"own{i}"]}
        ),
    )

    assert statuses(responses) == {201: 3, 403: 17}
    assert {error_code(r) for r in responses if r.status_code == 403} == {"plan_limit_reached"}
    account_id = uuid.UUID(user["account"]["id"])
    assert await fresh.val("SELECT count(*) FROM trees WHERE account_id = $1", account_id) == 3
    # The refused creates left nothing behind, not even their tags.
    assert await fresh.val("SELECT usage_count FROM tags WHERE name = 'shared'") == 3
    assert await fresh.val("SELECT count(*) FROM tags WHERE name LIKE 'own%'") == 3


@pytest.mark.parametrize("round_", range(5))
async def test_last_slot_goes_to_exactly_one_of_fifty(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    user, headers = await signed_in(client)
    for i in range(2):
        await create_tree(client, headers, f"Existing {i}")
    responses = await burst(
        50, lambda i: client.post(TREES, headers=headers, json={"title": f"Racer {i}"})
    )
    assert statuses(responses) == {201: 1, 403: 49}
    assert (
        await fresh.val(
            "SELECT count(*) FROM trees WHERE account_id = $1", uuid.UUID(user["account"]["id"])
        )
        == 3
    )


@pytest.mark.parametrize("round_", range(5))
async def test_deletes_and_creates_at_the_limit_never_exceed_it(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    user, headers = await signed_in(client)
    existing = [await create_tree(client, headers, f"Existing {i}") for i in range(3)]

    def send(i: int) -> Awaitable[httpx.Response]:
        if i < 3:
            return client.delete(f"{TREES}/{existing[i]['id']}", headers=headers)
        return client.post(TREES, headers=headers, json={"title": f"New {i}"})

    responses = await burst(13, send)
    assert statuses(responses[:3]) == {204: 3}
    created = sum(r.status_code == 201 for r in responses[3:])
    assert set(statuses(responses[3:])) <= {201, 403}
    live = await fresh.val(
        "SELECT count(*) FROM trees WHERE account_id = $1 AND deleted_at IS NULL",
        uuid.UUID(user["account"]["id"]),
    )
    assert live == created <= 3


# --------------------------------------------------------------------------- tag counters


@dataclass(frozen=True)
class Op:
    kind: str  # create, update, delete
    tree: int
    tags: list[str]


def draw_tags(rng: random.Random, pool: list[str], fresh_names: list[str]) -> list[str]:
    names = rng.sample(pool, rng.randint(0, 4))
    if rng.random() < 0.2:
        names.append(rng.choice(fresh_names))  # tags created on the fly, by several at once
    return [n.upper() if rng.random() < 0.2 else n for n in names]


@pytest.mark.parametrize("round_", range(3))
async def test_tag_counters_after_200_parallel_operations(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    user, admin = await signed_in(client)
    await upgrade_plan(fresh, user["account"]["id"])
    _, engineer = await member(client, admin, "engineer")
    rng = random.Random(round_)
    pool = [f"tag{i}" for i in range(8)]
    fresh_names = [f"new{round_}-{i}" for i in range(4)]
    trees = [
        await create_tree(client, admin, f"Tree {i}", tags=rng.sample(pool, 3)) for i in range(40)
    ]
    kinds = rng.choices(["create", "update", "delete"], weights=[3, 5, 1], k=200)
    ops = [Op(kind, rng.randrange(len(trees)), draw_tags(rng, pool, fresh_names)) for kind in kinds]

    async def run(i: int) -> httpx.Response:
        op = ops[i]
        url = f"{TREES}/{trees[op.tree]['id']}"
        if op.kind == "create":
            return await client.post(
                TREES, headers=engineer, json={"title": f"New {i}", "tags": op.tags}
            )
        if op.kind == "delete":
            return await client.delete(url, headers=admin)
        for _ in range(50):  # an edit that loses a race reloads and saves again
            current = await client.get(url, headers=engineer)
            if current.status_code != 200:
                return current
            response = await client.put(
                url,
                headers=engineer,
                json={"base_revision": current.json()["draft_revision"], "tags": op.tags},
            )
            if response.status_code != 409:
                return response
        return response

    responses = await burst(200, run)

    assert set(statuses(responses)) <= {200, 201, 204, 404}, [
        r.text for r in responses if r.status_code >= 500
    ]
    done = collections.Counter(
        op.kind for op, r in zip(ops, responses, strict=True) if r.status_code < 300
    )
    assert done["create"] == kinds.count("create") and done["update"] > 20
    assert done["delete"] >= 1
    await assert_tag_counters_true(fresh, user["account"]["id"])
    assert (
        await fresh.val(
            "SELECT count(*) FROM tree_tags tt JOIN trees t ON t.id = tt.tree_id "
            "WHERE t.deleted_at IS NOT NULL"
        )
        == 0
    )


async def test_fifty_parallel_attaches_of_one_tag_count_once(
    client: httpx.AsyncClient, fresh: Fresh, database: Database
) -> None:
    """Below the API (where one tree's saves are serialised anyway): links are idempotent and
    the counter moves only for the row really inserted."""
    user, headers = await signed_in(client)
    tree = await create_tree(client, headers, tags=["keep"])
    account_id, tree_id = uuid.UUID(user["account"]["id"]), uuid.UUID(tree["id"])
    async with database.sessionmaker() as db:
        tag_ids = await tag_queries.ensure_tags(db, account_id, ["keep", "hot"])
        await db.commit()
    wanted = set(tag_ids.values())

    async def attach(_: int) -> None:
        async with database.sessionmaker() as db:
            await tag_queries.set_tree_tags(db, tree_id, wanted)
            await db.commit()

    await together(50, attach)
    assert await fresh.val("SELECT count(*) FROM tree_tags WHERE tree_id = $1", tree_id) == 2
    rows = await fresh.fetch("SELECT name, usage_count FROM tags ORDER BY name")
    assert [(r["name"], r["usage_count"]) for r in rows] == [("hot", 1), ("keep", 1)]


# --------------------------------------------------------------------------- draft saves


@pytest.mark.parametrize("round_", range(15))
async def test_two_saves_of_one_revision(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    _, headers = await signed_in(client)
    tree = await create_tree(client, headers, graph=GRAPH)
    url = f"{TREES}/{tree['id']}"
    bodies = [
        {
            "base_revision": 1,
            "title": f"Save {i}",
            "graph": graph(start=f"n{i + 2}"),
            "tags": [f"from{i}"],
        }
        for i in range(2)
    ]

    responses = await burst(2, lambda i: client.put(url, headers=headers, json=bodies[i]))

    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    loser = responses[1 - winner].json()["detail"]
    assert loser["code"] == "draft_conflict" and loser["current_revision"] == 2
    row = (
        await fresh.fetch(
            "SELECT title, draft_revision, draft_graph->>'start' AS start FROM trees WHERE id = $1",
            uuid.UUID(tree["id"]),
        )
    )[0]
    assert dict(row) == {"title": f"Save {winner}", "draft_revision": 2, "start": f"n{winner + 2}"}
    assert await fresh.val("SELECT count(*) FROM tags WHERE name = $1", f"from{1 - winner}") == 0
    assert await fresh.val("SELECT usage_count FROM tags WHERE name = $1", f"from{winner}") == 1


@pytest.mark.parametrize("round_", range(5))
async def test_ten_saves_of_one_revision_one_wins(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    _, headers = await signed_in(client)
    tree = await create_tree(client, headers, graph=GRAPH)
    url = f"{TREES}/{tree['id']}"
    responses = await burst(
        10,
        lambda i: client.put(
            url, headers=headers, json={"base_revision": 1, "description": f"by {i}"}
        ),
    )
    assert statuses(responses) == {200: 1, 409: 9}
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    assert (
        await fresh.val("SELECT description FROM trees WHERE id = $1", uuid.UUID(tree["id"]))
        == f"by {winner}"
    )


# --------------------------------------------------------------------------- publishing


@pytest.mark.parametrize("round_", range(5))
async def test_parallel_publishes_make_one_version(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    _, headers = await signed_in(client)
    tree = await create_tree(client, headers, graph=GRAPH)
    url = f"{TREES}/{tree['id']}"
    for number in (1, 2):
        responses = await burst(
            10,
            lambda i: client.post(f"{url}/publish", headers=headers, json={"changelog": f"by {i}"}),
        )
        assert statuses(responses) == {201: 1, 409: 9}
        assert {error_code(r) for r in responses if r.status_code == 409} == {"nothing_to_publish"}
        assert next(r for r in responses if r.status_code == 201).json()["number"] == number
        changed = graph()
        changed["nodes"][2]["title"] = f"Replace the power supply, take {number}"
        await client.put(url, headers=headers, json={"base_revision": number, "graph": changed})
    numbers = await fresh.fetch(
        "SELECT number FROM tree_versions WHERE tree_id = $1 ORDER BY number", uuid.UUID(tree["id"])
    )
    assert [r["number"] for r in numbers] == [1, 2]


# --------------------------------------------------------------------------- usage counter


@pytest.mark.parametrize("round_", range(5))
async def test_fifty_parallel_session_starts_count_fifty_uses(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    """The path users hit: every started session counts one use of its tree
    (`trees.service.record_tree_use`, an SQL-side increment under the row lock)."""
    _, headers = await signed_in(client)
    tree = await published_tree(client, headers)
    responses = await burst(
        50,
        lambda i: client.post(
            "/api/v1/sessions",
            headers=headers,
            json={"tree_id": tree["id"], "variables": {"serial": f"SN-{i}"}},
        ),
    )

    assert statuses(responses) == {201: 50}
    tree_id = uuid.UUID(tree["id"])
    assert await fresh.val("SELECT usage_count FROM trees WHERE id = $1", tree_id) == 50
    assert (
        await fresh.val("SELECT count(*) FROM troubleshooting_sessions WHERE tree_id = $1", tree_id)
        == 50
    )
    listed = (await client.get(TREES, headers=headers, params={"sort": "most_used"})).json()
    assert [(t["id"], t["usage_count"]) for t in listed["items"]] == [(tree["id"], 50)]


async def test_tree_usage_counter_loses_no_update(
    client: httpx.AsyncClient, fresh: Fresh, database: Database
) -> None:
    """The same function, called by 20 workers 10 times each, each call its own transaction."""
    user, headers = await signed_in(client)
    tree = await create_tree(client, headers)
    account_id, tree_id = uuid.UUID(user["account"]["id"]), uuid.UUID(tree["id"])

    async def worker(_: int) -> None:
        for _ in range(10):
            async with database.sessionmaker() as db:
                await service.record_tree_use(db, account_id, tree_id)
                await db.commit()

    await together(20, worker)
    assert await fresh.val("SELECT usage_count FROM trees WHERE id = $1", tree_id) == 200
