"""Trees: reading and listing, authoring with optimistic concurrency, publishing immutable
versions, and what sessions need of a tree. Rules live here; queries live in the repository;
only flush(). Search is in `search.py`, categories and tags in `taxonomy.py`, export and import
in `documents.py`.

Who sees what: authors (admin, engineer) see every live tree with its draft; technicians see
published trees only, and only their current version."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts import repository as accounts_repository
from troubletree.accounts.caller import Caller
from troubletree.core import audit
from troubletree.core.client import ClientInfo
from troubletree.core.clock import utcnow
from troubletree.core.db import link_base_url
from troubletree.core.encoding import EncodedCache, splice_last
from troubletree.core.offload import CpuPool
from troubletree.core.pagination import (
    datetime_key,
    decode_cursor,
    encode_cursor,
    int_key,
    page_of,
    str_key,
)
from troubletree.trees import taxonomy
from troubletree.trees.checking import (
    OFFLOAD_NODES,
    DraftCheck,
    check_draft,
    link_targets_of,
    load_problems,
    stored_graph,
)
from troubletree.trees.exceptions import (
    DraftConflict,
    GraphInvalid,
    NothingToPublish,
    NotPublished,
    PlanLimitReached,
    TreeNotFound,
    VersionNotFound,
)
from troubletree.trees.graph import (
    Graph,
    Problem,
)
from troubletree.trees.models import Category, Tree, TreeStatus, TreeVersion
from troubletree.trees.repository import search as search_queries
from troubletree.trees.repository import tags as tag_queries
from troubletree.trees.repository import trees as tree_queries
from troubletree.trees.repository.trees import SortKey, TreeFilters
from troubletree.trees.schemas import (
    CategoryRef,
    DraftRead,
    TreeCreate,
    TreeDetail,
    TreeRead,
    TreeUpdate,
    TreeUsage,
    ValidationReport,
    VersionRead,
    VersionRef,
)
from troubletree.webhooks.events import emit
from troubletree.webhooks.models import WebhookEvent

# --------------------------------------------------------------------------- shapes


def load_graph(document: dict[str, Any], *, field: str = "graph") -> Graph:
    """A stored graph as the model. Stored graphs were validated on the way in; should an
    older one not fit today's limits, publishing names the problems instead of failing."""
    try:
        return Graph.model_validate(document)
    except ValidationError as exc:
        raise GraphInvalid([p.model_dump() for p in load_problems(exc, field)]) from exc


def tree_read(
    tree: Tree, category: Category | None, version: TreeVersion | None, tags: list[str]
) -> TreeRead:
    return TreeRead(
        id=tree.id,
        title=tree.title,
        description=tree.description,
        status=TreeStatus(tree.status),
        category=CategoryRef(id=category.id, name=category.name) if category else None,
        tags=tags,
        usage_count=tree.usage_count,
        draft_revision=tree.draft_revision,
        current_version=VersionRef(
            id=version.id, number=version.number, published_at=version.published_at
        )
        if version
        else None,
        created_by=tree.created_by,
        created_at=tree.created_at,
        updated_at=tree.updated_at,
    )


def version_read(version: TreeVersion) -> VersionRead:
    return VersionRead.model_validate(version, from_attributes=True)


async def _detail_parts(
    db: AsyncSession,
    caller: Caller,
    tree_id: uuid.UUID,
    *,
    graphs: bool = True,
    saved_draft: Graph | None = None,
) -> tuple[TreeRead, DraftRead | None, TreeVersion | None]:
    """The tree's parts; with `graphs` False the published version's graph is left unloaded
    (a caller that has it encoded already), and the draft is read for authors only.
    `saved_draft`: the draft this request has just stored, already validated (a save of
    thousands of nodes would otherwise validate it a second time on the event loop)."""
    row = await tree_queries.get_tree_row(
        db, caller.account_id, tree_id, with_graphs=graphs or caller.is_author
    )
    if row is None or (not caller.is_author and row[0].status != TreeStatus.published):
        raise TreeNotFound()
    tree, category, version = row
    tags = (await tag_queries.tag_names_of(db, [tree.id]))[tree.id]
    draft = None
    if caller.is_author:  # only authors see the draft: only they pay for parsing it
        graph = saved_draft if saved_draft is not None else Graph.model_validate(tree.draft_graph)
        draft = DraftRead(revision=tree.draft_revision, graph=graph)
    return tree_read(tree, category, version, tags), draft, version


