"""Trees as endpoint parameters: loaded within the caller's account, or 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from troubletree.accounts.dependencies import CurrentMember
from troubletree.core.db import DB
from troubletree.trees.exceptions import TreeNotFound
from troubletree.trees.models import Tree
from troubletree.trees.repository import trees as tree_queries


async def valid_tree(tree_id: uuid.UUID, caller: CurrentMember, db: DB) -> Tree:
    """A live tree of the caller's account; technicians see published trees only. Any other id
    (another account's, deleted, unknown) is the same 404."""
    tree = await tree_queries.get_tree(
        db, caller.account_id, tree_id, published_only=not caller.is_author
    )
    if tree is None:
        raise TreeNotFound()
    return tree


ValidTree = Annotated[Tree, Depends(valid_tree)]
