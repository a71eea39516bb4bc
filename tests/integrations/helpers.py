"""Factories for start-link and embed tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sessions.helpers import published_tree, question_then_solution

HELPDESK_VARIABLES = [
    {"name": "ticket", "label": "Ticket number", "type": "text", "required": "at_start"},
    {"name": "customer", "label": "Customer", "type": "text", "required": "optional"},
    {"name": "serial", "label": "Serial number", "type": "text", "required": "at_start"},
    {"name": "units", "label": "Units affected", "type": "number", "required": "optional"},
]


async def helpdesk_tree(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    graph = question_then_solution(
        "Is ticket {{ticket}} about serial {{serial}}?",
        ("yes", "Yes"),
        "Solved",
        HELPDESK_VARIABLES,
    )
    return await published_tree(client, headers, graph, title="Help-desk router")


async def make_link(
    client: httpx.AsyncClient, headers: dict[str, str], expect: int = 201, **body: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/start-links", headers=headers, json=body)
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


async def open_link(
    client: httpx.AsyncClient, headers: dict[str, str], token: str
) -> httpx.Response:
    return await client.post("/api/v1/start-links/open", headers=headers, json={"token": token})
