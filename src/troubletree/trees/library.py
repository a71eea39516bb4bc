"""Library actions on whole trees: archive and bring back, duplicate, and new trees from the
starter templates shipped with the product (`templates/*.json`, tree documents as export
writes them)."""

from __future__ import annotations

import functools
import uuid
from importlib import resources

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core import audit
from troubletree.core.client import ClientInfo
from troubletree.core.clock import utcnow
from troubletree.trees import documents, service
from troubletree.trees.exceptions import TreeNotFound, UnknownTemplate
from troubletree.trees.graph import Graph
from troubletree.trees.models import Tree, TreeStatus
from troubletree.trees.repository import tags as tag_queries
from troubletree.trees.repository import trees as tree_queries
from troubletree.trees.schemas import (
    MAX_TITLE,
    TemplateRead,
    TreeDetail,
    TreeDocument,
)

COPY_PREFIX = "Copy of "


# --------------------------------------------------------------------------- archive


async def set_archived(
    db: AsyncSession, caller: Caller, tree: Tree, archived: bool, client: ClientInfo
) -> TreeDetail:
    """Archiving hides the tree from technicians (list, search, new sessions) and keeps it
    for authors; bringing it back makes it published again when it has a version, else a
    draft. The draft revision does not move: the draft itself is untouched."""
    if archived:
        status = TreeStatus.archived
    else:
        status = TreeStatus.published if tree.current_version_id else TreeStatus.draft
    if tree.status != status:
        await tree_queries.update_tree(
            db, caller.account_id, tree.id, {"status": status, "updated_at": utcnow()}
        )
        action = "tree_archived" if archived else "tree_unarchived"
        await audit.record_member_action(db, action, caller, client, str(tree.id))
    return await service.tree_detail(db, caller, tree.id)


# --------------------------------------------------------------------------- duplicate


def copy_title(title: str) -> str:
    return (COPY_PREFIX + title)[:MAX_TITLE].rstrip()


async def duplicate_tree(db: AsyncSession, caller: Caller, tree_id: uuid.UUID) -> TreeDetail:
    """A new draft "Copy of …" with the tree's draft graph, description, category and tags;
    it counts against the plan like any new tree (same lock as create)."""
    source = await tree_queries.get_tree(db, caller.account_id, tree_id, with_draft=True)
    if source is None:
        raise TreeNotFound()
    tags = (await tag_queries.tag_names_of(db, [source.id]))[source.id]
    return await service.create_draft(
        db,
        caller,
        title=copy_title(source.title),
        description=source.description,
        category_id=source.category_id,
        tag_names=tags,
        tag_ids=[],
        graph=Graph.model_validate(source.draft_graph),
    )


# --------------------------------------------------------------------------- templates


@functools.cache
def templates() -> dict[str, TreeDocument]:
    """The starter trees by id (the file name without `.json`), in file-name order."""
    folder = resources.files("troubletree.trees") / "templates"
    found: dict[str, TreeDocument] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            found[entry.name.removesuffix(".json")] = TreeDocument.model_validate_json(
                entry.read_text(encoding="utf-8")
            )
    return found


def list_templates() -> list[TemplateRead]:
    return [
        TemplateRead(
            id=template_id,
            title=document.tree.title,
            description=document.tree.description,
            tags=document.tree.tags,
            node_count=len(document.graph.nodes),
        )
        for template_id, document in templates().items()
    ]


async def create_from_template(
    db: AsyncSession, caller: Caller, template_id: str, title: str | None
) -> TreeDetail:
    """A new draft from a starter tree (its category and tags found or made by name, as on
    import); `title` replaces the template's."""
    document = templates().get(template_id)
    if document is None:
        raise UnknownTemplate()
    if title is not None:
        document = document.model_copy(
            update={"tree": document.tree.model_copy(update={"title": title})}
        )
    return await documents.import_tree(db, caller, document)
