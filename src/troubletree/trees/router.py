"""/api/v1/trees: trees, drafts, publishing, versions, categories, tags, search, export/import."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import AwareDatetime

from troubletree.accounts.dependencies import AccountAdmin, Author, CurrentMember
from troubletree.auth.dependencies import Client
from troubletree.core.bodies import body_openapi, parsed_body
from troubletree.core.db import DB, SettingsDep, reads_only
from troubletree.core.encoding import EncodedJSON
from troubletree.core.errors import error_responses
from troubletree.core.models import INT4_MAX
from troubletree.core.offload import Pool
from troubletree.trees import documents, library, rules, search, service, taxonomy, versions
from troubletree.trees.dependencies import ValidTree
from troubletree.trees.models import TreeStatus
from troubletree.trees.repository.search import SearchFilters
from troubletree.trees.repository.trees import SortKey, TreeFilters
from troubletree.trees.schemas import (
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    EmptySearchRead,
    FromTemplate,
    PublishRequest,
    RestoreRequest,
    RestoreResult,
    RuleCheck,
    RuleCheckResult,
    RuleGrammar,
    SearchPage,
    TagRead,
    TemplateRead,
    TreeCreate,
    TreeDetail,
    TreeDocument,
    TreePage,
    TreeUpdate,
    TreeUsage,
    ValidationReport,
    VersionDiff,
    VersionPage,
    VersionRead,
)

router = APIRouter(prefix="/trees", tags=["trees"])

Limit = Annotated[int, Query(ge=1, le=100)]
VersionNumber = Annotated[int, Path(ge=1, le=INT4_MAX)]
Cursor = Annotated[str | None, Query(max_length=500)]
TagFilter = Annotated[list[str] | None, Query(max_length=10, description="Trees carrying all")]


@router.get("", response_model=TreePage, responses=error_responses(401, 403, 422))
@reads_only
async def list_trees(
    caller: CurrentMember,
    db: DB,
    status: TreeStatus | None = None,
    category_id: uuid.UUID | None = None,
    tag: TagFilter = None,
    created_by: uuid.UUID | None = None,
    sort: SortKey = "updated",
    cursor: Cursor = None,
    limit: Limit = 20,
) -> EncodedJSON:
    """Live trees of your account, newest change first (or `sort=title|most_used`); follow
    `next_cursor` for the next page. Technicians see published trees only."""
    filters = TreeFilters(
        status=status, category_id=category_id, tags=tuple(tag or ()), created_by=created_by
    )
    return EncodedJSON(
        await service.list_trees(db, caller, filters, sort=sort, cursor=cursor, limit=limit)
    )


@router.get("/usage", responses=error_responses(401, 403))
async def read_tree_usage(caller: CurrentMember, db: DB) -> TreeUsage:
    """How many trees the account has and its plan allows (null: unlimited)."""
    return await service.usage(db, caller)


@router.get("/search", responses=error_responses(401, 403, 422))
async def search_trees(
    caller: CurrentMember,
    db: DB,
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")],
    status: TreeStatus | None = None,
    category_id: uuid.UUID | None = None,
    tag: TagFilter = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> SearchPage:
    """Full-text search in your account that forgives typing errors. Every word of the query
    must match (in the title, tags, category, description or step text of the current
    version); a word may have a letter missing, extra or changed, or two swapped (one such
    error in words of 4-6 letters, two in longer ones), matched against the words your
    trees hold. Exact matches come first: in the title or tags (ranked, title above tags),
    then elsewhere (most used first); then the same with typing errors forgiven; then titles
    spelled like the query. `status`, `category_id` and `tag` narrow every tier, as in the
    list. Titles and snippets come back as parts marked `match`, never as markup.
    Technicians find published trees only. A first page with nothing found answers
    `did_you_mean` and, without filters, is recorded for authors (`search/misses`)."""
    filters = SearchFilters(status=status, category_id=category_id, tags=tuple(tag or ()))
    return await search.search_trees(db, caller, q, filters=filters, cursor=cursor, limit=limit)


@router.get("/search/misses", responses=error_responses(401, 403, 422))
async def list_search_misses(
    caller: Author,
    db: DB,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[EmptySearchRead]:
    """Searches of your account that found nothing, in `[since, until)` (timestamps with a
    time zone): one entry per query (case-blind) with how often and when last, most frequent
    first. What your trees are missing; for admins and engineers."""
    return await search.list_empty_searches(db, caller, since=since, until=until, limit=limit)


@router.get("/tags", responses=error_responses(401, 403, 422))
async def list_tags(
    caller: CurrentMember,
    db: DB,
    prefix: Annotated[str | None, Query(max_length=50, pattern=r"^[^\x00]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TagRead]:
    """The account's tags, most used first, with the number of live trees carrying each."""
    return await taxonomy.list_tags(db, caller, prefix=prefix, limit=limit)


