"""Factories for session tests: accounts with people in every role, and published trees."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import httpx

from tests.helpers import bearer, login, register, signed_in

PRINTER_GRAPH: dict[str, Any] = {
    "start": "q1",
    "variables": [
        {"name": "device", "label": "Device", "type": "text", "required": "at_start"},
        {"name": "ticket", "label": "Ticket number", "type": "text", "required": "before_complete"},
        {"name": "age_years", "label": "Age in years", "type": "number", "required": "optional"},
    ],
    "nodes": [
        {
            "id": "q1",
            "kind": "question",
            "title": "Does the {{device}} power on?",
            "body": "Check the **power LED** of {{device}} (ticket {{ticket}}).",
            "options": [
                {"id": "yes", "label": "Yes", "next": "q2"},
                {"id": "no", "label": "No", "next": "l1"},
            ],
        },
        {
            "id": "l1",
            "kind": "logic",
            "title": "Is the device old?",
            "rules": [{"when": "age_years >= 3", "next": "s_replace", "label": "Old device"}],
            "default": "a1",
        },
        {
            "id": "a1",
            "kind": "action",
            "title": "Reseat the power cable",
            "options": [{"id": "done", "label": "Done", "next": "q2"}],
        },
        {
            "id": "q2",
            "kind": "question",
            "title": "Does it print a test page?",
            "options": [
                {"id": "ok", "label": "Yes", "next": "s_ok"},
                {"id": "fail", "label": "No", "next": "e1"},
            ],
        },
        {"id": "s_ok", "kind": "solution", "title": "Solved: it prints"},
        {"id": "s_replace", "kind": "solution", "title": "Replace the device"},
        {"id": "e1", "kind": "escalation", "title": "Escalate to tier 2"},
    ],
}


def printer_graph() -> dict[str, Any]:
    return copy.deepcopy(PRINTER_GRAPH)


@dataclass
class Team:
    admin: dict[str, Any]
    admin_h: dict[str, str]
    engineer: dict[str, Any]
    engineer_h: dict[str, str]
    tech: dict[str, Any]
    tech_h: dict[str, str]
    tech2: dict[str, Any]
    tech2_h: dict[str, str]


async def _member(
    client: httpx.AsyncClient, admin_h: dict[str, str], role: str
) -> tuple[dict[str, Any], dict[str, str]]:
    code = (
        await client.post(
            "/api/v1/account/invites", headers=admin_h, json={"role": role, "max_uses": 1}
        )
    ).json()["code"]
    member = await register(client, invite_code=code)
    return member, bearer(await login(client, member["email"]))


async def make_team(client: httpx.AsyncClient) -> Team:
    admin, admin_h = await signed_in(client)
    engineer, engineer_h = await _member(client, admin_h, "engineer")
    tech, tech_h = await _member(client, admin_h, "technician")
    tech2, tech2_h = await _member(client, admin_h, "technician")
    return Team(admin, admin_h, engineer, engineer_h, tech, tech_h, tech2, tech2_h)


async def published_tree(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    graph: dict[str, Any] | None = None,
    title: str = "Printer will not print",
) -> str:
    created = await client.post(
        "/api/v1/trees", headers=headers, json={"title": title, "graph": graph or printer_graph()}
    )
    assert created.status_code == 201, created.text
    tree_id: str = created.json()["id"]
    published = await client.post(
        f"/api/v1/trees/{tree_id}/publish", headers=headers, json={"changelog": "first version"}
    )
    assert published.status_code == 201, published.text
    return tree_id


async def start(
    client: httpx.AsyncClient, headers: dict[str, str], tree_id: str, expect: int = 201, **body: Any
) -> dict[str, Any]:
    body.setdefault("variables", {"device": "Printer"})
    response = await client.post(
        "/api/v1/sessions", headers=headers, json={"tree_id": tree_id, **body}
    )
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


async def step(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session: dict[str, Any],
    option_id: str,
    expect: int = 200,
    **body: Any,
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/sessions/{session['id']}/steps",
        headers=headers,
        json={"option_id": option_id, **body},
    )
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


async def complete(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session: dict[str, Any],
    expect: int = 200,
    **body: Any,
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/sessions/{session['id']}/complete", headers=headers, json=body
    )
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


def question_then_solution(
    title: str,
    option: tuple[str, str],
    solution: str,
    variables: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A one-question tree: the question's single option leads to a solution."""
    option_id, label = option
    return {
        "start": "q1",
        "variables": variables or [],
        "nodes": [
            {
                "id": "q1",
                "kind": "question",
                "title": title,
                "options": [{"id": option_id, "label": label, "next": "s1"}],
            },
            {"id": "s1", "kind": "solution", "title": solution},
        ],
    }
