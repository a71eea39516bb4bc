"""A 5,000-node draft is validated and published off the event loop: the health check keeps
answering meanwhile (on the loop the check would hold every other request for its duration)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.helpers import signed_in
from troubletree.trees import service
from troubletree.trees.graph import MAX_NODES


def big_graph(nodes: int = MAX_NODES) -> dict[str, Any]:
    """A chain of questions, each with a way on and a way out to the one solution."""
    last = f"n{nodes - 1}"
    chain: list[dict[str, Any]] = [
        {
            "id": f"n{i}",
            "kind": "question",
            "title": f"Step {i}: is the cable of unit {{{{serial}}}} seated?",
            "body": "Check **both** ends of the cable.",
            "options": [
                {"id": f"o{i}a", "label": "Yes, go on", "next": f"n{i + 1}"},
                {"id": f"o{i}b", "label": "No", "next": last},
            ],
        }
        for i in range(nodes - 1)
    ]
    chain.append({"id": last, "kind": "solution", "title": "Seat the cable"})
    variables = [{"name": "serial", "label": "Serial", "type": "text", "required": "optional"}]
    return {"start": "n0", "variables": variables, "nodes": chain}


class Watch:
    """Counts the health checks answered while a draft is checked in the pool (`run_in_pool`).
    Checked on the loop, none could be: the loop would serve nothing until the check returned
    (with GRAPH_OFFLOAD_NODES above the draft's size the test fails)."""

    def __init__(self) -> None:
        self.checking = False
        self.answered = 0


async def _while_polling(client: httpx.AsyncClient, watch: Watch, request: Any) -> httpx.Response:
    done = asyncio.Event()

    async def poll() -> None:
        while not done.is_set():
            response = await client.get("/api/health")
            assert response.status_code == 200
            if watch.checking:
                watch.answered += 1
            await asyncio.sleep(0.01)

    async def send() -> httpx.Response:
        try:
            response: httpx.Response = await request
            return response
        finally:
            done.set()

    poller = asyncio.create_task(poll())
    response = await send()
    await poller
    return response


async def test_health_answers_while_a_5000_node_graph_validates(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, headers = await signed_in(client)
    created = await client.post(
        "/api/v1/trees", headers=headers, json={"title": "Long chain", "graph": big_graph()}
    )
    assert created.status_code == 201, created.text
    tree_id = created.json()["id"]

    watch = Watch()
    original = service.run_in_pool

    async def watched(*args: Any) -> Any:
        watch.checking = True
        try:
            return await original(*args)
        finally:
            watch.checking = False

    monkeypatch.setattr(service, "run_in_pool", watched)

    validated = await _while_polling(
        client, watch, client.post(f"/api/v1/trees/{tree_id}/validate", headers=headers)
    )
    assert validated.status_code == 200, validated.text
    assert validated.json() == {"is_valid": True, "problems": []}
    during_validate, watch.answered = watch.answered, 0

    published = await _while_polling(
        client, watch, client.post(f"/api/v1/trees/{tree_id}/publish", headers=headers, json={})
    )
    assert published.status_code == 201, published.text
    assert published.json()["number"] == 1
    print(
        f"health answered {during_validate} times while a {MAX_NODES}-node graph was checked "
        f"for validation, {watch.answered} while it was checked for publishing"
    )
    assert during_validate >= 1 and watch.answered >= 1
