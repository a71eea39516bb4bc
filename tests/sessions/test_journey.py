"""The whole journey: a dispatcher prepares a session with a deferred variable, the technician
starts it, answers, goes back and changes an answer, cannot complete until the deferred value is
filled, completes, and exports all three formats."""

from __future__ import annotations

import io
import json

import httpx
from pypdf import PdfReader

from tests.sessions.helpers import make_team, published_tree, step


async def test_dispatcher_to_technician_journey(client: httpx.AsyncClient) -> None:
    team = await make_team(client)
    tree_id = await published_tree(client, team.admin_h)

    prepared = await client.post(
        "/api/v1/sessions",
        headers=team.engineer_h,
        json={
            "tree_id": tree_id,
            "prepared": True,
            "technician_id": team.tech["user"]["id"],
            "variables": {"device": "Office MFP 3rd floor"},
            "notes": "Customer: ACME, desk 12",
        },
    )
    assert prepared.status_code == 201
    session = prepared.json()
    assert session["missing_variables"]["before_complete"] == ["ticket"]

    inbox = (await client.get("/api/v1/sessions?tab=assigned", headers=team.tech_h)).json()
    assert inbox["items"][0]["id"] == session["id"]
    started = await client.post(
        f"/api/v1/sessions/{session['id']}/start", headers=team.tech_h, json={}
    )
    assert started.status_code == 200
    session = started.json()
    assert session["current"]["title"] == "Does the Office MFP 3rd floor power on?"

    session = await step(client, team.tech_h, session, "yes", note="LED on")
    assert session["current"]["node_id"] == "q2"
    back = await client.post(
        f"/api/v1/sessions/{session['id']}/back",
        headers=team.tech_h,
        json={"path_index": 0, "base_revision": session["revision"]},
    )
    session = back.json()
    assert session["current"]["suggested_option_id"] == "yes"
    session = await step(client, team.tech_h, session, "no", note="Actually the LED is off")
    assert session["current"]["node_id"] == "a1"
    session = await step(client, team.tech_h, session, "done")
    session = await step(client, team.tech_h, session, "ok")
    assert session["current"]["kind"] == "solution"

    refused = await client.post(
        f"/api/v1/sessions/{session['id']}/complete", headers=team.tech_h, json={}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "variables.ticket"
    filled = await client.put(
        f"/api/v1/sessions/{session['id']}",
        headers=team.tech_h,
        json={"base_revision": session["revision"], "variables": {"ticket": "INC-7731"}},
    )
    assert filled.status_code == 200
    done = await client.post(
        f"/api/v1/sessions/{session['id']}/complete",
        headers=team.tech_h,
        json={"resolution_note": "Cable was loose; reseated."},
    )
    assert done.status_code == 200
    assert done.json()["outcome"] == "resolved"
    seconds = [p["seconds_spent"] for p in done.json()["path"][:-1]]
    assert all(s is not None and s >= 0 for s in seconds)

    exports = {}
    for fmt in ("pdf", "markdown", "json"):
        response = await client.post(
            f"/api/v1/sessions/{session['id']}/export", headers=team.tech_h, json={"format": fmt}
        )
        assert response.status_code == 200, response.text
        exports[fmt] = response.content
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(exports["pdf"])).pages)
    for expected in (
        "Does the Office MFP 3rd floor power on?",
        "Answer: Yes",
        "Answer: No",
        "Went back to",
        "Reseat the power cable",
        "Cable was loose",
        "INC-7731",
        "resolved",
    ):
        assert expected in pdf_text, expected
    markdown = exports["markdown"].decode()
    assert "Actually the LED is off" in markdown and "INC-7731" in markdown
    # The engineer prepared it for the technician: the transcript says so.
    assert "- **Prepared by:** " in markdown
    data = json.loads(exports["json"])
    assert [s["answer"] for s in data["steps"] if s["kind"] == "answer"] == [
        "Yes",
        "No",
        "Done",
        "Yes",
    ]
    assert data["outcome"] == "resolved" and data["resolution_note"].startswith("Cable")

    history = (
        await client.get("/api/v1/sessions?status=completed&q=acme", headers=team.tech_h)
    ).json()["items"]
    assert [s["id"] for s in history] == [session["id"]]