@router.get("/categories", responses=error_responses(401, 403))
async def list_categories(caller: CurrentMember, db: DB) -> list[CategoryRead]:
    return await taxonomy.list_categories(db, caller)


@router.post(
    "/categories",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 409, 422),
)
async def create_category(body: CategoryCreate, caller: Author, db: DB) -> CategoryRead:
    return await taxonomy.create_category(db, caller, body.name)


@router.patch("/categories/{category_id}", responses=error_responses(401, 403, 404, 409, 422))
async def rename_category(
    category_id: uuid.UUID, body: CategoryUpdate, caller: Author, db: DB
) -> CategoryRead:
    return await taxonomy.rename_category(db, caller, category_id, body.name)


@router.delete(
    "/categories/{category_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
)
async def delete_category(category_id: uuid.UUID, caller: Author, db: DB) -> None:
    """Its trees stay, without a category."""
    await taxonomy.delete_category(db, caller, category_id)


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 422),
    openapi_extra=body_openapi(TreeDocument),
)
async def import_tree(
    caller: Author, db: DB, body: Annotated[TreeDocument, parsed_body(TreeDocument)]
) -> TreeDetail:
    """A new draft tree from a document made by `GET /trees/{id}/export`."""
    return await documents.import_tree(db, caller, body)


@router.post("/logic/check", responses=error_responses(401, 403, 422))
async def check_logic_rule(body: RuleCheck, caller: Author) -> RuleCheckResult:
    """Tries a rule expression: the first problem (syntax, or a variable not among
    `variables`) with its 0-based position, else what it gives for `values`. A rule that does
    not parse is still a 200 here (`ok: false`): the editor calls this as the author types."""
    declared = {v.name for v in body.variables}
    return rules.check_rule(body.expression, declared, body.values)


@router.get("/logic/grammar", responses=error_responses(401, 403))
async def logic_grammar(caller: Author) -> RuleGrammar:
    """The rule language's operators, keywords and literals, for autocomplete (the
    variables come from the tree)."""
    return rules.GRAMMAR


@router.get("/templates", responses=error_responses(401, 403))
async def list_tree_templates(caller: Author) -> list[TemplateRead]:
    """The starter trees shipped with the product, for `POST /trees/from-template`."""
    return library.list_templates()


@router.post(
    "/from-template",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 422),
)
async def create_tree_from_template(body: FromTemplate, caller: Author, db: DB) -> TreeDetail:
    """A new draft copied from a starter tree (its tags and category made in the account when
    missing). 422 `unknown_template`; 403 `plan_limit_reached` as for create."""
    return await library.create_from_template(db, caller, body.template_id, body.title)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 422),
    openapi_extra=body_openapi(TreeCreate),
)
async def create_tree(
    caller: Author, db: DB, body: Annotated[TreeCreate, parsed_body(TreeCreate)]
) -> TreeDetail:
    """A new draft. 403 `plan_limit_reached` when the plan allows no more trees."""
    return await service.create_tree(db, caller, body)


@router.get("/{tree_id}", response_model=TreeDetail, responses=error_responses(401, 403, 404))
@reads_only
async def read_tree(tree_id: uuid.UUID, caller: CurrentMember, db: DB) -> EncodedJSON:
    """The tree with its current published version, and (authors) its draft."""
    return EncodedJSON(await service.tree_detail_json(db, caller, tree_id))


@router.put(
    "/{tree_id}",
    responses=error_responses(401, 403, 404, 409, 422),
    openapi_extra=body_openapi(TreeUpdate),
)
async def update_tree(
    caller: Author, tree: ValidTree, db: DB, body: Annotated[TreeUpdate, parsed_body(TreeUpdate)]
) -> TreeDetail:
    """Saves metadata and/or the draft. 409 `draft_conflict` (with `current_revision`) when
    `base_revision` is stale; nothing is written then."""
    return await service.update_tree(db, caller, tree, body)


@router.delete(
    "/{tree_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403, 404)
)
async def delete_tree(caller: AccountAdmin, tree: ValidTree, db: DB, client: Client) -> None:
    """Soft delete; published versions stay readable by the sessions that ran them."""
    await service.delete_tree(db, caller, tree.id, client)


@router.post("/{tree_id}/archive", responses=error_responses(401, 403, 404))
async def archive_tree(caller: Author, tree: ValidTree, db: DB, client: Client) -> TreeDetail:
    """Hides the tree from technicians (not listed, not found by search, no new sessions);
    authors still see it with `status=archived`. Archiving an archived tree changes nothing."""
    return await library.set_archived(db, caller, tree, True, client)


