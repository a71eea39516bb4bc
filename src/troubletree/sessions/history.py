"""Session history: the account's sessions newest first, by tab (mine, assigned to me, all),
filters and free text, cursor-paginated."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.accounts.exceptions import RoleRequired
from troubletree.core.clock import utcnow
from troubletree.core.pagination import datetime_key, decode_cursor, encode_cursor, page_of
from troubletree.sessions import repository
from troubletree.sessions.models import Outcome, SessionStatus
from troubletree.sessions.repository import (
    TYPO_SIMILARITY,
    HistoryFilter,
    HistoryRow,
    SearchHaystack,
)
from troubletree.sessions.schemas import (
    SearchMatch,
    Tab,
)

# A session nobody answered stays in the default history this long (unless abandoned).
UNANSWERED_KEPT_FOR = timedelta(hours=24)

# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class HistoryQuery:
    tab: Tab = "mine"
    status: SessionStatus | None = None
    outcome: Outcome | None = None
    tree_id: uuid.UUID | None = None
    technician_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    cursor: str | None = None
    limit: int = 25
    outcome_label: str | None = None
    include_unanswered: bool = False


async def list_sessions(db: AsyncSession, caller: Caller, query: HistoryQuery) -> bytes:
    """One page of history as the API encodes a `SessionPage`."""
    technician: uuid.UUID | None = query.technician_id
    not_created_by = None
    if query.tab == "all":
        if not caller.is_author:
            raise RoleRequired("Only admins and engineers see every session of the account.")
    else:
        technician = caller.user_id
        if query.tab == "assigned":
            not_created_by = caller.user_id
    rows = await repository.list_sessions(
        db,
        HistoryFilter(
            account_id=caller.account_id,
            technician_id=technician,
            not_created_by=not_created_by,
            status=query.status.value if query.status else None,
            outcome=query.outcome.value if query.outcome else None,
            tree_id=query.tree_id,
            created_from=query.created_from,
            created_to=query.created_to,
            text=query.q.strip() if query.q and query.q.strip() else None,
            outcome_label=query.outcome_label,
            unanswered_before=None if query.include_unanswered else utcnow() - UNANSWERED_KEPT_FOR,
        ),
        after=decode_cursor("sessions", query.cursor, datetime_key),
        limit=query.limit + 1,
    )
    page, next_cursor = page_of(
        rows, query.limit, lambda row: encode_cursor("sessions", row.created_at, row.id)
    )
    escalated = [row.id for row in page if row.outcome == Outcome.escalated]
    statuses = await repository.handoff_statuses(db, caller.account_id, escalated)
    matches: dict[uuid.UUID, SearchMatch | None] = {}
    text = query.q.strip().lower() if query.q and query.q.strip() else None
    if text is not None:
        haystacks = await repository.search_haystacks(
            db, caller.account_id, [row.id for row in page]
        )
        for row in page:
            haystack = haystacks.get(row.id)
            matches[row.id] = _match(text, row, haystack) if haystack else None
    items = [summary_fields(row, statuses.get(row.id), matches.get(row.id)) for row in page]
    return to_json({"items": items, "next_cursor": next_cursor})


def summary_fields(
    row: HistoryRow, handoff_status: str | None, match: SearchMatch | None
) -> dict[str, Any]:
    """A history row as `SessionSummary` encodes it, built from the row's own values instead of
    validating a model per row (the history is a hot read): the columns hold the enums' values
    already. tests/sessions/test_history_encoding.py checks it against the model."""
    return {
        "id": row.id,
        "tree_id": row.tree_id,
        "tree_title": row.tree_title,
        "version_number": row.version_number,
        "technician_id": row.technician_id,
        "technician_name": row.technician_name,
        "created_by": row.created_by,
        "status": row.status,
        "outcome": row.outcome,
        "outcome_label": row.outcome_label,
        "abandon_reason": row.abandon_reason,
        "never_answered": row.answer_count == 0,
        "answer_count": row.answer_count,
        "created_at": row.created_at,
        "completed_at": row.completed_at,
        "match": match.model_dump() if match is not None else None,
        "handoff_status": handoff_status,
    }


SNIPPET_CONTEXT = 40


def _snippet(haystack: str, needle: str) -> str | None:
    """The part of `haystack` around `needle` (case-blind), or None when it is not there."""
    at = haystack.lower().find(needle)
    if at < 0:
        return None
    start, end = max(0, at - SNIPPET_CONTEXT), at + len(needle) + SNIPPET_CONTEXT
    return (
        ("…" if start else "")
        + haystack[start:end].replace("\n", " ")
        + ("…" if end < len(haystack) else "")
    )


def _match(text: str, row: HistoryRow, haystack: SearchHaystack) -> SearchMatch | None:
    """Where the free text (lower-cased) was found in a session of the page, the most
    telling place first: an intake value, the technician, the tree, then the notes."""
    for name, value in haystack.variables.items():
        if value is not None and (snippet := _snippet(str(value), text)) is not None:
            return SearchMatch(field="variable", name=name, snippet=snippet)
    if row.technician_score >= TYPO_SIMILARITY:
        return SearchMatch(field="technician", name=None, snippet=row.technician_name)
    if row.title_score >= TYPO_SIMILARITY:
        return SearchMatch(field="tree_title", name=None, snippet=row.tree_title)
    for note in haystack.step_notes:
        if (snippet := _snippet(note, text)) is not None:
            return SearchMatch(field="step_note", name=None, snippet=snippet)
    if (snippet := _snippet(haystack.notes, text)) is not None:
        return SearchMatch(field="notes", name=None, snippet=snippet)
    if haystack.resolution_note and (snippet := _snippet(haystack.resolution_note, text)):
        return SearchMatch(field="resolution_note", name=None, snippet=snippet)
    return None


async def list_outcome_labels(db: AsyncSession, caller: Caller) -> list[str]:
    return await repository.list_outcome_labels(db, caller.account_id)
