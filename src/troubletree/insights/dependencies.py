"""Who may read analytics: authors (admins and engineers), of their own account's trees."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from troubletree.accounts.dependencies import Author
from troubletree.core.db import DB
from troubletree.trees.exceptions import TreeNotFound
from troubletree.trees.models import Tree
from troubletree.trees.repository import trees as tree_queries


async def insight_tree(tree_id: uuid.UUID, caller: Author, db: DB) -> Tree:
    """A live tree of the caller's account (any status); another account's is 404."""
    tree = await tree_queries.get_tree(db, caller.account_id, tree_id)
    if tree is None:
        raise TreeNotFound()
    return tree


InsightTree = Annotated[Tree, Depends(insight_tree)]
