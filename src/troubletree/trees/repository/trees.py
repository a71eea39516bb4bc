"""Queries of trees and their published versions.

A draft save is one guarded UPDATE (`draft_revision = :base`): a concurrent save of the same base
waits on the row lock, re-checks the condition against the new row and matches nothing. Versions
are only ever reached through a tree id that a scoped query returned in the same transaction, or
joined to their tree and scoped (`get_account_version`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from troubletree.auth.models import User
from troubletree.core.hot import HotStatement
from troubletree.core.queries import scoped
from troubletree.trees.models import (
    SEARCH_CONFIG,
    Category,
    Tree,
    TreeStatus,
    TreeVersion,
)
from troubletree.trees.repository.tags import carrying_tag

# The text search configuration of every search vector and query.
CONFIG: ColumnElement[Any] = literal_column(f"'{SEARCH_CONFIG}'::regconfig")


def node_text_vector(node_text: str) -> ColumnElement[Any]:
    """Node titles and bodies of a version: lexemes only (no positions), weight D."""
    return func.strip(func.to_tsvector(CONFIG, literal(node_text)))


# The words of a text as typed: lower-cased by the `simple` configuration (no stemming, no
# stop words), letters only, 4 to 30 of them (shorter words are matched exactly, never
# corrected), sorted and distinct (a tsvector's order).
SPELLING = "^[[:alpha:]]{4,30}$"


def spellings_sql(text_value: Any) -> ColumnElement[Any]:
    """`text[]` of the words of `text_value` as typed (see SPELLING)."""
    words = (
        func.unnest(
            func.tsvector_to_array(
                func.to_tsvector(literal_column("'simple'::regconfig"), text_value)
            )
        )
        .table_valued(column("w", Text))
        .render_derived(name="w")
    )
    return func.array(
        select(words.c.w)
        .where(words.c.w.op("~", is_comparison=True)(literal(SPELLING)))
        .order_by(words.c.w)
        .scalar_subquery()
    )


def is_live() -> ColumnElement[bool]:
    """Not (soft) deleted."""
    return Tree.deleted_at.is_(None)


# --------------------------------------------------------------------------- trees


TreeRow = tuple[Tree, Category | None, TreeVersion | None]


def _tree_rows(account_id: uuid.UUID) -> Select[Tree, Category, TreeVersion]:
    return scoped(
        select(Tree, Category, TreeVersion)
        .outerjoin(Category, Category.id == Tree.category_id)
        .outerjoin(TreeVersion, TreeVersion.id == Tree.current_version_id),
        Tree,
        account_id,
    ).where(is_live())


async def get_tree(
    db: AsyncSession,
    account_id: uuid.UUID,
    tree_id: uuid.UUID,
    *,
    published_only: bool = False,
    with_draft: bool = False,
    lock: bool = False,
) -> Tree | None:
    stmt = scoped(select(Tree), Tree, account_id).where(Tree.id == tree_id, is_live())
    if published_only:
        stmt = stmt.where(Tree.status == TreeStatus.published)
    if with_draft:
        stmt = stmt.options(undefer(Tree.draft_graph))
    if lock:
        stmt = stmt.with_for_update(key_share=True, of=Tree)
    stmt = stmt.execution_options(populate_existing=True)
    tree: Tree | None = (await db.execute(stmt)).scalar_one_or_none()
    return tree


# The busiest read (a technician opening a tree): plain columns from one statement built once
# and run on the request's asyncpg connection (core/hot.py).
_trees, _categories, _versions = Tree.__table__.c, Category.__table__.c, TreeVersion.__table__.c
# What a tree card shows (the technician's tree read and every library row): a tree with its
# category and current version as plain columns, read by name (`row["title"]`).
_CARD_COLUMNS = (
    _trees.id,
    _trees.title,
    _trees.description,
    _trees.status,
    _trees.usage_count,
    _trees.draft_revision,
    _trees.created_by,
    _trees.created_at,
    _trees.updated_at,
    _categories.id.label("category_id"),
    _categories.name.label("category_name"),
    _versions.id.label("version_id"),
    _versions.number.label("version_number"),
    _versions.published_at.label("version_published_at"),
)
_CARD_FROM = Tree.__table__.outerjoin(
    Category.__table__, _categories.id == _trees.category_id
).outerjoin(TreeVersion.__table__, _versions.id == _trees.current_version_id)
_TREE_CARD = HotStatement(
    scoped(select(*_CARD_COLUMNS).select_from(_CARD_FROM), _trees, bindparam("account_id")).where(
        _trees.id == bindparam("tree_id"), _trees.deleted_at.is_(None)
    )
)


async def get_tree_card(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID
) -> asyncpg.Record | None:
    """A live tree of the account with its category and current version, as plain columns
    (read by name: `row["title"]`)."""
    return await _TREE_CARD.fetchrow(db, account_id=account_id, tree_id=tree_id)


async def get_tree_row(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID, *, with_graphs: bool = False
) -> TreeRow | None:
    stmt = _tree_rows(account_id).where(Tree.id == tree_id)
    if with_graphs:
        stmt = stmt.options(undefer(Tree.draft_graph), undefer(TreeVersion.graph))
    row = (await db.execute(stmt.execution_options(populate_existing=True))).one_or_none()
    return (row[0], row[1], row[2]) if row else None


async def count_live_trees(db: AsyncSession, account_id: uuid.UUID) -> int:
    stmt = scoped(select(func.count()).select_from(Tree), Tree, account_id).where(is_live())
    return int(await db.scalar(stmt) or 0)


async def add_tree(db: AsyncSession, tree: Tree) -> Tree:
    db.add(tree)
    await db.flush()
    return tree


async def update_tree_at_revision(
    db: AsyncSession,
    account_id: uuid.UUID,
    tree_id: uuid.UUID,
    base_revision: int,
    values: dict[str, Any],
) -> int | None:
    """Applies `values` and bumps the revision only if the draft is still at `base_revision`;
    the new revision, or None (gone, or stale)."""
    stmt = (
        scoped(update(Tree), Tree, account_id)
        .where(Tree.id == tree_id, is_live(), Tree.draft_revision == base_revision)
        .values(**values, draft_revision=Tree.draft_revision + 1)
        .returning(Tree.draft_revision)
        .execution_options(synchronize_session=False)
    )
    revision = (await db.execute(stmt)).scalar_one_or_none()
    return int(revision) if revision is not None else None


async def update_tree(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID, values: dict[str, Any]
) -> None:
    """An unguarded change of a tree the caller has already locked."""
    await db.execute(
        scoped(update(Tree), Tree, account_id)
        .where(Tree.id == tree_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def current_revision(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID
) -> int | None:
    stmt = scoped(select(Tree.draft_revision), Tree, account_id).where(
        Tree.id == tree_id, is_live()
    )
    revision = await db.scalar(stmt)
    return int(revision) if revision is not None else None


async def soft_delete_tree(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID, now: datetime
) -> bool:
    stmt = (
        scoped(update(Tree), Tree, account_id)
        .where(Tree.id == tree_id, is_live())
        .values(deleted_at=now, updated_at=now)
        .returning(Tree.id)
        .execution_options(synchronize_session=False)
    )
    return (await db.execute(stmt)).scalar_one_or_none() is not None


async def increment_tree_usage(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID
) -> int | None:
    """One more use of a tree (a session started on it); the new count."""
    stmt = (
        scoped(update(Tree), Tree, account_id)
        .where(Tree.id == tree_id)
        .values(usage_count=Tree.usage_count + 1)
        .returning(Tree.usage_count)
        .execution_options(synchronize_session=False)
    )
    count = (await db.execute(stmt)).scalar_one_or_none()
    return int(count) if count is not None else None


async def published_tree_ids(
    db: AsyncSession, account_id: uuid.UUID, tree_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    ids = list(tree_ids)
    if not ids:
        return set()
    stmt = scoped(select(Tree.id), Tree, account_id).where(
        Tree.id.in_(ids),
        is_live(),
        Tree.status == TreeStatus.published,
        Tree.current_version_id.is_not(None),
    )
    return set((await db.execute(stmt)).scalars())


SortKey = Literal["title", "updated", "most_used"]


@dataclass(frozen=True)
class TreeFilters:
    status: TreeStatus | None = None
    category_id: uuid.UUID | None = None
    tags: Sequence[str] = ()
    created_by: uuid.UUID | None = None


def _sort_columns(sort: SortKey) -> tuple[Any, bool]:
    """The column the list is ordered by, and whether it runs ascending (ties: by id, same
    direction, so a (key, id) pair is a keyset cursor)."""
    if sort == "title":
        return func.lower(Tree.title), True
    if sort == "most_used":
        return Tree.usage_count, False
    return Tree.updated_at, False


# Which filters a library page has (their values travel as parameters): one statement per
# shape, built at its first use and run as a hot statement. Bounded: three sorts, three
# optional filters, up to ten tags (the router's limit), a cursor or none.
@dataclass(frozen=True, slots=True)
class _ListShape:
    sort: SortKey
    status: bool
    category: bool
    created_by: bool
    tags: int
    after: bool


_LIST_STATEMENTS: dict[_ListShape, HotStatement] = {}


def _list_statement(shape: _ListShape) -> HotStatement:
    found = _LIST_STATEMENTS.get(shape)
    if found is not None:
        return found
    key, ascending = _sort_columns(shape.sort)
    account = bindparam("account_id", type_=_trees.account_id.type)
    stmt = scoped(
        select(*_CARD_COLUMNS, key.label("sort_key")).select_from(_CARD_FROM), _trees, account
    ).where(_trees.deleted_at.is_(None))
    if shape.status:
        stmt = stmt.where(_trees.status == bindparam("status", type_=String))
    if shape.category:
        stmt = stmt.where(_trees.category_id == bindparam("category_id"))
    if shape.created_by:
        stmt = stmt.where(_trees.created_by == bindparam("created_by"))
    for i in range(shape.tags):
        stmt = stmt.where(_trees.id.in_(carrying_tag(bindparam(f"tag_{i}", type_=String), account)))
    if shape.after:
        pair = tuple_(key, _trees.id)
        bound = tuple_(
            bindparam("after_key", type_=key.type), bindparam("after_id", type_=_trees.id.type)
        )
        stmt = stmt.where(pair > bound if ascending else pair < bound)
    order = (key.asc(), _trees.id.asc()) if ascending else (key.desc(), _trees.id.desc())
    stmt = stmt.order_by(*order).limit(bindparam("limit", type_=Integer))
    return _LIST_STATEMENTS.setdefault(shape, HotStatement(stmt))


async def list_trees(
    db: AsyncSession,
    account_id: uuid.UUID,
    filters: TreeFilters,
    *,
    sort: SortKey,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """One page of live trees as card rows (the columns of `get_tree_card`) with their sort
    key, `row["sort_key"]` (for the next cursor)."""
    shape = _ListShape(
        sort=sort,
        status=filters.status is not None,
        category=filters.category_id is not None,
        created_by=filters.created_by is not None,
        tags=len(filters.tags),
        after=after is not None,
    )
    params: dict[str, Any] = {
        "account_id": account_id,
        "status": filters.status.value if filters.status is not None else None,
        "category_id": filters.category_id,
        "created_by": filters.created_by,
        "after_key": after[0] if after else None,
        "after_id": after[1] if after else None,
        "limit": limit,
    }
    params.update({f"tag_{i}": name.lower() for i, name in enumerate(filters.tags)})
    return await _list_statement(shape).fetch(db, **params)


# --------------------------------------------------------------------------- versions


async def max_version_number(db: AsyncSession, tree_id: uuid.UUID) -> int:
    stmt = select(func.coalesce(func.max(TreeVersion.number), 0)).where(
        TreeVersion.tree_id == tree_id
    )
    return int(await db.scalar(stmt) or 0)


async def add_version(
    db: AsyncSession,
    *,
    tree_id: uuid.UUID,
    number: int,
    title: str,
    graph: dict[str, Any],
    node_text: str,
    changelog: str,
    published_by: uuid.UUID,
    published_at: datetime,
) -> TreeVersion:
    version_id = uuid.uuid4()
    await db.execute(
        pg_insert(TreeVersion).values(
            id=version_id,
            tree_id=tree_id,
            number=number,
            title=title,
            graph=graph,
            search_nodes=node_text_vector(node_text),
            search_spellings=spellings_sql(literal(node_text)),
            changelog=changelog,
            published_by=published_by,
            published_at=published_at,
        )
    )
    version = await get_version_by_id(db, version_id, with_graph=True)
    assert version is not None
    return version


async def get_version_by_id(
    db: AsyncSession, version_id: uuid.UUID, *, with_graph: bool = False
) -> TreeVersion | None:
    stmt = select(TreeVersion).where(TreeVersion.id == version_id)
    if with_graph:
        stmt = stmt.options(undefer(TreeVersion.graph))
    version: TreeVersion | None = (await db.execute(stmt)).scalar_one_or_none()
    return version


async def get_account_version(
    db: AsyncSession, account_id: uuid.UUID, version_id: uuid.UUID
) -> TreeVersion | None:
    """A version by id within the account, even when its tree was deleted since: sessions
    that ran it can still read it."""
    stmt = (
        scoped(select(TreeVersion).join(Tree, Tree.id == TreeVersion.tree_id), Tree, account_id)
        .where(TreeVersion.id == version_id)
        .options(undefer(TreeVersion.graph))
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def get_version(
    db: AsyncSession, tree_id: uuid.UUID, number: int, *, with_graph: bool = True
) -> TreeVersion | None:
    stmt = select(TreeVersion).where(TreeVersion.tree_id == tree_id, TreeVersion.number == number)
    if with_graph:
        stmt = stmt.options(undefer(TreeVersion.graph))
    version: TreeVersion | None = (await db.execute(stmt)).scalar_one_or_none()
    return version


async def list_versions(
    db: AsyncSession, tree_id: uuid.UUID, *, before: int | None, limit: int
) -> list[TreeVersion]:
    stmt = select(TreeVersion).where(TreeVersion.tree_id == tree_id)
    if before is not None:
        stmt = stmt.where(TreeVersion.number < before)
    stmt = stmt.order_by(TreeVersion.number.desc()).limit(limit)
    return list((await db.execute(stmt)).scalars())


# The sessions table as trees may read it (sessions import trees, never the other way round).
_sessions = table(
    "troubleshooting_sessions",
    column("account_id", UUID(as_uuid=True)),
    column("tree_id", UUID(as_uuid=True)),
    column("tree_version_id", UUID(as_uuid=True)),
)


async def version_publishers(
    db: AsyncSession, user_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """The full names of the users who published these versions."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = await db.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


async def session_counts(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID, version_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many sessions pinned each of these versions of the tree."""
    ids = list(version_ids)
    if not ids:
        return {}
    stmt = (
        scoped(select(_sessions.c.tree_version_id, func.count()), _sessions.c, account_id)
        .where(_sessions.c.tree_id == tree_id, _sessions.c.tree_version_id.in_(ids))
        .group_by(_sessions.c.tree_version_id)
    )
    return {row[0]: int(row[1]) for row in await db.execute(stmt)}
