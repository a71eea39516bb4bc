"""The session webhook events and their payloads (queued in the transaction of the change)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.core.db import link_base_url
from troubletree.sessions.export import to_json
from troubletree.sessions.models import Outcome
from troubletree.sessions.presenter import Loaded
from troubletree.sessions.transcript import build_transcript
from troubletree.webhooks.events import emit
from troubletree.webhooks.models import WebhookEvent


def ending_event(outcome: str | None) -> WebhookEvent:
    """A completed session sends exactly one event: escalated, or completed otherwise."""
    if outcome == Outcome.escalated:
        return WebhookEvent.session_escalated
    return WebhookEvent.session_completed


async def emit_session_event(db: AsyncSession, loaded: Loaded, event: WebhookEvent) -> None:
    """`session.completed` and `session.escalated` carry the transcript (the JSON export) and
    a link to its PDF (`GET` with a bearer token or API key)."""
    session = loaded.session

    async def payload() -> dict[str, Any]:
        base = link_base_url(db)
        data: dict[str, Any] = {
            "session": {
                "id": session.id,
                "tree_id": session.tree_id,
                "tree_version_id": session.tree_version_id,
                "status": session.status,
                "outcome": session.outcome,
                "outcome_label": getattr(session, "outcome_label", None),
                "resolution_note": session.resolution_note,
                "abandon_reason": getattr(session, "abandon_reason", None),
                "technician_id": session.technician_id,
                "created_by": session.created_by,
                "variables": session.variables,
                "started_at": session.started_at,
                "completed_at": session.completed_at,
            },
            "links": {
                "session": f"{base}/sessions/{session.id}",
                "pdf": f"{base}/api/v1/sessions/{session.id}/export?format=pdf",
            },
        }
        if event in {WebhookEvent.session_completed, WebhookEvent.session_escalated}:
            data["transcript"] = json.loads(to_json(await build_transcript(db, loaded)))
        return data

    await emit(db, session.account_id, event, payload)
