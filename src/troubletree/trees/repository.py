"""Every query of trees, versions, categories and tags.

Account-owned rows (trees, categories, tags) are narrowed to the caller's account by `scoped()`
and nowhere else. Link rows (tree_tags) and versions are only ever reached through a tree id
that a scoped query returned in the same transaction.

Concurrency rules:
- A draft save is one guarded UPDATE (`draft_revision = :base`): a concurrent save of the same
  base waits on the row lock, re-checks the condition against the new row and matches nothing.
- Whoever changes a tree's tags holds that tree's row lock first (the guarded UPDATE, or
  `FOR NO KEY UPDATE`), so one tree's tag links change one transaction at a time.
- Tag counters move only for link rows really inserted (`ON CONFLICT DO NOTHING RETURNING`) or
  really deleted (`DELETE ... RETURNING`), by SQL-side `usage_count + 1`, after locking the tag
  rows in id order (`FOR NO KEY UPDATE`, which does not block foreign-key checks) so two
  transactions never wait on each other's counters in a cycle.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, Self, TypeVar

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Row,
    Select,
    String,
    all_,
    and_,
    bindparam,
    case,
    column,
    delete,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, undefer
from sqlalchemy.sql.elements import BindParameter

from troubletree.accounts.models import Account
from troubletree.trees.models import (
    SEARCH_CONFIG,
    Category,
    Tag,
    Tree,
    TreeStatus,
    TreeTag,
    TreeVersion,
)


class _Filterable(Protocol):
    def where(self, *whereclause: Any) -> Self: ...


Stmt = TypeVar("Stmt", bound=_Filterable)

CONFIG: ColumnElement[Any] = literal_column(f"'{SEARCH_CONFIG}'::regconfig")
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_STOP = "\ue001"
TITLE_HEADLINE = f"HighlightAll=true, StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}"
SNIPPET_HEADLINE = (
    f'MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … ", '
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}"
)
# How much a typo-tolerant title match weighs against the full-text rank.
SIMILARITY_WEIGHT = 0.5
# Word similarity a title needs to match a query with typos (pg_trgm's default is 0.6, which
# lets "pwoer supply" through but not "pwer suply").
WORD_SIMILARITY_THRESHOLD = 0.5


def scoped(stmt: Stmt, model: Any, account_id: uuid.UUID | BindParameter[Any]) -> Stmt:
    """The one place account-owned rows are narrowed to the caller's account."""
    return stmt.where(model.account_id == account_id)


def _live() -> ColumnElement[bool]:
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
    ).where(_live())


async def get_tree(
    db: AsyncSession,
    account_id: uuid.UUID,
    tree_id: uuid.UUID,
    *,
    published_only: bool = False,
    with_draft: bool = False,
    lock: bool = False,
) -> Tree | None:
    stmt = scoped(select(Tree), Tree, account_id).where(Tree.id == tree_id, _live())
    if published_only:
        stmt = stmt.where(Tree.status == TreeStatus.published)
    if with_draft:
        stmt = stmt.options(undefer(Tree.draft_graph))
    if lock:
        stmt = stmt.with_for_update(key_share=True, of=Tree)
    stmt = stmt.execution_options(populate_existing=True)
    tree: Tree | None = (await db.execute(stmt)).scalar_one_or_none()
    return tree


async def get_tree_row(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID, *, with_graphs: bool = False
) -> TreeRow | None:
    stmt = _tree_rows(account_id).where(Tree.id == tree_id)
    if with_graphs:
        stmt = stmt.options(undefer(Tree.draft_graph), undefer(TreeVersion.graph))
    row = (await db.execute(stmt.execution_options(populate_existing=True))).one_or_none()
    return (row[0], row[1], row[2]) if row else None


