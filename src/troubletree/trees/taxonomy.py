"""Categories and tags: the account's vocabulary for filing trees, and the checks of category and
tag input that creating and saving a tree share."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core.text import slugify
from troubletree.trees.exceptions import (
    CategoryExists,
    CategoryNotFound,
    TooManyTags,
    UnknownCategory,
    UnknownTag,
)
from troubletree.trees.models import Category
from troubletree.trees.repository import categories as category_queries
from troubletree.trees.repository import search as search_queries
from troubletree.trees.repository import tags as tag_queries
from troubletree.trees.schemas import (
    MAX_TAGS,
    CategoryRead,
    TagRead,
)

# --------------------------------------------------------------------------- checks of input


async def check_category(
    db: AsyncSession, caller: Caller, category_id: uuid.UUID | None
) -> uuid.UUID | None:
    if category_id is None:
        return None
    if await category_queries.get_category(db, caller.account_id, category_id) is None:
        raise UnknownCategory(field="category_id")
    return category_id


async def check_tag_ids(
    db: AsyncSession, caller: Caller, tag_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    found = await tag_queries.existing_tag_ids(db, caller.account_id, tag_ids)
    for i, tag_id in enumerate(tag_ids):
        if tag_id not in found:
            raise UnknownTag(field=f"tag_ids.{i}")
    return list(dict.fromkeys(tag_ids))


def check_tag_count(names: Sequence[str], tag_ids: Sequence[uuid.UUID]) -> None:
    if len({n.lower() for n in names}) + len(set(tag_ids)) > MAX_TAGS:
        raise TooManyTags(MAX_TAGS)


async def wanted_tags(
    db: AsyncSession, caller: Caller, names: Sequence[str], tag_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    by_name = await tag_queries.ensure_tags(db, caller.account_id, names)
    return set(by_name.values()) | set(tag_ids)


# --------------------------------------------------------------------------- categories and tags


async def list_categories(db: AsyncSession, caller: Caller) -> list[CategoryRead]:
    rows = await category_queries.list_categories(
        db, caller.account_id, published_only=not caller.is_author
    )
    return [
        CategoryRead(id=c.id, name=c.name, slug=c.slug, tree_count=n, created_at=c.created_at)
        for c, n in rows
    ]


async def find_or_create_category(db: AsyncSession, caller: Caller, name: str) -> Category:
    category = await category_queries.insert_category(db, caller.account_id, name, slugify(name))
    if category is None:
        category = await category_queries.find_category_by_name(db, caller.account_id, name)
    assert category is not None
    return category


async def create_category(db: AsyncSession, caller: Caller, name: str) -> CategoryRead:
    category = await category_queries.insert_category(db, caller.account_id, name, slugify(name))
    if category is None:
        raise CategoryExists(field="name")
    return CategoryRead(
        id=category.id,
        name=category.name,
        slug=category.slug,
        tree_count=0,
        created_at=category.created_at,
    )


async def rename_category(
    db: AsyncSession, caller: Caller, category_id: uuid.UUID, name: str
) -> CategoryRead:
    if await category_queries.get_category(db, caller.account_id, category_id) is None:
        raise CategoryNotFound()
    if not await category_queries.rename_category(
        db, caller.account_id, category_id, name, slugify(name)
    ):
        raise CategoryExists(field="name")
    trees = await category_queries.trees_in_category(db, caller.account_id, category_id)
    words = await search_queries.refresh_search(db, caller.account_id, trees)
    await search_queries.count_words(db, caller.account_id, words)  # the last write
    category = await category_queries.get_category(db, caller.account_id, category_id)
    assert category is not None
    return CategoryRead(
        id=category.id,
        name=category.name,
        slug=category.slug,
        tree_count=len(trees),
        created_at=category.created_at,
    )


async def delete_category(db: AsyncSession, caller: Caller, category_id: uuid.UUID) -> None:
    """The category goes; its trees stay, without a category."""
    if await category_queries.get_category(db, caller.account_id, category_id) is None:
        raise CategoryNotFound()
    trees = await category_queries.clear_category(db, caller.account_id, category_id)
    await category_queries.delete_category(db, caller.account_id, category_id)
    words = await search_queries.refresh_search(db, caller.account_id, trees)
    await search_queries.count_words(db, caller.account_id, words)  # the last write


async def list_tags(
    db: AsyncSession, caller: Caller, *, prefix: str | None, limit: int
) -> list[TagRead]:
    tags = await tag_queries.list_tags(db, caller.account_id, prefix=prefix, limit=limit)
    return [TagRead.model_validate(t) for t in tags]
