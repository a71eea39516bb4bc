"""Trees: authoring with optimistic concurrency, publishing immutable versions, categories, tags,
search, export and import. Rules live here; queries live in the repository; only flush().

Who sees what: authors (admin, engineer) see every live tree with its draft; technicians see
published trees only, and only their current version.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts import repository as accounts_repository
from troubletree.accounts.models import Role
from troubletree.accounts.service import Caller, slugify
from troubletree.auth.service import ClientInfo
from troubletree.core import audit
from troubletree.core.clock import utcnow
from troubletree.core.errors import Unprocessable
from troubletree.trees import repository
from troubletree.trees.exceptions import (
    CategoryExists,
    CategoryNotFound,
    DraftConflict,
    GraphInvalid,
    InvalidCursor,
    NothingToPublish,
    NotPublished,
    PlanLimitReached,
    TreeNotFound,
    UnknownCategory,
    UnknownTag,
    VersionNotFound,
)
from troubletree.trees.graph import (
    Graph,
    Problem,
    diff_graphs,
    link_targets,
    validate_graph,
)
from troubletree.trees.models import Category, Tree, TreeStatus, TreeVersion
from troubletree.trees.repository import (
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    SortKey,
    TreeFilters,
)
from troubletree.trees.schemas import (
    MAX_TAGS,
    CategoryRead,
    CategoryRef,
    DraftRead,
    HighlightPart,
    SearchHit,
    SearchPage,
    TagRead,
    TreeCreate,
    TreeDetail,
    TreeDocument,
    TreeDocumentMeta,
    TreeDocumentSource,
    TreePage,
    TreeRead,
    TreeUpdate,
    TreeUsage,
    ValidationReport,
    VersionDiff,
    VersionPage,
    VersionRead,
    VersionRef,
    VersionSummary,
)

AUTHOR_ROLES = frozenset({Role.admin, Role.engineer})


def is_author(caller: Caller) -> bool:
    return caller.role in AUTHOR_ROLES


# --------------------------------------------------------------------------- shapes


def stored_graph(graph: Graph) -> dict[str, Any]:
    """The jsonb form of a graph: defaults left out (they come back on reading)."""
    return graph.model_dump(mode="json", exclude_defaults=True)


def load_graph(document: dict[str, Any], *, field: str = "graph") -> Graph:
    """A stored graph as the model. Stored graphs were validated on the way in; should an
    older one not fit today's limits, publishing names the problems instead of failing."""
    try:
        return Graph.model_validate(document)
    except ValidationError as exc:
        problems = [
            Problem(
                node_id=None,
                field=f"{field}." + ".".join(str(p) for p in err["loc"]),
                code=str(err["type"]),
                message=str(err["msg"]),
            )
            for err in exc.errors()
        ]
        raise GraphInvalid([p.model_dump() for p in problems]) from exc