async def lock_account_for_create(db: AsyncSession, account_id: uuid.UUID) -> Account | None:
    """The account row `FOR NO KEY UPDATE`: creates of one account queue here (and behind
    `accounts.repository.lock_account`), so counting and inserting cannot interleave.

    Not `FOR UPDATE`: that would also block every foreign-key check on the account (an audit
    event, a re-checked tree row) and close a cycle with a transaction that holds tag counters
    and then touches the account."""
    stmt = (
        select(Account)
        .where(Account.id == account_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    account: Account | None = (await db.execute(stmt)).scalar_one_or_none()
    return account


async def count_live_trees(db: AsyncSession, account_id: uuid.UUID) -> int:
    stmt = scoped(select(func.count()).select_from(Tree), Tree, account_id).where(_live())
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
        .where(Tree.id == tree_id, _live(), Tree.draft_revision == base_revision)
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
    stmt = scoped(select(Tree.draft_revision), Tree, account_id).where(Tree.id == tree_id, _live())
    revision = await db.scalar(stmt)
    return int(revision) if revision is not None else None


async def soft_delete_tree(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID, now: datetime
) -> bool:
    stmt = (
        scoped(update(Tree), Tree, account_id)
        .where(Tree.id == tree_id, _live())
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
        _live(),
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


async def list_trees(
    db: AsyncSession,
    account_id: uuid.UUID,
    filters: TreeFilters,
    *,
    sort: SortKey,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
) -> list[tuple[TreeRow, Any]]:
    """One page of live trees with their sort key (for the next cursor)."""
    key, ascending = _sort_columns(sort)
    stmt = _tree_rows(account_id).add_columns(key)
    if filters.status is not None:
        stmt = stmt.where(Tree.status == filters.status)
    if filters.category_id is not None:
        stmt = stmt.where(Tree.category_id == filters.category_id)
    if filters.created_by is not None:
        stmt = stmt.where(Tree.created_by == filters.created_by)
    for name in filters.tags:
        carrying = scoped(
            select(TreeTag.tree_id).join(Tag, Tag.id == TreeTag.tag_id), Tag, account_id
        ).where(func.lower(Tag.name) == name.lower())
        stmt = stmt.where(Tree.id.in_(carrying))
    if after is not None:
        pair, bound = tuple_(key, Tree.id), tuple_(literal(after[0]), literal(after[1]))
        stmt = stmt.where(pair > bound if ascending else pair < bound)
    order = (key.asc(), Tree.id.asc()) if ascending else (key.desc(), Tree.id.desc())
    rows = (await db.execute(stmt.order_by(*order).limit(limit))).all()
    return [((r[0], r[1], r[2]), r[3]) for r in rows]


async def tag_names_of(
    db: AsyncSession, tree_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {tree_id: [] for tree_id in tree_ids}
    if not tree_ids:
        return out
    stmt = (
        select(TreeTag.tree_id, Tag.name)
        .join(Tag, Tag.id == TreeTag.tag_id)
        .where(TreeTag.tree_id.in_(tree_ids))
        .order_by(func.lower(Tag.name))
    )
    for tree_id, name in (await db.execute(stmt)).all():
        out[tree_id].append(name)
    return out


# --------------------------------------------------------------------------- search vector


def _weighted(text_value: Any, weight: str) -> ColumnElement[Any]:
    return func.setweight(func.to_tsvector(CONFIG, text_value), literal_column(f"'{weight}'"))


def node_text_vector(node_text: str) -> ColumnElement[Any]:
    """Node titles and bodies of a version: lexemes only (no positions), weight D."""
    return func.strip(func.to_tsvector(CONFIG, literal(node_text)))


async def refresh_search(
    db: AsyncSession, account_id: uuid.UUID, tree_ids: Sequence[uuid.UUID]
) -> None:
    """Recomputes the search vectors of these trees: `search_head` from title (A) and tags
    (B); `search_vector` from those plus category and description (C) and the node text of
    the current version (D)."""
    if not tree_ids:
        return
    tag_text = (
        select(func.string_agg(Tag.name, literal_column("' '")))
        .join(TreeTag, TreeTag.tag_id == Tag.id)
        .where(TreeTag.tree_id == Tree.id)
        .scalar_subquery()
    )
    category_name = select(Category.name).where(Category.id == Tree.category_id).scalar_subquery()
    nodes = (
        select(TreeVersion.search_nodes)
        .where(TreeVersion.id == Tree.current_version_id)
        .scalar_subquery()
    )
    head = _weighted(Tree.title, "A").op("||")(_weighted(func.coalesce(tag_text, ""), "B"))
    rest = _weighted(func.concat_ws(" ", category_name, Tree.description), "C").op("||")(
        func.coalesce(nodes, literal_column("''::tsvector"))
    )
    await db.execute(
        scoped(update(Tree), Tree, account_id)
        .where(Tree.id.in_(list(tree_ids)))
        .values(search_head=head, search_vector=head.op("||")(rest))
        .execution_options(synchronize_session=False)
    )


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


# --------------------------------------------------------------------------- tags


async def ensure_tags(
    db: AsyncSession, account_id: uuid.UUID, names: Sequence[str]
) -> dict[str, uuid.UUID]:
    """The ids of these tags (by lower-cased name), creating the missing ones. Inserted in
    name order, so concurrent transactions creating the same new tags never deadlock."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(name.lower(), name)
    if not wanted:
        return {}
    rows = [
        {"id": uuid.uuid4(), "account_id": account_id, "name": wanted[key]}
        for key in sorted(wanted)
    ]
    await db.execute(
        pg_insert(Tag)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[Tag.account_id, func.lower(Tag.name)])
    )
    stmt = scoped(select(Tag.id, func.lower(Tag.name)), Tag, account_id).where(
        func.lower(Tag.name).in_(list(wanted))
    )
    return {key: tag_id for tag_id, key in (await db.execute(stmt)).all()}


async def existing_tag_ids(
    db: AsyncSession, account_id: uuid.UUID, tag_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    if not tag_ids:
        return set()
    stmt = scoped(select(Tag.id), Tag, account_id).where(Tag.id.in_(list(tag_ids)))
    return set((await db.execute(stmt)).scalars())


async def tag_ids_of(db: AsyncSession, tree_id: uuid.UUID) -> set[uuid.UUID]:
    stmt = select(TreeTag.tag_id).where(TreeTag.tree_id == tree_id)
    return set((await db.execute(stmt)).scalars())


async def _adjust_tag_counts(
    db: AsyncSession, added: Sequence[uuid.UUID], removed: Sequence[uuid.UUID]
) -> None:
    touched = sorted(set(added) | set(removed))
    if not touched:
        return
    await db.execute(
        select(Tag.id).where(Tag.id.in_(touched)).order_by(Tag.id).with_for_update(key_share=True)
    )
    delta = case((Tag.id.in_(list(added)), 1), else_=0) - case(
        (Tag.id.in_(list(removed)), 1), else_=0
    )
    await db.execute(
        update(Tag)
        .where(Tag.id.in_(touched))
        .values(usage_count=Tag.usage_count + delta)
        .execution_options(synchronize_session=False)
    )


async def set_tree_tags(
    db: AsyncSession, tree_id: uuid.UUID, wanted: set[uuid.UUID]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Makes the tree carry exactly `wanted` (the caller holds the tree's row lock); counters
    move for the link rows really added and removed. Returns (added, removed)."""
    current = await tag_ids_of(db, tree_id)
    added: list[uuid.UUID] = []
    removed: list[uuid.UUID] = []
    to_add = sorted(wanted - current)
    if to_add:
        added = list(
            (
                await db.execute(
                    pg_insert(TreeTag)
                    .values([{"tree_id": tree_id, "tag_id": t} for t in to_add])
                    .on_conflict_do_nothing()
                    .returning(TreeTag.tag_id)
                )
            ).scalars()
        )
    to_remove = sorted(current - wanted)
    if to_remove:
        removed = list(
            (
                await db.execute(
                    delete(TreeTag)
                    .where(TreeTag.tree_id == tree_id, TreeTag.tag_id.in_(to_remove))
                    .returning(TreeTag.tag_id)
                    .execution_options(synchronize_session=False)
                )
            ).scalars()
        )
    await _adjust_tag_counts(db, added, removed)
    return added, removed


async def list_tags(
    db: AsyncSession, account_id: uuid.UUID, *, prefix: str | None, limit: int
) -> list[Tag]:
    stmt = scoped(select(Tag), Tag, account_id)
    if prefix:
        escaped = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(Tag.name).like(f"{escaped}%", escape="\\"))
    stmt = stmt.order_by(Tag.usage_count.desc(), func.lower(Tag.name)).limit(limit)
    return list((await db.execute(stmt.execution_options(populate_existing=True))).scalars())


# --------------------------------------------------------------------------- categories


async def list_categories(
    db: AsyncSession, account_id: uuid.UUID, *, published_only: bool
) -> list[tuple[Category, int]]:
    counted = scoped(
        select(Tree.category_id, func.count().label("n")).group_by(Tree.category_id),
        Tree,
        account_id,
    ).where(_live(), Tree.category_id.is_not(None))
    if published_only:
        counted = counted.where(Tree.status == TreeStatus.published)
    counts = counted.subquery()
    stmt = scoped(
        select(Category, func.coalesce(counts.c.n, 0)).outerjoin(
            counts, counts.c.category_id == Category.id
        ),
        Category,
        account_id,
    ).order_by(func.lower(Category.name))
    return [(c, int(n)) for c, n in (await db.execute(stmt)).all()]


async def get_category(
    db: AsyncSession, account_id: uuid.UUID, category_id: uuid.UUID
) -> Category | None:
    stmt = scoped(select(Category), Category, account_id).where(Category.id == category_id)
    category: Category | None = (
        await db.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    return category


async def find_category_by_name(
    db: AsyncSession, account_id: uuid.UUID, name: str
) -> Category | None:
    stmt = scoped(select(Category), Category, account_id).where(
        func.lower(Category.name) == name.lower()
    )
    category: Category | None = (await db.execute(stmt)).scalar_one_or_none()
    return category


async def insert_category(
    db: AsyncSession, account_id: uuid.UUID, name: str, slug: str
) -> Category | None:
    """The new category, or None when the account already has one of that name."""
    category_id = (
        await db.execute(
            pg_insert(Category)
            .values(id=uuid.uuid4(), account_id=account_id, name=name, slug=slug)
            .on_conflict_do_nothing(index_elements=[Category.account_id, func.lower(Category.name)])
            .returning(Category.id)
        )
    ).scalar_one_or_none()
    return await get_category(db, account_id, category_id) if category_id else None


async def rename_category(
    db: AsyncSession, account_id: uuid.UUID, category_id: uuid.UUID, name: str, slug: str
) -> bool:
    """False when another category of the account has that name (checked by the unique index,
    inside a savepoint, so a concurrent rename cannot slip through)."""
    try:
        async with db.begin_nested():
            await db.execute(
                scoped(update(Category), Category, account_id)
                .where(Category.id == category_id)
                .values(name=name, slug=slug)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        return False
    return True


async def clear_category(
    db: AsyncSession, account_id: uuid.UUID, category_id: uuid.UUID
) -> list[uuid.UUID]:
    """Takes the category off every tree (deleted ones too); the ids of the live ones."""
    stmt = (
        scoped(update(Tree), Tree, account_id)
        .where(Tree.category_id == category_id)
        .values(category_id=None)
        .returning(Tree.id, Tree.deleted_at)
        .execution_options(synchronize_session=False)
    )
    return [tree_id for tree_id, deleted_at in (await db.execute(stmt)).all() if deleted_at is None]


async def delete_category(db: AsyncSession, account_id: uuid.UUID, category_id: uuid.UUID) -> None:
    await db.execute(
        scoped(delete(Category), Category, account_id)
        .where(Category.id == category_id)
        .execution_options(synchronize_session=False)
    )


async def trees_in_category(
    db: AsyncSession, account_id: uuid.UUID, category_id: uuid.UUID
) -> list[uuid.UUID]:
    stmt = scoped(select(Tree.id), Tree, account_id).where(Tree.category_id == category_id, _live())
    return list((await db.execute(stmt)).scalars())


# --------------------------------------------------------------------------- search


# Run first in a search's transaction (SET LOCAL: gone at commit):
# - the typo threshold;
# - custom plans only: how many rows a word matches decides the plan, and a generic plan,
#   blind to the query, would be wrong by a factor of ten or more for some queries;
# - for the probe that follows, bitmap scans only: the planner does not count decompressing
#   a toasted search vector per row, and would test rows one by one where the GIN index
#   answers without touching the vectors. The probe turns index scans back on.
SEARCH_SETTINGS = select(
    func.set_config("pg_trgm.word_similarity_threshold", str(WORD_SIMILARITY_THRESHOLD), True),
    func.set_config("plan_cache_mode", "force_custom_plan", True),
    func.set_config("enable_seqscan", "off", True),
    func.set_config("enable_indexscan", "off", True),
)


# Matches of a common word collected before walking the usage index instead (see tier 1).
NODE_SCAN_CAP = 2000
# Search tiers, in the order results are listed.
TIER_HEAD, TIER_NODES, TIER_TYPO = 0, 1, 2
SearchCursor = tuple[int, float, int, uuid.UUID]  # tier, score, usage, id


@dataclass(frozen=True)
class SearchFilters:
    """Narrows a search the way the list's filters narrow the list."""

    status: TreeStatus | None = None
    category_id: uuid.UUID | None = None
    tags: Sequence[str] = ()

    @property
    def shape(self) -> SearchFilterShape:
        return (self.status is not None, self.category_id is not None, len(self.tags))


# Which filters a search has: status, category, how many tags (the statement's shape; the
# values are parameters).
SearchFilterShape = tuple[bool, bool, int]
NO_FILTERS: SearchFilterShape = (False, False, 0)


def _search_filters(
    shape: SearchFilterShape, account_id: BindParameter[Any]
) -> list[ColumnElement[bool]]:
    has_status, has_category, tag_count = shape
    conditions: list[ColumnElement[bool]] = []
    if has_status:
        conditions.append(Tree.status == bindparam("status", type_=String))
    if has_category:
        conditions.append(Tree.category_id == bindparam("category_id", type_=Tree.id.type))
    for i in range(tag_count):
        carrying = scoped(
            select(TreeTag.tree_id).join(Tag, Tag.id == TreeTag.tag_id), Tag, account_id
        ).where(func.lower(Tag.name) == bindparam(f"tag_{i}", type_=String))
        conditions.append(Tree.id.in_(carrying))
    return conditions


def _text_only(query: ColumnElement[Any]) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Matches of tier 1: the whole text, but not the title or tags."""
    return (
        Tree.search_vector.op("@@", is_comparison=True)(query),
        not_(Tree.search_head.op("@@", is_comparison=True)(query)),
    )


def _query() -> tuple[BindParameter[Any], ColumnElement[Any]]:
    q = bindparam("q", type_=String)
    return q, func.websearch_to_tsquery(CONFIG, q)


@functools.lru_cache(maxsize=64)
def search_probe(
    published_only: bool, filters: SearchFilterShape = NO_FILTERS
) -> Select[*tuple[Any, ...]]:
    """How many trees match the query only outside title and tags, counted up to
    NODE_SCAN_CAP + 1 through the GIN index (planned under SEARCH_SETTINGS); it turns index
    scans back on for the search itself."""
    _, query = _query()
    account_id = bindparam("account_id", type_=Tree.account_id.type)
    matches = scoped(select(Tree.id), Tree, account_id).where(
        _live(), *_text_only(query), *_search_filters(filters, account_id)
    )
    if published_only:
        matches = matches.where(Tree.status == TreeStatus.published)
    capped = matches.limit(NODE_SCAN_CAP + 1).subquery()
    return select(
        func.count().label("matches"), func.set_config("enable_indexscan", "on", True)
    ).select_from(capped)


@functools.lru_cache(maxsize=256)
def search_statement(
    published_only: bool,
    after_tier: int | None,
    common: bool,
    filters: SearchFilterShape = NO_FILTERS,
) -> Select[*tuple[Any, ...]]:
    """The search: one statement that matches, ranks, pages and highlights (run after
    SEARCH_SETTINGS and `search_probe` in the same transaction, with `search_params`). Built
    once per shape (who searches, which tier a cursor points into, whether the probe found
    the words common) and cached: only parameters change. Benchmarks run exactly this.

    Results come in three tiers, each from its own index, each ordered by (score, usage, id)
    descending, and each stopping as soon as the page is full:

    0. full-text matches in the title or tags (`search_head`, GIN), ranked by weight (title A
       above tags B);
    1. matches that need the category, the description or the node text of the current
       version (`search_vector`, GIN), most used first: up to NODE_SCAN_CAP matches are
       collected and sorted; words with more matches (`common`, from the probe) walk the
       usage index instead, which fills a page after a few hundred rows at most;
    2. titles within trigram word-similarity of the query (typos, `ix_trees_title_trgm`),
       looked at only when the tiers above do not fill the page.

    Filters (status, category, tags) narrow every tier. Highlights, snippets and tags are
    computed for the page only."""
    q, query = _query()
    account_id = bindparam("account_id", type_=Tree.account_id.type)
    need = bindparam("need", type_=Integer)
    narrowed = _search_filters(filters, account_id)
    in_head = Tree.search_head.op("@@", is_comparison=True)(query)
    # Written the way the trigram index reads it (title %> q), so it is checked once.
    similar_title = Tree.title.op("%>", is_comparison=True)(q)
    head_rank = func.ts_rank(Tree.search_head, query).cast(Float)
    similarity = func.word_similarity(q, Tree.title).cast(Float)

    def arm(tier: int, score: ColumnElement[Any], *conditions: ColumnElement[bool]) -> Select[Any]:
        stmt = scoped(
            select(
                Tree.id,
                literal(tier).label("tier"),
                score.label("score"),
                Tree.usage_count.label("usage"),
            ),
            Tree,
            account_id,
        ).where(_live(), *conditions, *narrowed)
        if published_only:
            stmt = stmt.where(Tree.status == TreeStatus.published)
        if after_tier is not None:
            if tier < after_tier:
                stmt = stmt.where(false())
            elif tier == after_tier:
                after_score = bindparam("after_score", type_=Float)
                after = tuple_(
                    bindparam("after_usage", type_=Integer),
                    bindparam("after_id", type_=Tree.id.type),
                )
                stmt = stmt.where(
                    or_(
                        score < after_score,
                        and_(score == after_score, tuple_(Tree.usage_count, Tree.id) < after),
                    )
                )
        return stmt.order_by(score.desc(), Tree.usage_count.desc(), Tree.id.desc()).limit(need)

    def fewer_than_needed(*ctes: Any) -> ColumnElement[bool]:
        """True when these tiers together have less than a page (evaluated once)."""
        found = union_all(*(select(c.c.id) for c in ctes)).subquery()
        return (
            select(func.count())
            .select_from(select(found.c.id).limit(need).subquery())
            .scalar_subquery()
            < need
        )

    head = arm(TIER_HEAD, head_rank, in_head).cte("head")

    only_text = _text_only(query)
    if common:
        nodes = arm(TIER_NODES, literal(0.0, Float), *only_text, fewer_than_needed(head))
    else:
        collected = (
            scoped(select(Tree.id, Tree.usage_count.label("usage")), Tree, account_id)
            .where(_live(), *only_text, *narrowed, fewer_than_needed(head))
            .limit(NODE_SCAN_CAP + 1)
        )
        if published_only:
            collected = collected.where(Tree.status == TreeStatus.published)
        found_text = collected.subquery()
        nodes = select(
            found_text.c.id,
            literal(TIER_NODES).label("tier"),
            literal(0.0, Float).label("score"),
            found_text.c.usage,
        )
        if after_tier is not None and after_tier > TIER_NODES:
            nodes = nodes.where(false())
        elif after_tier == TIER_NODES:
            nodes = nodes.where(
                tuple_(found_text.c.usage, found_text.c.id)
                < tuple_(
                    bindparam("after_usage", type_=Integer),
                    bindparam("after_id", type_=Tree.id.type),
                )
            )
        nodes = nodes.order_by(found_text.c.usage.desc(), found_text.c.id.desc()).limit(need)
    nodes_cte = nodes.cte("nodes")
    other = aliased(Tree)
    text_matches = scoped(select(other.id), other, account_id).where(
        other.search_vector.op("@@", is_comparison=True)(query)
    )
    typos = arm(
        TIER_TYPO,
        similarity * SIMILARITY_WEIGHT,
        similar_title,
        not_(in_head),
        Tree.id.not_in(text_matches),
        fewer_than_needed(head, nodes_cte),
    ).cte("typos")
    found = union_all(select(head), select(nodes_cte), select(typos)).subquery()
    hits = (
        select(found)
        .order_by(found.c.tier, found.c.score.desc(), found.c.usage.desc(), found.c.id.desc())
        .limit(need)
        .subquery()
    )

    # The snippet: the description where it matches; else, when the version's node text
    # matches, the first matching node (nodes lacking a query word are skipped by a cheap
    # substring test before the exact check); else the start of the description.
    description_matches = func.to_tsvector(CONFIG, Tree.description).op("@@", is_comparison=True)(
        query
    )
    lexeme = func.unnest(func.tsvector_to_array(func.to_tsvector(CONFIG, q))).alias("l")
    patterns = func.array(
        select(
            func.concat(
                "%",
                func.replace(func.replace(func.left(column("l"), 4), "%", r"\%"), "_", r"\_"),
                "%",
            )
        )
        .select_from(lexeme)
        .scalar_subquery()
    )
    node = (
        func.jsonb_array_elements(TreeVersion.graph["nodes"])
        .table_valued(column("value", JSONB))
        .alias("n")
    )
    node_text = func.concat_ws(": ", node.c.value["title"].astext, node.c.value["body"].astext)
    matching_node = (
        select(func.ts_headline(CONFIG, node_text, query, SNIPPET_HEADLINE))
        .select_from(node)
        .where(
            func.lower(node_text).op("LIKE", is_comparison=True)(all_(patterns)),
            func.to_tsvector(CONFIG, node_text).op("@@", is_comparison=True)(query),
        )
        .limit(1)
        .scalar_subquery()
    )
    snippet = func.coalesce(
        case(
            (description_matches, None),
            (TreeVersion.search_nodes.op("@@", is_comparison=True)(query), matching_node),
            else_=None,
        ),
        func.ts_headline(CONFIG, Tree.description, query, SNIPPET_HEADLINE),
    )
    tag_names = func.array(
        select(Tag.name)
        .join(TreeTag, TreeTag.tag_id == Tag.id)
        .where(TreeTag.tree_id == Tree.id)
        .order_by(func.lower(Tag.name))
        .scalar_subquery()
    )
    return scoped(
        select(
            *TREE_COLUMNS,
            Category.id.label("category_id"),
            Category.name.label("category_name"),
            TreeVersion.id.label("version_id"),
            TreeVersion.number.label("version_number"),
            TreeVersion.published_at.label("version_published_at"),
            tag_names.label("tags"),
            hits.c.tier,
            hits.c.score,
            hits.c.usage,
            func.ts_headline(CONFIG, Tree.title, query, TITLE_HEADLINE).label("title_highlight"),
            snippet.label("snippet"),
        )
        .join(hits, hits.c.id == Tree.id)
        .outerjoin(Category, Category.id == Tree.category_id)
        .outerjoin(TreeVersion, TreeVersion.id == Tree.current_version_id),
        Tree,
        account_id,
    ).order_by(hits.c.tier, hits.c.score.desc(), hits.c.usage.desc(), hits.c.id.desc())


TREE_COLUMNS = (
    Tree.id,
    Tree.title,
    Tree.description,
    Tree.status,
    Tree.usage_count,
    Tree.draft_revision,
    Tree.created_by,
    Tree.created_at,
    Tree.updated_at,
)


def search_params(
    account_id: uuid.UUID,
    q: str,
    *,
    after: SearchCursor | None,
    limit: int,
    filters: SearchFilters | None = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {"account_id": account_id, "q": q, "need": limit}
    if filters is not None:
        if filters.status is not None:
            params["status"] = filters.status.value
        if filters.category_id is not None:
            params["category_id"] = filters.category_id
        params.update({f"tag_{i}": tag.lower() for i, tag in enumerate(filters.tags)})
    if after is not None:
        params.update(after_score=after[1], after_usage=after[2], after_id=after[3])
    return params


async def search_trees(
    db: AsyncSession,
    account_id: uuid.UUID,
    q: str,
    *,
    published_only: bool,
    after: SearchCursor | None,
    limit: int,
    filters: SearchFilters | None = None,
) -> Sequence[Row[*tuple[Any, ...]]]:
    filters = filters or SearchFilters()
    params = search_params(account_id, q, after=after, limit=limit, filters=filters)
    await db.execute(SEARCH_SETTINGS)
    probe = (await db.execute(search_probe(published_only, filters.shape), params)).one()
    common = probe.matches > NODE_SCAN_CAP
    stmt = search_statement(published_only, after[0] if after else None, common, filters.shape)
    rows: Sequence[Row[*tuple[Any, ...]]] = (await db.execute(stmt, params)).all()
    return rows
