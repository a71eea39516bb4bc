"""Tree search: ranked full text over title, tags, category, description and node text that
forgives typing errors, with highlights as plain parts; searches that found nothing, kept for
authors (the SQL is in `repository/search.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core.clock import utcnow
from troubletree.core.pagination import (
    decode_cursor,
    encode_cursor,
    int_key,
    number_key,
    page_of,
)
from troubletree.trees.exceptions import InvalidPeriod
from troubletree.trees.repository import search as search_queries
from troubletree.trees.repository.search import HIGHLIGHT_START, HIGHLIGHT_STOP
from troubletree.trees.schemas import (
    CategoryRef,
    EmptySearchRead,
    HighlightPart,
    SearchHit,
    SearchPage,
    TreeRead,
    VersionRef,
)


def highlight_parts(marked: str) -> list[HighlightPart]:
    """Splits ts_headline output (matches between private-use markers) into parts, so clients
    render text, never markup. Matches apart only by spaces ("Power" " " "supply") read as
    one."""
    pieces: list[tuple[str, bool]] = []

    def add(text: str, match: bool) -> None:
        if not text:
            return
        if pieces and pieces[-1][1] == match:
            pieces[-1] = (pieces[-1][0] + text, match)
        elif match and len(pieces) >= 2 and pieces[-2][1] and not pieces[-1][0].strip():
            gap = pieces.pop()[0]
            pieces[-1] = (pieces[-1][0] + gap + text, True)
        else:
            pieces.append((text, match))

    first, *marked_runs = marked.split(HIGHLIGHT_START)
    add(first, False)
    for run in marked_runs:
        match, _, rest = run.partition(HIGHLIGHT_STOP)
        add(match, True)
        add(rest, False)
    return [HighlightPart(text=text, match=match) for text, match in pieces]


def _search_key(value: Any) -> tuple[int, float, int]:
    """A search cursor's key: [tier, score, usage]."""
    tier, score, usage = value
    return int_key(tier), number_key(score), int_key(usage)


async def search_trees(
    db: AsyncSession,
    caller: Caller,
    q: str,
    *,
    filters: search_queries.SearchFilters | None = None,
    cursor: str | None,
    limit: int,
) -> SearchPage:
    """A page of hits. The first page of a search that finds nothing answers `did_you_mean`
    and, when no filter narrowed it, is recorded as an empty search."""
    after = decode_cursor("search", cursor, _search_key)
    query = q.strip()
    filters = filters or search_queries.SearchFilters()
    rows, expanded = await search_queries.search_trees(
        db,
        caller.account_id,
        query,
        published_only=not caller.is_author,
        after=(*after[0], after[1]) if after else None,
        limit=limit + 1,
        filters=filters,
    )
    page, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor("search", [r.tier, r.score, r.usage], r.id)
    )
    items = [
        SearchHit(
            tree=TreeRead(
                id=r.id,
                title=r.title,
                description=r.description,
                status=r.status,
                category=CategoryRef(id=r.category_id, name=r.category_name)
                if r.category_id
                else None,
                tags=list(r.tags),
                usage_count=r.usage_count,
                draft_revision=r.draft_revision,
                current_version=VersionRef(
                    id=r.version_id, number=r.version_number, published_at=r.version_published_at
                )
                if r.version_id
                else None,
                created_by=r.created_by,
                created_at=r.created_at,
                updated_at=r.updated_at,
            ),
            score=r.shown_score,
            title_highlight=highlight_parts(r.title_highlight or ""),
            snippet=highlight_parts(r.snippet or ""),
        )
        for r in page
    ]
    if items or cursor is not None:
        return SearchPage(items=items, next_cursor=next_cursor)
    if filters.is_empty:
        await search_queries.record_empty_search(
            db, caller.account_id, caller.user_id, query, utcnow()
        )
    return SearchPage(items=[], next_cursor=None, did_you_mean=expanded.did_you_mean)


async def list_empty_searches(
    db: AsyncSession,
    caller: Caller,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
) -> list[EmptySearchRead]:
    """The account's searches that found nothing (what its trees are missing), one entry
    per query, most frequent first. Shared by the search API and the account's insights."""
    if since is not None and until is not None and until <= since:
        raise InvalidPeriod()
    rows = await search_queries.empty_searches(
        db, caller.account_id, since=since, until=until, limit=limit
    )
    return [
        EmptySearchRead(query=r.query, count=r.count, last_searched_at=r.last_searched_at)
        for r in rows
    ]
