"""A whole tree sent as JSON (create, draft save, import) is decoded and validated off the event
loop once it reaches BODY_OFFLOAD_BYTES: the health check keeps answering meanwhile, and the
answers (stored drafts, 422 bodies) are the same as for a body parsed in place."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest

from tests.conftest import AppFactory, client_for
from tests.helpers import signed_in
from tests.ops.test_graph_offload import big_graph
from troubletree.core import bodies
from troubletree.core.offload import CpuPool

NODES = 5000


class PoolWatch:
    """Counts the health checks answered while the pool parses a body. Parsed on the loop, no
    check could be answered then (and with the threshold above the body, the pool is never
    asked: the test fails)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsing = 0
        self.parsed_in_pool = 0
        self.answered = 0
        original = CpuPool.run

        async def run(pool: CpuPool, fn: Any, *args: Any) -> Any:
            if fn is not bodies.parse_json_body:
                return await original(pool, fn, *args)
            self.parsing += 1
            try:
                return await original(pool, fn, *args)
            finally:
                self.parsing -= 1
                self.parsed_in_pool += 1

        monkeypatch.setattr(CpuPool, "run", run)


async def _saves_while_polling(
    client: httpx.AsyncClient,
    watch: PoolWatch,
    headers: dict[str, str],
    tree_id: str,
    graph: dict[str, Any],
) -> None:
    done = asyncio.Event()

    async def save_twice() -> None:
        try:
            for _ in range(2):
                revision = (await client.get(f"/api/v1/trees/{tree_id}", headers=headers)).json()[
                    "draft_revision"
                ]
                saved = await client.put(
                    f"/api/v1/trees/{tree_id}",
                    headers=headers,
                    json={"base_revision": revision, "graph": graph},
                )
                assert saved.status_code == 200, saved.text
        finally:
            done.set()

    async def poll() -> None:
        while not done.is_set():
            assert (await client.get("/api/health")).status_code == 200
            if watch.parsing:
                watch.answered += 1
            await asyncio.sleep(0.005)

    await asyncio.gather(save_twice(), poll())


async def test_health_answers_while_a_5000_node_draft_body_is_parsed(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = PoolWatch(monkeypatch)
    _, headers = await signed_in(client)
    graph = big_graph(NODES)
    created = await client.post(
        "/api/v1/trees", headers=headers, json={"title": "Long chain", "graph": graph}
    )
    assert created.status_code == 201, created.text
    assert watch.parsed_in_pool == 1
    await _saves_while_polling(client, watch, headers, created.json()["id"], graph)
    print(f"health answered {watch.answered} times while two {NODES}-node drafts were parsed")
    assert watch.parsed_in_pool == 3
    assert watch.answered >= 1


async def test_below_the_threshold_the_body_is_parsed_in_place(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = PoolWatch(monkeypatch)
    async with client_for(make_app(body_offload_bytes=1 << 30)) as client:
        _, headers = await signed_in(client)
        created = await client.post(
            "/api/v1/trees", headers=headers, json={"title": "Long", "graph": big_graph(NODES)}
        )
        assert created.status_code == 201, created.text
    assert watch.parsed_in_pool == 0


def _broken(graph: dict[str, Any]) -> dict[str, Any]:
    broken = copy.deepcopy(graph)
    broken["nodes"][3]["kind"] = "teleport"
    broken["nodes"][5]["title"] = 12
    broken["nodes"][7]["options"][0]["surprise"] = True
    return broken


async def test_a_large_body_answers_as_a_small_one(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = PoolWatch(monkeypatch)
    _, headers = await signed_in(client)
    answers = []
    for nodes in (10, NODES):
        answer = await client.post(
            "/api/v1/trees",
            headers=headers,
            json={"title": "Broken", "graph": _broken(big_graph(nodes))},
        )
        answers.append((answer.status_code, answer.json()))
    assert watch.parsed_in_pool == 1  # the large one
    assert answers[0] == answers[1]
    status, body = answers[0]
    assert status == 422
    fields = {item["field"] for item in body["detail"]}
    assert {"graph.nodes.3.kind", "graph.nodes.7.options.0.surprise"} <= fields

    json_headers = {**headers, "content-type": "application/json"}
    small = await client.post("/api/v1/trees", headers=json_headers, content=b"{not json")
    large = await client.post(
        "/api/v1/trees", headers=json_headers, content=b"{not json" + b" " * (300 * 1024)
    )
    assert small.status_code == large.status_code == 422
    assert small.json() == large.json()
    assert small.json()["detail"][0]["code"] == "invalid_json"
    empty = await client.post("/api/v1/trees", headers=json_headers, content=b"")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["code"] == "missing"
    not_text = await client.post(
        "/api/v1/trees",
        headers=json_headers,
        content=b'{"title": "\xff\xfe"}' + b" " * (300 * 1024),
    )
    assert not_text.status_code == 400
    assert not_text.json()["detail"]["code"] == "bad_request"


async def test_small_and_large_saves_store_the_same_draft(
    client: httpx.AsyncClient, make_app: AppFactory
) -> None:
    _, headers = await signed_in(client)
    graph = big_graph(NODES)
    in_pool = await client.post(
        "/api/v1/trees", headers=headers, json={"title": "Pool", "graph": graph}
    )
    async with client_for(make_app(body_offload_bytes=1 << 30)) as in_place_client:
        in_place = await in_place_client.post(
            "/api/v1/trees", headers=headers, json={"title": "Pool", "graph": graph}
        )
    assert in_pool.status_code == in_place.status_code == 201
    first, second = in_pool.json(), in_place.json()
    assert first["draft"]["graph"] == second["draft"]["graph"]
    assert len(first["draft"]["graph"]["nodes"]) == NODES