async def tree_detail(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, *, saved_draft: Graph | None = None
) -> TreeDetail:
    base, draft, version = await _detail_parts(db, caller, tree_id, saved_draft=saved_draft)
    return TreeDetail(
        **base.model_dump(), draft=draft, published=version_read(version) if version else None
    )


# Published versions never change (the database refuses updates to them): each one's answer
# is validated and encoded once per process, keyed by account and version.
_PUBLISHED_JSON: EncodedCache[tuple[uuid.UUID, uuid.UUID]] = EncodedCache(256)


async def tree_detail_json(db: AsyncSession, caller: Caller, tree_id: uuid.UUID) -> bytes:
    """`tree_detail` as the API encodes it, with the published version from its encoded
    bytes instead of validating and encoding its graph again. Technicians (the busiest
    readers, who never see a draft) read plain columns from statements built once."""
    if caller.is_author:
        base, draft, version = await _detail_parts(db, caller, tree_id)
        detail = TreeDetail(**base.model_dump(), draft=draft, published=None)
        encoded = detail.model_dump_json().encode()
        version_id = version.id if version else None
    else:
        row = await tree_queries.get_tree_card(db, caller.account_id, tree_id)
        if row is None or row["status"] != TreeStatus.published:
            raise TreeNotFound()
        tags = await tag_queries.tag_names_of_tree(db, row["id"])
        encoded = to_json({**card_fields(row, tags), "draft": None, "published": None})
        version, version_id = None, row["version_id"]
    if version_id is None:
        return encoded
    key = (caller.account_id, version_id)
    published = _PUBLISHED_JSON.find(key)
    if published is None:
        # Once per version and process: its graph is read, validated and encoded.
        stored = version
        if stored is None:
            stored = await tree_queries.get_account_version(db, caller.account_id, version_id)
        if stored is None:  # gone between the two reads (a deleted tree keeps its versions)
            raise TreeNotFound()
        published = _PUBLISHED_JSON.put(key, version_read(stored).model_dump_json().encode())
    return splice_last(encoded, "published", published)


# How a list cursor's key reads back, per sort (the key is the sort column's value).
_SORT_KEYS: dict[SortKey, Callable[[Any], Any]] = {
    "title": str_key,
    "most_used": int_key,
    "updated": datetime_key,
}


# --------------------------------------------------------------------------- plan limit


async def _reserve_tree_slot(db: AsyncSession, caller: Caller) -> None:
    """Locks the account row, then counts its live trees: concurrent creates in one account
    queue on the lock, so the plan's max_trees holds under any concurrency."""
    account = await accounts_repository.lock_account_for_create(db, caller.account_id)
    if account is None:
        raise TreeNotFound()
    plan = await accounts_repository.get_plan(db, account.plan_id)
    if plan.max_trees is not None and (
        await tree_queries.count_live_trees(db, caller.account_id) >= plan.max_trees
    ):
        raise PlanLimitReached(plan.max_trees)


# --------------------------------------------------------------------------- reading


async def usage(db: AsyncSession, caller: Caller) -> TreeUsage:
    account = await accounts_repository.get_account(db, caller.account_id)
    assert account is not None
    plan = await accounts_repository.get_plan(db, account.plan_id)
    return TreeUsage(
        trees=await tree_queries.count_live_trees(db, caller.account_id), max_trees=plan.max_trees
    )


