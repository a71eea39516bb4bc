"""Published versions of a tree: the list, one version, a compare of two (or of one and the
draft), and restoring one into the draft."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core import audit
from troubletree.core.clock import utcnow
from troubletree.core.pagination import (
    decode_cursor,
    encode_cursor,
    int_key,
    page_of,
)
from troubletree.trees import service
from troubletree.trees.diff import diff_graphs
from troubletree.trees.exceptions import (
    TreeNotFound,
    VersionNotFound,
)
from troubletree.trees.graph import Graph
from troubletree.trees.models import Tree, TreeVersion
from troubletree.trees.repository import trees as tree_queries
from troubletree.trees.schemas import (
    DraftRead,
    RestoreResult,
    VersionDiff,
    VersionListItem,
    VersionPage,
    VersionRead,
    VersionSummary,
)


async def list_versions(
    db: AsyncSession, tree: Tree, *, cursor: str | None, limit: int
) -> VersionPage:
    """Each version with who published it (by name), how many sessions ran it and whether
    it is the live one."""
    after = decode_cursor("versions", cursor, int_key)
    versions = await tree_queries.list_versions(
        db, tree.id, before=after[0] if after else None, limit=limit + 1
    )
    page, next_cursor = page_of(
        versions, limit, lambda v: encode_cursor("versions", v.number, v.id)
    )
    names = await tree_queries.version_publishers(db, (v.published_by for v in page))
    counts = await tree_queries.session_counts(db, tree.account_id, tree.id, (v.id for v in page))
    items = [
        VersionListItem(
            **VersionSummary.model_validate(v).model_dump(),
            published_by_name=names.get(v.published_by) if v.published_by else None,
            session_count=counts.get(v.id, 0),
            is_live=v.id == tree.current_version_id,
        )
        for v in page
    ]
    return VersionPage(items=items, next_cursor=next_cursor)


async def _version(db: AsyncSession, tree: Tree, number: int) -> TreeVersion:
    version = await tree_queries.get_version(db, tree.id, number)
    if version is None:
        raise VersionNotFound()
    return version


async def read_version(db: AsyncSession, tree: Tree, number: int) -> VersionRead:
    return service.version_read(await _version(db, tree, number))


async def _live_number(db: AsyncSession, tree: Tree) -> int:
    """The number of the tree's current version (404 when it has none)."""
    if tree.current_version_id is None:
        raise VersionNotFound()
    version = await tree_queries.get_version_by_id(db, tree.current_version_id)
    if version is None:
        raise VersionNotFound()
    return version.number


async def _draft_graph(db: AsyncSession, caller: Caller, tree: Tree) -> Graph:
    loaded = await tree_queries.get_tree(db, caller.account_id, tree.id, with_draft=True)
    if loaded is None:
        raise TreeNotFound()
    return service.load_graph(loaded.draft_graph)


async def compare_versions(
    db: AsyncSession,
    caller: Caller,
    tree: Tree,
    before: int | Literal["live"],
    after: int | Literal["draft", "live"],
) -> VersionDiff:
    """Any two versions, or a version and the draft (authors); `live` is the current
    version. The draft against the live version is what publishing would change."""
    if after == "draft" and not caller.is_author:
        raise VersionNotFound()
    first = await _live_number(db, tree) if before == "live" else before
    old = service.load_graph((await _version(db, tree, first)).graph)
    target: int | Literal["draft"]
    if after == "draft":
        target = "draft"
        new = await _draft_graph(db, caller, tree)
    else:
        target = await _live_number(db, tree) if after == "live" else after
        new = service.load_graph((await _version(db, tree, target)).graph)
    diff = diff_graphs(old, new)
    return VersionDiff(**diff.model_dump(), from_version=first, to_version=target)


async def restore_version(
    db: AsyncSession, caller: Caller, tree: Tree, number: int, base_revision: int
) -> RestoreResult:
    """Copies a published version into the draft (a save like any other: revision checked).
    The answer carries the draft as it was, so the editor can undo with one more save."""
    version = await _version(db, tree, number)
    before = await tree_queries.get_tree(db, caller.account_id, tree.id, with_draft=True)
    if before is None:
        raise TreeNotFound()
    if before.draft_revision != base_revision:
        await service.conflict_or_gone(db, caller, tree.id)
    previous = DraftRead(
        revision=before.draft_revision, graph=service.load_graph(before.draft_graph)
    )
    revision = await tree_queries.update_tree_at_revision(
        db,
        caller.account_id,
        tree.id,
        base_revision,
        {"draft_graph": version.graph, "updated_at": utcnow()},
    )
    if revision is None:
        await service.conflict_or_gone(db, caller, tree.id)
    await audit.record_change(
        db, "tree_saved", caller, str(tree.id), revision=revision, restored_version=number
    )
    detail = await service.tree_detail(db, caller, tree.id)
    return RestoreResult(**detail.model_dump(), previous_draft=previous)