@router.post("/{tree_id}/unarchive", responses=error_responses(401, 403, 404))
async def unarchive_tree(caller: Author, tree: ValidTree, db: DB, client: Client) -> TreeDetail:
    """Brings an archived tree back: published when it has a version, else a draft."""
    return await library.set_archived(db, caller, tree, False, client)


@router.post(
    "/{tree_id}/duplicate",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404),
)
async def duplicate_tree(caller: Author, tree: ValidTree, db: DB) -> TreeDetail:
    """A new draft "Copy of …" with the draft graph, description, category and tags. 403
    `plan_limit_reached` as for create."""
    return await library.duplicate_tree(db, caller, tree.id)


@router.post("/{tree_id}/validate", responses=error_responses(401, 403, 404, 503))
async def validate_tree(
    caller: Author, tree: ValidTree, db: DB, pool: Pool, settings: SettingsDep
) -> ValidationReport:
    """The problems publishing the draft now would report, by node and field. A large draft
    is checked off the event loop (503 `busy` when that pool is full)."""
    return await service.validate_tree(db, caller, tree.id, pool, settings.graph_offload_nodes)


@router.post(
    "/{tree_id}/publish",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def publish_tree(
    body: PublishRequest,
    caller: Author,
    tree: ValidTree,
    db: DB,
    client: Client,
    pool: Pool,
    settings: SettingsDep,
) -> VersionRead:
    """Validates the draft fully and publishes it as the next immutable version; 422
    `graph_invalid` lists every problem by node id and field. A large draft is checked off
    the event loop (503 `busy` when that pool is full)."""
    return await service.publish_tree(
        db,
        caller,
        tree.id,
        changelog=body.changelog,
        base_revision=body.base_revision,
        client=client,
        pool=pool,
        offload_nodes=settings.graph_offload_nodes,
    )


@router.get("/{tree_id}/versions", responses=error_responses(401, 403, 404, 422))
async def list_tree_versions(
    tree: ValidTree, db: DB, cursor: Cursor = None, limit: Limit = 50
) -> VersionPage:
    """Published versions, newest first (without their graphs)."""
    return await versions.list_versions(db, tree, cursor=cursor, limit=limit)


@router.get("/{tree_id}/versions/compare", responses=error_responses(401, 403, 404, 422))
async def compare_tree_versions(
    tree: ValidTree,
    caller: CurrentMember,
    db: DB,
    from_: Annotated[
        str,
        Query(
            alias="from",
            pattern=r"^(live|[1-9][0-9]{0,8})$",
            description="A version number, or `live` (the current version)",
        ),
    ],
    to: Annotated[
        str,
        Query(
            pattern=r"^(draft|live|[1-9][0-9]{0,8})$",
            description="A version number, `live`, or `draft` (authors)",
        ),
    ],
) -> VersionDiff:
    """Node-level differences: nodes, options and variables added, removed and changed (each
    changed field before and after) and the edges added and removed. `from=live&to=draft`
    is what publishing the draft would change. 404 when `live` is asked of a tree that has
    no current version."""
    before: int | Literal["live"] = "live" if from_ == "live" else int(from_)
    after: int | Literal["draft", "live"] = (
        "draft" if to == "draft" else "live" if to == "live" else int(to)
    )
    return await versions.compare_versions(db, caller, tree, before, after)


@router.get("/{tree_id}/versions/{number}", responses=error_responses(401, 403, 404))
async def read_tree_version(number: VersionNumber, tree: ValidTree, db: DB) -> VersionRead:
    return await versions.read_version(db, tree, number)


@router.post(
    "/{tree_id}/versions/{number}/restore", responses=error_responses(401, 403, 404, 409, 422)
)
async def restore_tree_version(
    number: VersionNumber, body: RestoreRequest, caller: Author, tree: ValidTree, db: DB
) -> RestoreResult:
    """Copies the version's graph into the draft (a save: `base_revision` is checked). The
    answer is the tree plus `previous_draft`: undo is `PUT /trees/{id}` with
    `graph = previous_draft.graph` and `base_revision = draft_revision`."""
    return await versions.restore_version(db, caller, tree, number, body.base_revision)


@router.get("/{tree_id}/export", responses=error_responses(401, 403, 404, 422))
async def export_tree(
    caller: Author,
    tree: ValidTree,
    db: DB,
    response: Response,
    source: Literal["draft", "published"] = "draft",
) -> TreeDocument:
    """The graph plus metadata as one JSON document, ready for `POST /trees/import`."""
    document = await documents.export_tree(db, caller, tree.id, source)
    response.headers["Content-Disposition"] = f'attachment; filename="tree-{tree.id}.json"'
    return document
