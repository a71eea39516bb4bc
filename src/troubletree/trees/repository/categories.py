"""Queries of categories (and of the trees filed under one)."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.core.queries import scoped
from troubletree.trees.models import (
    Category,
    Tree,
    TreeStatus,
)
from troubletree.trees.repository.trees import is_live

# --------------------------------------------------------------------------- categories


async def list_categories(
    db: AsyncSession, account_id: uuid.UUID, *, published_only: bool
) -> list[tuple[Category, int]]:
    counted = scoped(
        select(Tree.category_id, func.count().label("n")).group_by(Tree.category_id),
        Tree,
        account_id,
    ).where(is_live(), Tree.category_id.is_not(None))
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
    stmt = scoped(select(Tree.id), Tree, account_id).where(
        Tree.category_id == category_id, is_live()
    )
    return list((await db.execute(stmt)).scalars())
