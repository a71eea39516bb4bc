"""Published versions of a tree: the list, one version, a compare of two (or of one and the
draft), and restoring one into the draft."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core.clock import utcnow
from troubletree.core.pagination import (
    decode_cursor,
    encode_cursor,
    int_key,
    page_of,
)

# --------------------------------------------------------------------------- shapes
from troubletree.trees import service
from troubletree.trees.diff import diff_graphs
from troubletree.trees.exceptions import (
    TreeNotFound,
    VersionNotFound,
)
from troubletree.trees.models import Tree, TreeVersion
from troubletree.trees.repository import trees as tree_queries
from troubletree.trees.schemas import (
    TreeDetail,
    VersionDiff,
    VersionPage,
    VersionRead,
    VersionSummary,
)


async def list_versions(
    db: AsyncSession, tree: Tree, *, cursor: str | None, limit: int
) -> VersionPage:
    after = decode_cursor("versions", cursor, int_key)
    versions = await tree_queries.list_versions(
        db, tree.id, before=after[0] if after else None, limit=limit + 1
    )
    page, next_cursor = page_of(
        versions, limit, lambda v: encode_cursor("versions", v.number, v.id)
    )
    return VersionPage(
        items=[VersionSummary.model_validate(v) for v in page], next_cursor=next_cursor
    )


async def _version(db: AsyncSession, tree: Tree, number: int) -> TreeVersion:
    version = await tree_queries.get_version(db, tree.id, number)
    if version is None:
        raise VersionNotFound()
    return version


async def read_version(db: AsyncSession, tree: Tree, number: int) -> VersionRead:
    return service.version_read(await _version(db, tree, number))


async def compare_versions(
    db: AsyncSession, caller: Caller, tree: Tree, before: int, after: int | Literal["draft"]
) -> VersionDiff:
    old = service.load_graph((await _version(db, tree, before)).graph)
    if after == "draft":
        if not caller.is_author:
            raise VersionNotFound()
        loaded = await tree_queries.get_tree(db, caller.account_id, tree.id, with_draft=True)
        if loaded is None:
            raise TreeNotFound()
        new = service.load_graph(loaded.draft_graph)
    else:
        new = service.load_graph((await _version(db, tree, after)).graph)
    diff = diff_graphs(old, new)
    return VersionDiff(**diff.model_dump(), from_version=before, to_version=after)


async def restore_version(
    db: AsyncSession, caller: Caller, tree: Tree, number: int, base_revision: int
) -> TreeDetail:
    """Copies a published version into the draft (a save like any other: revision checked)."""
    version = await _version(db, tree, number)
    revision = await tree_queries.update_tree_at_revision(
        db,
        caller.account_id,
        tree.id,
        base_revision,
        {"draft_graph": version.graph, "updated_at": utcnow()},
    )
    if revision is None:
        await service.conflict_or_gone(db, caller, tree.id)
    return await service.tree_detail(db, caller, tree.id)
