"""Tree search: ranked full text over title, tags, category, description and node text, with
typo-tolerant titles and highlights as plain parts (the SQL is in `repository/search.py`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core.pagination import (
    decode_cursor,
    encode_cursor,
    int_key,
    number_key,
    page_of,
)
from troubletree.trees.repository import search as search_queries
from troubletree.trees.repository.search import HIGHLIGHT_START, HIGHLIGHT_STOP
from troubletree.trees.schemas import (
    CategoryRef,
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
    after = decode_cursor("search", cursor, _search_key)
    rows = await search_queries.search_trees(
        db,
        caller.account_id,
        q.strip(),
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
            score=r.score,
            title_highlight=highlight_parts(r.title_highlight or ""),
            snippet=highlight_parts(r.snippet or ""),
        )
        for r in page
    ]
    return SearchPage(items=items, next_cursor=next_cursor)
