"""A long PDF export renders off the event loop: the health check keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

import httpx
from pypdf import PdfReader

from tests.conftest import Fresh
from tests.ops.servers import LOOP_GRAPH
from tests.sessions.helpers import make_team, published_tree, start, step

ANSWERS = 2000


async def long_session(client: httpx.AsyncClient, fresh: Fresh, answers: int) -> tuple[str, Any]:
    """A session with `answers` answers: one through the API, the rest copied in the database
    (the same event, one second apart), which is what thousands of API calls would leave."""
    team = await make_team(client)
    tree_id = await published_tree(client, team.engineer_h, LOOP_GRAPH, title="Tray")
    session = await start(client, team.tech_h, tree_id, variables={})
    await step(client, team.tech_h, session, "again")
    await fresh.execute(
        """
        INSERT INTO session_steps (session_id, seq, kind, version_id, node_id, option_id,
                                   answer_label, to_version_id, to_node_id, created_by, created_at)
        SELECT session_id, seq + g, kind, version_id, node_id, option_id, answer_label,
               to_version_id, to_node_id, created_by, created_at + g * interval '1 second'
        FROM session_steps, generate_series(1, $2::int - 1) AS g
        WHERE session_id = $1 AND kind = 'answer'
        """,
        uuid.UUID(session["id"]),
        answers,
    )
    return session["id"], team.tech_h


async def test_health_answers_while_a_long_pdf_renders(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    session_id, headers = await long_session(client, fresh, ANSWERS)
    done = asyncio.Event()
    answered = 0

    async def poll() -> None:
        nonlocal answered
        while not done.is_set():
            response = await client.get("/api/health")
            assert response.status_code == 200
            answered += 1
            await asyncio.sleep(0.05)

    async def export() -> httpx.Response:
        try:
            return await client.post(
                f"/api/v1/sessions/{session_id}/export", headers=headers, json={"format": "pdf"}
            )
        finally:
            done.set()

    poller = asyncio.create_task(poll())
    response = await export()
    await poller
    assert response.status_code == 200, response.text
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert f"{ANSWERS}. Still there?" in "".join(p.extract_text() for p in pages[-3:])
    # On the loop the render would leave the poller one answer at most (before it started).
    print(f"health answered {answered} times while exporting {ANSWERS} answers as PDF")
    assert answered >= 5
