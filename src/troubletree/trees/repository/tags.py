"""Queries of tags and the tree-tag links, with their usage counters.

- Whoever changes a tree's tags holds that tree's row lock first (the guarded UPDATE, or
  `FOR NO KEY UPDATE`), so one tree's tag links change one transaction at a time.
- Tag counters move only for link rows really inserted (`ON CONFLICT DO NOTHING RETURNING`) or
  really deleted (`DELETE ... RETURNING`), by SQL-side `usage_count + 1`, after locking the tag
  rows in id order (`FOR NO KEY UPDATE`, which does not block foreign-key checks) so two
  transactions never wait on each other's counters in a cycle."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from troubletree.core.hot import HotStatement
from troubletree.core.queries import scoped, starts_with
from troubletree.trees.models import (
    Tag,
    TreeTag,
)

# --------------------------------------------------------------------------- tags


def carrying_tag(
    name: str | BindParameter[Any], account_id: uuid.UUID | BindParameter[Any]
) -> Select[uuid.UUID]:
    """The ids of the trees carrying the account's tag of this name (any case; a bound `name`
    must be lower-cased already)."""
    lowered = name.lower() if isinstance(name, str) else name
    return scoped(
        select(TreeTag.tree_id).join(Tag, Tag.id == TreeTag.tag_id), Tag, account_id
    ).where(func.lower(Tag.name) == lowered)


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
        stmt = stmt.where(starts_with(func.lower(Tag.name), prefix.lower()))
    stmt = stmt.order_by(Tag.usage_count.desc(), func.lower(Tag.name)).limit(limit)
    return list((await db.execute(stmt.execution_options(populate_existing=True))).scalars())


_TAG_NAMES_OF_TREE = HotStatement(
    select(Tag.name)
    .join(TreeTag, TreeTag.tag_id == Tag.id)
    .where(TreeTag.tree_id == bindparam("tree_id"))
    .order_by(func.lower(Tag.name))
)


async def tag_names_of_tree(db: AsyncSession, tree_id: uuid.UUID) -> list[str]:
    """One tree's tag names (the tree read is a hot path: core/hot.py)."""
    return [row[0] for row in await _TAG_NAMES_OF_TREE.fetch(db, tree_id=tree_id)]


_TAG_NAMES_OF = HotStatement(
    select(TreeTag.tree_id, Tag.name)
    .join(Tag, Tag.id == TreeTag.tag_id)
    .where(TreeTag.tree_id == func.any(bindparam("tree_ids", type_=ARRAY(TreeTag.tree_id.type))))
    .order_by(func.lower(Tag.name))
)


async def tag_names_of(
    db: AsyncSession, tree_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """The tag names of each of these trees (a library page's: a hot path)."""
    out: dict[uuid.UUID, list[str]] = {tree_id: [] for tree_id in tree_ids}
    if not tree_ids:
        return out
    for tree_id, name in await _TAG_NAMES_OF.fetch(db, tree_ids=list(tree_ids)):
        out[tree_id].append(name)
    return out