def _problems_for_api(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [{**p.model_dump(), "field": f"graph.{p.field}"} for p in problems]


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
    return VersionRead(
        id=version.id,
        number=version.number,
        title=version.title,
        changelog=version.changelog,
        published_by=version.published_by,
        published_at=version.published_at,
        graph=Graph.model_validate(version.graph),
    )


async def tree_detail(db: AsyncSession, caller: Caller, tree_id: uuid.UUID) -> TreeDetail:
    row = await repository.get_tree_row(db, caller.account_id, tree_id, with_graphs=True)
    if row is None or (not is_author(caller) and row[0].status != TreeStatus.published):
        raise TreeNotFound()
    tree, category, version = row
    tags = (await repository.tag_names_of(db, [tree.id]))[tree.id]
    base = tree_read(tree, category, version, tags)
    draft = DraftRead(revision=tree.draft_revision, graph=Graph.model_validate(tree.draft_graph))
    return TreeDetail(
        **base.model_dump(),
        draft=draft if is_author(caller) else None,
        published=version_read(version) if version else None,
    )


# --------------------------------------------------------------------------- cursors


def encode_cursor(kind: str, key: Any, item_id: uuid.UUID) -> str:
    raw = json.dumps([kind, key, str(item_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> tuple[Any, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_kind, key, item_id = json.loads(raw)
        if found_kind != kind:
            raise InvalidCursor()
        return key, uuid.UUID(item_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc


def _sort_key_value(sort: SortKey, key: Any) -> Any:
    """A cursor's key back in the type of its column (or InvalidCursor)."""
    if sort == "title" and isinstance(key, str):
        return key
    if sort == "most_used" and isinstance(key, int) and not isinstance(key, bool):
        return key
    if sort == "updated" and isinstance(key, str):
        try:
            return datetime.fromisoformat(key)
        except ValueError:
            pass
    raise InvalidCursor()


# --------------------------------------------------------------------------- checks of input


async def _check_category(
    db: AsyncSession, caller: Caller, category_id: uuid.UUID | None
) -> uuid.UUID | None:
    if category_id is None:
        return None
    if await repository.get_category(db, caller.account_id, category_id) is None:
        raise UnknownCategory(field="category_id")
    return category_id


async def _check_tag_ids(
    db: AsyncSession, caller: Caller, tag_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    found = await repository.existing_tag_ids(db, caller.account_id, tag_ids)
    for i, tag_id in enumerate(tag_ids):
        if tag_id not in found:
            raise UnknownTag(field=f"tag_ids.{i}")
    return list(dict.fromkeys(tag_ids))


def _check_tag_count(names: Sequence[str], tag_ids: Sequence[uuid.UUID]) -> None:
    if len({n.lower() for n in names}) + len(set(tag_ids)) > MAX_TAGS:
        raise Unprocessable(
            f"A tree can carry at most {MAX_TAGS} tags.", code="too_many_tags", field="tags"
        )


async def _wanted_tags(
    db: AsyncSession, caller: Caller, names: Sequence[str], tag_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    by_name = await repository.ensure_tags(db, caller.account_id, names)
    return set(by_name.values()) | set(tag_ids)


async def _reserve_tree_slot(db: AsyncSession, caller: Caller) -> None:
    """Locks the account row, then counts its live trees: concurrent creates in one account
    queue on the lock, so the plan's max_trees holds under any concurrency."""
    account = await repository.lock_account_for_create(db, caller.account_id)
    if account is None:
        raise TreeNotFound()
    plan = await accounts_repository.get_plan(db, account.plan_id)
    if plan.max_trees is not None and (
        await repository.count_live_trees(db, caller.account_id) >= plan.max_trees
    ):
        raise PlanLimitReached(plan.max_trees)


# --------------------------------------------------------------------------- reading


async def usage(db: AsyncSession, caller: Caller) -> TreeUsage:
    account = await accounts_repository.get_account(db, caller.account_id)
    assert account is not None
    plan = await accounts_repository.get_plan(db, account.plan_id)
    return TreeUsage(
        trees=await repository.count_live_trees(db, caller.account_id), max_trees=plan.max_trees
    )


async def list_trees(
    db: AsyncSession,
    caller: Caller,
    filters: TreeFilters,
    *,
    sort: SortKey,
    cursor: str | None,
    limit: int,
) -> TreePage:
    decoded = decode_cursor(f"trees:{sort}", cursor)
    after = (_sort_key_value(sort, decoded[0]), decoded[1]) if decoded else None
    if not is_author(caller):
        if filters.status not in (None, TreeStatus.published):
            return TreePage(items=[], next_cursor=None)
        filters = TreeFilters(
            status=TreeStatus.published,
            category_id=filters.category_id,
            tags=filters.tags,
            created_by=filters.created_by,
        )
    rows = await repository.list_trees(
        db, caller.account_id, filters, sort=sort, after=after, limit=limit + 1
    )
    page = rows[:limit]
    tags = await repository.tag_names_of(db, [row[0][0].id for row in page])
    items = [tree_read(t, c, v, tags[t.id]) for (t, c, v), _ in page]
    next_cursor = None
    if len(rows) > limit:
        (last, _, _), key = page[-1]
        key_json = key.isoformat() if isinstance(key, datetime) else key
        next_cursor = encode_cursor(f"trees:{sort}", key_json, last.id)
    return TreePage(items=items, next_cursor=next_cursor)


def highlight_parts(marked: str) -> list[HighlightPart]:
    """Splits ts_headline output (matches between private-use markers) into parts, so clients
    render text, never markup. Matches apart only by spaces ("Power" " " "supply") read as
    one."""
    pieces: list[tuple[str, bool]] = []

    def add(text: str, match: bool) -> None:
        if not text:
            return
        if pieces and pieces[-1][1] == match:
            pieces[-1] = (pieces[-1][0] + text, match)
        elif match and len(pieces) >= 2 and pieces[-2][1] and not pieces[-1][0].strip():
            gap = pieces.pop()[0]
            pieces[-1] = (pieces[-1][0] + gap + text, True)
        else:
            pieces.append((text, match))

    first, *marked_runs = marked.split(HIGHLIGHT_START)
    add(first, False)
    for run in marked_runs:
        match, _, rest = run.partition(HIGHLIGHT_STOP)
        add(match, True)
        add(rest, False)
    return [HighlightPart(text=text, match=match) for text, match in pieces]


async def search_trees(
    db: AsyncSession,
    caller: Caller,
    q: str,
    *,
    filters: repository.SearchFilters | None = None,
    cursor: str | None,
    limit: int,
) -> SearchPage:
    decoded = decode_cursor("search", cursor)
    after: repository.SearchCursor | None = None
    if decoded is not None:
        key = decoded[0]
        if not (
            isinstance(key, list)
            and len(key) == 3
            and all(isinstance(k, int | float) and not isinstance(k, bool) for k in key)
            and isinstance(key[0], int)
            and isinstance(key[2], int)
        ):
            raise InvalidCursor()
        after = (key[0], float(key[1]), key[2], decoded[1])
    rows = await repository.search_trees(
        db,
        caller.account_id,
        q.strip(),
        published_only=not is_author(caller),
        after=after,
        limit=limit + 1,
        filters=filters,
    )
    page = rows[:limit]
    items = [
        SearchHit(
            tree=TreeRead(
                id=r.id,
                title=r.title,
                description=r.description,
                status=r.status,
                category=CategoryRef(id=r.category_id, name=r.category_name)
                if r.category_id
                else None,
                tags=list(r.tags),
                usage_count=r.usage_count,
                draft_revision=r.draft_revision,
                current_version=VersionRef(
                    id=r.version_id, number=r.version_number, published_at=r.version_published_at
                )
                if r.version_id
                else None,
                created_by=r.created_by,
                created_at=r.created_at,
                updated_at=r.updated_at,
            ),
            score=r.score,
            title_highlight=highlight_parts(r.title_highlight or ""),
            snippet=highlight_parts(r.snippet or ""),
        )
        for r in page
    ]
    next_cursor = (
        encode_cursor("search", [page[-1].tier, page[-1].score, page[-1].usage], page[-1].id)
        if len(rows) > limit
        else None
    )
    return SearchPage(items=items, next_cursor=next_cursor)


# --------------------------------------------------------------------------- writing


async def _create(
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
    _check_tag_count(tag_names, tag_ids)
    await _reserve_tree_slot(db, caller)
    now = utcnow()
    tree = await repository.add_tree(
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
    await repository.set_tree_tags(db, tree.id, await _wanted_tags(db, caller, tag_names, tag_ids))
    await repository.refresh_search(db, caller.account_id, [tree.id])
    return await tree_detail(db, caller, tree.id)


async def create_tree(db: AsyncSession, caller: Caller, body: TreeCreate) -> TreeDetail:
    category_id = await _check_category(db, caller, body.category_id)
    tag_ids = await _check_tag_ids(db, caller, body.tag_ids)
    return await _create(
        db,
        caller,
        title=body.title,
        description=body.description,
        category_id=category_id,
        tag_names=body.tags,
        tag_ids=tag_ids,
        graph=body.graph or Graph(),
    )


async def _conflict_or_gone(db: AsyncSession, caller: Caller, tree_id: uuid.UUID) -> None:
    current = await repository.current_revision(db, caller.account_id, tree_id)
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
        values["category_id"] = await _check_category(db, caller, body.category_id)
    if body.graph is not None:
        values["draft_graph"] = stored_graph(body.graph)
    if body.status is not None:
        if body.status == TreeStatus.published and tree.current_version_id is None:
            raise NotPublished(field="status")
        values["status"] = body.status
    tags_given = body.tags is not None or body.tag_ids is not None
    tag_ids: list[uuid.UUID] = []
    if tags_given:
        tag_ids = await _check_tag_ids(db, caller, body.tag_ids or [])
        _check_tag_count(body.tags or [], tag_ids)

    revision = await repository.update_tree_at_revision(
        db, caller.account_id, tree.id, body.base_revision, values
    )
    if revision is None:
        await _conflict_or_gone(db, caller, tree.id)
    if tags_given:
        await repository.set_tree_tags(
            db, tree.id, await _wanted_tags(db, caller, body.tags or [], tag_ids)
        )
    if tags_given or fields & {"title", "description", "category_id"}:
        await repository.refresh_search(db, caller.account_id, [tree.id])
    return await tree_detail(db, caller, tree.id)


async def delete_tree(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, client: ClientInfo
) -> None:
    """Soft delete: the tree leaves lists, search and tag counts; its versions stay readable
    for the sessions that ran them."""
    if not await repository.soft_delete_tree(db, caller.account_id, tree_id, utcnow()):
        raise TreeNotFound()
    await repository.set_tree_tags(db, tree_id, set())
    await audit.record(
        db,
        "tree_deleted",
        account_id=caller.account_id,
        actor_id=caller.user_id,
        subject=str(tree_id),
        ip=client.ip,
    )


async def _problems(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, graph: Graph
) -> list[Problem]:
    published = await repository.published_tree_ids(db, caller.account_id, link_targets(graph))
    return validate_graph(graph, published_trees=published, tree_id=tree_id)


async def validate_tree(db: AsyncSession, caller: Caller, tree_id: uuid.UUID) -> ValidationReport:
    """What publishing the draft now would find, without publishing."""
    tree = await repository.get_tree(db, caller.account_id, tree_id, with_draft=True)
    if tree is None:
        raise TreeNotFound()
    try:
        graph = load_graph(tree.draft_graph)
    except GraphInvalid as exc:
        return ValidationReport(is_valid=False, problems=[Problem(**p) for p in exc.problems])
    problems = await _problems(db, caller, tree.id, graph)
    return ValidationReport(
        is_valid=not problems,
        problems=[p.model_copy(update={"field": f"graph.{p.field}"}) for p in problems],
    )


async def publish_tree(
    db: AsyncSession,
    caller: Caller,
    tree_id: uuid.UUID,
    *,
    changelog: str,
    base_revision: int | None,
    client: ClientInfo,
) -> VersionRead:
    """Validates the draft fully and writes it as version N+1 (immutable). The tree row is
    locked, so two publishes of one tree get consecutive numbers. A draft equal to the current
    version is not published twice; if the tree was taken off line, it is brought back."""
    tree = await repository.get_tree(db, caller.account_id, tree_id, with_draft=True, lock=True)
    if tree is None:
        raise TreeNotFound()
    if base_revision is not None and base_revision != tree.draft_revision:
        raise DraftConflict(tree.draft_revision)
    graph = load_graph(tree.draft_graph)
    problems = await _problems(db, caller, tree.id, graph)
    if problems:
        raise GraphInvalid(_problems_for_api(problems))

    now = utcnow()
    current = (
        await repository.get_version_by_id(db, tree.current_version_id, with_graph=True)
        if tree.current_version_id
        else None
    )
    if current is not None and stored_graph(load_graph(current.graph)) == stored_graph(graph):
        if tree.status == TreeStatus.published:
            raise NothingToPublish()
        await repository.update_tree(
            db, caller.account_id, tree.id, {"status": TreeStatus.published, "updated_at": now}
        )
        return version_read(current)

    number = await repository.max_version_number(db, tree.id) + 1
    node_text = "\n".join(f"{n.title}\n{n.body or ''}" for n in graph.nodes)
    version = await repository.add_version(
        db,
        tree_id=tree.id,
        number=number,
        title=tree.title,
        graph=stored_graph(graph),
        node_text=node_text,
        changelog=changelog,
        published_by=caller.user_id,
        published_at=now,
    )
    await repository.update_tree(
        db,
        caller.account_id,
        tree.id,
        {
            "current_version_id": version.id,
            "status": TreeStatus.published,
            "updated_at": now,
        },
    )
    await repository.refresh_search(db, caller.account_id, [tree.id])
    await audit.record(
        db,
        "tree_published",
        account_id=caller.account_id,
        actor_id=caller.user_id,
        subject=str(tree.id),
        ip=client.ip,
        version=number,
    )
    return version_read(version)


# --------------------------------------------------------------------------- versions


async def list_versions(
    db: AsyncSession, tree: Tree, *, cursor: str | None, limit: int
) -> VersionPage:
    decoded = decode_cursor("versions", cursor)
    if decoded is not None and (not isinstance(decoded[0], int) or isinstance(decoded[0], bool)):
        raise InvalidCursor()
    before = decoded[0] if decoded else None
    versions = await repository.list_versions(db, tree.id, before=before, limit=limit + 1)
    page = versions[:limit]
    return VersionPage(
        items=[VersionSummary.model_validate(v) for v in page],
        next_cursor=encode_cursor("versions", page[-1].number, page[-1].id)
        if len(versions) > limit
        else None,
    )


async def _version(db: AsyncSession, tree: Tree, number: int) -> TreeVersion:
    version = await repository.get_version(db, tree.id, number)
    if version is None:
        raise VersionNotFound()
    return version


async def read_version(db: AsyncSession, tree: Tree, number: int) -> VersionRead:
    return version_read(await _version(db, tree, number))


async def compare_versions(
    db: AsyncSession, caller: Caller, tree: Tree, before: int, after: int | Literal["draft"]
) -> VersionDiff:
    old = load_graph((await _version(db, tree, before)).graph)
    if after == "draft":
        if not is_author(caller):
            raise VersionNotFound()
        loaded = await repository.get_tree(db, caller.account_id, tree.id, with_draft=True)
        if loaded is None:
            raise TreeNotFound()
        new = load_graph(loaded.draft_graph)
    else:
        new = load_graph((await _version(db, tree, after)).graph)
    diff = diff_graphs(old, new)
    return VersionDiff(**diff.model_dump(), from_version=before, to_version=after)


async def restore_version(
    db: AsyncSession, caller: Caller, tree: Tree, number: int, base_revision: int
) -> TreeDetail:
    """Copies a published version into the draft (a save like any other: revision checked)."""
    version = await _version(db, tree, number)
    revision = await repository.update_tree_at_revision(
        db,
        caller.account_id,
        tree.id,
        base_revision,
        {"draft_graph": version.graph, "updated_at": utcnow()},
    )
    if revision is None:
        await _conflict_or_gone(db, caller, tree.id)
    return await tree_detail(db, caller, tree.id)


# --------------------------------------------------------------------------- export and import


async def export_tree(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, source: Literal["draft", "published"]
) -> TreeDocument:
    detail = await tree_detail(db, caller, tree_id)
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
        category = await _find_or_create_category(db, caller, document.tree.category)
        category_id = category.id
    return await _create(
        db,
        caller,
        title=document.tree.title,
        description=document.tree.description,
        category_id=category_id,
        tag_names=document.tree.tags,
        tag_ids=[],
        graph=document.graph,
    )


# --------------------------------------------------------------------------- categories and tags


async def list_categories(db: AsyncSession, caller: Caller) -> list[CategoryRead]:
    rows = await repository.list_categories(
        db, caller.account_id, published_only=not is_author(caller)
    )
    return [
        CategoryRead(id=c.id, name=c.name, slug=c.slug, tree_count=n, created_at=c.created_at)
        for c, n in rows
    ]


async def _find_or_create_category(db: AsyncSession, caller: Caller, name: str) -> Category:
    category = await repository.insert_category(db, caller.account_id, name, slugify(name))
    if category is None:
        category = await repository.find_category_by_name(db, caller.account_id, name)
    assert category is not None
    return category


async def create_category(db: AsyncSession, caller: Caller, name: str) -> CategoryRead:
    category = await repository.insert_category(db, caller.account_id, name, slugify(name))
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
    if await repository.get_category(db, caller.account_id, category_id) is None:
        raise CategoryNotFound()
    if not await repository.rename_category(
        db, caller.account_id, category_id, name, slugify(name)
    ):
        raise CategoryExists(field="name")
    trees = await repository.trees_in_category(db, caller.account_id, category_id)
    await repository.refresh_search(db, caller.account_id, trees)
    category = await repository.get_category(db, caller.account_id, category_id)
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
    if await repository.get_category(db, caller.account_id, category_id) is None:
        raise CategoryNotFound()
    trees = await repository.clear_category(db, caller.account_id, category_id)
    await repository.delete_category(db, caller.account_id, category_id)
    await repository.refresh_search(db, caller.account_id, trees)


async def list_tags(
    db: AsyncSession, caller: Caller, *, prefix: str | None, limit: int
) -> list[TagRead]:
    tags = await repository.list_tags(db, caller.account_id, prefix=prefix, limit=limit)
    return [TagRead.model_validate(t) for t in tags]


# --------------------------------------------------------------------------- for sessions


async def record_tree_use(db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID) -> int:
    """Counts one use of a tree (SQL-side increment, no lost updates); the new count."""
    count = await repository.increment_tree_usage(db, account_id, tree_id)
    if count is None:
        raise TreeNotFound()
    return count


async def get_version_for_session(
    db: AsyncSession, account_id: uuid.UUID, version_id: uuid.UUID
) -> tuple[TreeVersion, Graph]:
    """A version a session pinned, readable even after its tree was deleted."""
    version = await repository.get_account_version(db, account_id, version_id)
    if version is None:
        raise VersionNotFound()
    return version, Graph.model_validate(version.graph)