async def list_trees(
    db: AsyncSession,
    caller: Caller,
    filters: TreeFilters,
    *,
    sort: SortKey,
    cursor: str | None,
    limit: int,
) -> bytes:
    """One library page as the API encodes a `TreePage`."""
    after = decode_cursor(f"trees:{sort}", cursor, _SORT_KEYS[sort])
    if not caller.is_author:
        if filters.status not in (None, TreeStatus.published):
            return to_json({"items": [], "next_cursor": None})
        filters = TreeFilters(
            status=TreeStatus.published,
            category_id=filters.category_id,
            tags=filters.tags,
            created_by=filters.created_by,
        )
    rows = await tree_queries.list_trees(
        db, caller.account_id, filters, sort=sort, after=after, limit=limit + 1
    )
    page, next_cursor = page_of(
        rows, limit, lambda row: encode_cursor(f"trees:{sort}", row["sort_key"], row["id"])
    )
    tags = await tag_queries.tag_names_of(db, [row["id"] for row in page])
    items = [card_fields(row, tags[row["id"]]) for row in page]
    return to_json({"items": items, "next_cursor": next_cursor})


def card_fields(row: Mapping[str, Any], tags: list[str]) -> dict[str, Any]:
    """A tree card row (`tree_queries.get_tree_card`) as `TreeRead` encodes it, built from
    the row's values instead of validating a model (the library and the technician's tree
    read are hot paths); tests/trees/test_card_encoding.py checks it against the model."""
    category_id, version_id = row["category_id"], row["version_id"]
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "category": {"id": category_id, "name": row["category_name"]} if category_id else None,
        "tags": tags,
        "usage_count": row["usage_count"],
        "draft_revision": row["draft_revision"],
        "current_version": {
            "id": version_id,
            "number": row["version_number"],
            "published_at": row["version_published_at"],
        }
        if version_id
        else None,
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


# --------------------------------------------------------------------------- writing


async def create_draft(
    db: AsyncSession,
    caller: Caller,
    *,
    title: str,
    description: str,
    category_id: uuid.UUID | None,
    tag_names: Sequence[str],
    tag_ids: Sequence[uuid.UUID],
    graph: Graph,
) -> TreeDetail:
    taxonomy.check_tag_count(tag_names, tag_ids)
    await _reserve_tree_slot(db, caller)
    now = utcnow()
    tree = await tree_queries.add_tree(
        db,
        Tree(
            id=uuid.uuid4(),
            account_id=caller.account_id,
            title=title,
            description=description,
            category_id=category_id,
            status=TreeStatus.draft,
            draft_graph=stored_graph(graph),
            draft_revision=1,
            usage_count=0,
            created_by=caller.user_id,
            created_at=now,
            updated_at=now,
        ),
    )
    await tag_queries.set_tree_tags(
        db, tree.id, await taxonomy.wanted_tags(db, caller, tag_names, tag_ids)
    )
    words = await search_queries.refresh_search(db, caller.account_id, [tree.id])
    await audit.record_change(db, "tree_created", caller, str(tree.id), title=title)
    await search_queries.count_words(db, caller.account_id, words)  # the last write
    return await tree_detail(db, caller, tree.id)


async def create_tree(db: AsyncSession, caller: Caller, body: TreeCreate) -> TreeDetail:
    category_id = await taxonomy.check_category(db, caller, body.category_id)
    tag_ids = await taxonomy.check_tag_ids(db, caller, body.tag_ids)
    return await create_draft(
        db,
        caller,
        title=body.title,
        description=body.description,
        category_id=category_id,
        tag_names=body.tags,
        tag_ids=tag_ids,
        graph=body.graph or Graph(),
    )


async def conflict_or_gone(db: AsyncSession, caller: Caller, tree_id: uuid.UUID) -> None:
    current = await tree_queries.current_revision(db, caller.account_id, tree_id)
    if current is None:
        raise TreeNotFound()
    raise DraftConflict(current)


