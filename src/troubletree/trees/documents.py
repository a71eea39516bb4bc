"""Trees as one JSON document: export a tree (draft or published), import one as a new draft."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core.clock import utcnow
from troubletree.trees import service, taxonomy
from troubletree.trees.exceptions import (
    NotPublished,
)
from troubletree.trees.schemas import (
    TreeDetail,
    TreeDocument,
    TreeDocumentMeta,
    TreeDocumentSource,
)

# --------------------------------------------------------------------------- export and import


async def export_tree(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, source: Literal["draft", "published"]
) -> TreeDocument:
    detail = await service.tree_detail(db, caller, tree_id)
    if source == "published":
        if detail.published is None:
            raise NotPublished(field="source")
        graph, version = detail.published.graph, detail.published.number
    else:
        assert detail.draft is not None
        graph, version = detail.draft.graph, None
    return TreeDocument(
        exported_at=utcnow(),
        tree=TreeDocumentMeta(
            title=detail.title,
            description=detail.description,
            category=detail.category.name if detail.category else None,
            tags=detail.tags,
        ),
        graph=graph,
        source=TreeDocumentSource(
            tree_id=detail.id, version=version, draft_revision=detail.draft_revision
        ),
    )


async def import_tree(db: AsyncSession, caller: Caller, document: TreeDocument) -> TreeDetail:
    """A new draft tree from an exported document; its category and tags are matched by name
    in this account (and created when missing). Link nodes keep their targets: publishing
    names those that do not lead to a published tree of this account."""
    category_id = None
    if document.tree.category:
        category = await taxonomy.find_or_create_category(db, caller, document.tree.category)
        category_id = category.id
    return await service.create_draft(
        db,
        caller,
        title=document.tree.title,
        description=document.tree.description,
        category_id=category_id,
        tag_names=document.tree.tags,
        tag_ids=[],
        graph=document.graph,
    )
