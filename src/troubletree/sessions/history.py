"""Session history: the account's sessions newest first, by tab (mine, assigned to me, all),
filters and free text, cursor-paginated."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.accounts.exceptions import RoleRequired
from troubletree.core.clock import utcnow
from troubletree.core.pagination import datetime_key, decode_cursor, encode_cursor, page_of
from troubletree.sessions import repository
from troubletree.sessions.models import HandoffStatus, Outcome, SessionStatus
from troubletree.sessions.repository import (
    TYPO_SIMILARITY,
    HistoryFilter,
    HistoryRow,
    SearchHaystack,
)
from troubletree.sessions.schemas import (
    SearchMatch,
    SessionPage,
    SessionSummary,
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


async def list_sessions(db: AsyncSession, caller: Caller, query: HistoryQuery) -> SessionPage:
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
    items = [SessionSummary.model_validate(row, from_attributes=True) for row in page]
    escalated = [row.id for row in page if row.outcome == Outcome.escalated]
    if escalated:
        statuses = await repository.handoff_statuses(db, caller.account_id, escalated)
        for item in items:
            found = statuses.get(item.id)
            item.handoff_status = HandoffStatus(found) if found else None
    text = query.q.strip().lower() if query.q and query.q.strip() else None
    if text is not None:
        haystacks = await repository.search_haystacks(
            db, caller.account_id, [row.id for row in page]
        )
        for item, row in zip(items, page, strict=True):
            haystack = haystacks.get(row.id)
            item.match = _match(text, row, haystack) if haystack else None
    return SessionPage(items=items, next_cursor=next_cursor)


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