async def update_tree(db: AsyncSession, caller: Caller, tree: Tree, body: TreeUpdate) -> TreeDetail:
    """One save: applied only if the draft is still at `base_revision` (else 409 and nothing
    changes), and the revision moves on by one."""
    fields = body.model_fields_set
    values: dict[str, Any] = {"updated_at": utcnow()}
    if body.title is not None:
        values["title"] = body.title
    if body.description is not None:
        values["description"] = body.description
    if "category_id" in fields:
        values["category_id"] = await taxonomy.check_category(db, caller, body.category_id)
    if body.graph is not None:
        values["draft_graph"] = stored_graph(body.graph)
    if body.status is not None:
        if body.status == TreeStatus.published and tree.current_version_id is None:
            raise NotPublished(field="status")
        values["status"] = body.status
    tags_given = body.tags is not None or body.tag_ids is not None
    tag_ids: list[uuid.UUID] = []
    if tags_given:
        tag_ids = await taxonomy.check_tag_ids(db, caller, body.tag_ids or [])
        taxonomy.check_tag_count(body.tags or [], tag_ids)

    revision = await tree_queries.update_tree_at_revision(
        db, caller.account_id, tree.id, body.base_revision, values
    )
    if revision is None:
        await conflict_or_gone(db, caller, tree.id)
    if tags_given:
        await tag_queries.set_tree_tags(
            db, tree.id, await taxonomy.wanted_tags(db, caller, body.tags or [], tag_ids)
        )
    words = None
    if tags_given or fields & {"title", "description", "category_id"}:
        words = await search_queries.refresh_search(db, caller.account_id, [tree.id])
    await audit.record_change(db, "tree_saved", caller, str(tree.id), revision=revision)
    if words is not None:
        await search_queries.count_words(db, caller.account_id, words)  # the last write
    return await tree_detail(db, caller, tree.id, saved_draft=body.graph)


async def delete_tree(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, client: ClientInfo
) -> None:
    """Soft delete: the tree leaves lists, search and tag counts; its versions stay readable
    for the sessions that ran them."""
    if not await tree_queries.soft_delete_tree(db, caller.account_id, tree_id, utcnow()):
        raise TreeNotFound()
    await tag_queries.set_tree_tags(db, tree_id, set())
    await audit.record_member_action(db, "tree_deleted", caller, client, str(tree_id))
    words = await search_queries.forget_words(db, caller.account_id, tree_id)
    await search_queries.count_words(db, caller.account_id, words)  # the last write


async def _check(
    db: AsyncSession,
    caller: Caller,
    tree: Tree,
    pool: CpuPool,
    offload_nodes: int,
    current: dict[str, Any] | None = None,
    *,
    problems_only: bool = False,
) -> DraftCheck:
    """The draft checked for publishing (`trees/checking.py`): in the process pool when it has
    `offload_nodes` nodes or more, so the event loop keeps serving other requests meanwhile."""
    published = await tree_queries.published_tree_ids(
        db, caller.account_id, link_targets_of(tree.draft_graph)
    )
    args = (tree.draft_graph, current, published, tree.id, problems_only)
    if len(tree.draft_graph.get("nodes") or []) >= offload_nodes:
        return await run_in_pool(pool, *args)
    return check_draft(*args)


async def run_in_pool(pool: CpuPool, *args: Any) -> DraftCheck:
    """`check_draft(*args)` in a worker process."""
    return await pool.run(check_draft, *args)


async def validate_tree(
    db: AsyncSession,
    caller: Caller,
    tree_id: uuid.UUID,
    pool: CpuPool,
    offload_nodes: int = OFFLOAD_NODES,
) -> ValidationReport:
    """What publishing the draft now would find, without publishing."""
    tree = await tree_queries.get_tree(db, caller.account_id, tree_id, with_draft=True)
    if tree is None:
        raise TreeNotFound()
    checked = await _check(db, caller, tree, pool, offload_nodes, problems_only=True)
    problems = checked.problems
    return ValidationReport(is_valid=not problems, problems=[Problem(**p) for p in problems])


