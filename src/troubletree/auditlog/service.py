"""The audit log as its readers see it: pages newest first (keyset on the event id), and CSV
exports of everything a filter matches, streamed in batches."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.auditlog import repository
from troubletree.auditlog.repository import AuditFilters, EventRow
from troubletree.auditlog.schemas import AuditEventRead, AuditPage
from troubletree.core.db import get_database
from troubletree.core.errors import Unprocessable
from troubletree.core.pagination import decode_id_cursor, encode_id_cursor

CURSOR_KIND = "audit"
EXPORT_BATCH = 500
CSV_COLUMNS = (
    "id",
    "created_at",
    "action",
    "account_id",
    "actor_id",
    "actor_email",
    "actor_name",
    "api_key_id",
    "subject",
    "ip",
    "data",
)


class InvalidDateRange(Unprocessable):
    code = "invalid_date_range"
    message = "The end of the date range is before its start."

    def __init__(self) -> None:
        super().__init__(field="created_to")


def check_filters(f: AuditFilters) -> AuditFilters:
    """Times without a zone are UTC; the range must not end before it starts."""
    start, end = (
        t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t
        for t in (f.created_from, f.created_to)
    )
    if start is not None and end is not None and end < start:
        raise InvalidDateRange()
    return AuditFilters(f.actor_id, f.action, start, end, f.account_id)


def event_read(row: EventRow) -> AuditEventRead:
    event, email, name = row
    key_id = event.data.get("api_key_id") if isinstance(event.data, dict) else None
    return AuditEventRead(
        id=event.id,
        created_at=event.created_at,
        action=event.action,
        account_id=event.account_id,
        actor_id=event.actor_id,
        actor_email=email,
        actor_name=name,
        api_key_id=uuid.UUID(key_id) if isinstance(key_id, str) else None,
        subject=event.subject,
        ip=event.ip,
        data=event.data or {},
    )


def _page(rows: Sequence[EventRow], limit: int) -> AuditPage:
    items = [event_read(r) for r in rows[:limit]]
    more = len(rows) > limit and bool(items)
    return AuditPage(
        items=items, next_cursor=encode_id_cursor(CURSOR_KIND, items[-1].id) if more else None
    )


async def list_account_events(
    db: AsyncSession, caller: Caller, f: AuditFilters, cursor: str | None, limit: int
) -> AuditPage:
    before = decode_id_cursor(CURSOR_KIND, cursor)
    rows = await repository.account_events(db, caller.account_id, f, before, limit + 1)
    return _page(rows, limit)


async def list_platform_events(
    db: AsyncSession, f: AuditFilters, cursor: str | None, limit: int
) -> AuditPage:
    before = decode_id_cursor(CURSOR_KIND, cursor)
    return _page(await repository.platform_events(db, f, before, limit + 1), limit)


async def list_account_actions(db: AsyncSession, caller: Caller) -> list[str]:
    return await repository.account_actions(db, caller.account_id)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading =, +, -, @, tab or carriage return
    would make it a formula (OWASP "CSV Injection"), so such a cell starts with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _csv_line(values: Sequence[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(v) for v in values])
    return out.getvalue()


async def export_csv(f: AuditFilters, account_id: uuid.UUID | None) -> AsyncIterator[str]:
    """Every event the filters match, newest first, as CSV lines. `account_id` narrows it to
    one account (an admin's export); None reads the platform's log (a superuser's). Runs after
    the request's own transaction, in short read transactions of its own, one per batch."""
    yield _csv_line(CSV_COLUMNS)
    before: int | None = None
    while True:
        async with get_database().sessionmaker() as db:
            if account_id is not None:
                rows = await repository.account_events(db, account_id, f, before, EXPORT_BATCH)
            else:
                rows = await repository.platform_events(db, f, before, EXPORT_BATCH)
        for row in rows:
            e = event_read(row)
            yield _csv_line(
                (
                    e.id,
                    e.created_at.isoformat(),
                    e.action,
                    e.account_id,
                    e.actor_id,
                    e.actor_email,
                    e.actor_name,
                    e.api_key_id,
                    e.subject,
                    e.ip,
                    json.dumps(e.data, sort_keys=True, default=str),
                )
            )
        if len(rows) < EXPORT_BATCH:
            return
        before = rows[-1][0].id