async def _emit_published(
    db: AsyncSession, caller: Caller, tree: Any, version: TreeVersion
) -> None:
    """The `tree.published` webhook event, in the publish transaction."""
    base = link_base_url(db)
    await emit(
        db,
        caller.account_id,
        WebhookEvent.tree_published,
        {
            "tree": {"id": tree.id, "title": tree.title},
            "version": {
                "id": version.id,
                "number": version.number,
                "changelog": version.changelog,
                "published_at": version.published_at,
                "published_by": version.published_by,
            },
            "links": {"tree": f"{base}/trees/{tree.id}/start"},
        },
    )


async def publish_tree(
    db: AsyncSession,
    caller: Caller,
    tree_id: uuid.UUID,
    *,
    changelog: str,
    base_revision: int | None,
    client: ClientInfo,
    pool: CpuPool,
    offload_nodes: int = OFFLOAD_NODES,
) -> VersionRead:
    """Validates the draft fully and writes it as version N+1 (immutable). The tree row is
    locked, so two publishes of one tree get consecutive numbers. A draft equal to the current
    version is not published twice; if the tree was taken off line, it is brought back."""
    tree = await tree_queries.get_tree(db, caller.account_id, tree_id, with_draft=True, lock=True)
    if tree is None:
        raise TreeNotFound()
    if base_revision is not None and base_revision != tree.draft_revision:
        raise DraftConflict(tree.draft_revision)
    current = (
        await tree_queries.get_version_by_id(db, tree.current_version_id, with_graph=True)
        if tree.current_version_id
        else None
    )
    checked = await _check(
        db, caller, tree, pool, offload_nodes, current.graph if current else None
    )
    if checked.problems:
        raise GraphInvalid(checked.problems)
    assert checked.stored is not None

    now = utcnow()
    if current is not None and checked.same_as_current:
        if tree.status == TreeStatus.published:
            raise NothingToPublish()
        await tree_queries.update_tree(
            db, caller.account_id, tree.id, {"status": TreeStatus.published, "updated_at": now}
        )
        await _emit_published(db, caller, tree, current)
        return version_read(current)

    number = await tree_queries.max_version_number(db, tree.id) + 1
    version = await tree_queries.add_version(
        db,
        tree_id=tree.id,
        number=number,
        title=tree.title,
        graph=checked.stored,
        node_text=checked.node_text,
        changelog=changelog,
        published_by=caller.user_id,
        published_at=now,
    )
    await tree_queries.update_tree(
        db,
        caller.account_id,
        tree.id,
        {
            "current_version_id": version.id,
            "status": TreeStatus.published,
            "updated_at": now,
        },
    )
    words = await search_queries.refresh_search(db, caller.account_id, [tree.id])
    await audit.record_member_action(
        db, "tree_published", caller, client, str(tree.id), version=number
    )
    await _emit_published(db, caller, tree, version)
    await search_queries.count_words(db, caller.account_id, words)  # the last write
    return version_read(version)


# --------------------------------------------------------------------------- for sessions


async def get_runnable_tree(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID
) -> Tree | None:
    """A live tree of the account, whatever its status: a session decides what its status and
    current version allow (technicians run published trees only; authors get a clearer
    error for a draft)."""
    return await tree_queries.get_tree(db, account_id, tree_id)


async def record_tree_use(db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID) -> int:
    """Counts one use of a tree (SQL-side increment, no lost updates); the new count."""
    count = await tree_queries.increment_tree_usage(db, account_id, tree_id)
    if count is None:
        raise TreeNotFound()
    return count


async def get_version_for_session(
    db: AsyncSession, account_id: uuid.UUID, version_id: uuid.UUID
) -> tuple[TreeVersion, Graph]:
    """A version a session pinned, readable even after its tree was deleted."""
    version = await tree_queries.get_account_version(db, account_id, version_id)
    if version is None:
        raise VersionNotFound()
    return version, Graph.model_validate(version.graph)
