"""Search: the search vectors kept on each tree, and the tiered search statement."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Row,
    Select,
    String,
    all_,
    and_,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from troubletree.core.queries import escape_like_sql, scoped
from troubletree.trees.models import (
    Category,
    Tag,
    Tree,
    TreeStatus,
    TreeTag,
    TreeVersion,
)
from troubletree.trees.repository.tags import carrying_tag
from troubletree.trees.repository.trees import CONFIG, is_live

HIGHLIGHT_START = "\ue000"
HIGHLIGHT_STOP = "\ue001"
TITLE_HEADLINE = f"HighlightAll=true, StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}"
SNIPPET_HEADLINE = (
    f'MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … ", '
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}"
)
# How much a typo-tolerant title match weighs against the full-text rank.
SIMILARITY_WEIGHT = 0.5
# Word similarity a title needs to match a query with typos (pg_trgm's default is 0.6, which
# lets "pwoer supply" through but not "pwer suply").
WORD_SIMILARITY_THRESHOLD = 0.5


# --------------------------------------------------------------------------- search vector


def _weighted(text_value: Any, weight: str) -> ColumnElement[Any]:
    return func.setweight(func.to_tsvector(CONFIG, text_value), literal_column(f"'{weight}'"))


async def refresh_search(
    db: AsyncSession, account_id: uuid.UUID, tree_ids: Sequence[uuid.UUID]
) -> None:
    """Recomputes the search vectors of these trees: `search_head` from title (A) and tags
    (B); `search_vector` from those plus category and description (C) and the node text of
    the current version (D)."""
    if not tree_ids:
        return
    tag_text = (
        select(func.string_agg(Tag.name, literal_column("' '")))
        .join(TreeTag, TreeTag.tag_id == Tag.id)
        .where(TreeTag.tree_id == Tree.id)
        .scalar_subquery()
    )
    category_name = select(Category.name).where(Category.id == Tree.category_id).scalar_subquery()
    nodes = (
        select(TreeVersion.search_nodes)
        .where(TreeVersion.id == Tree.current_version_id)
        .scalar_subquery()
    )
    head = _weighted(Tree.title, "A").op("||")(_weighted(func.coalesce(tag_text, ""), "B"))
    rest = _weighted(func.concat_ws(" ", category_name, Tree.description), "C").op("||")(
        func.coalesce(nodes, literal_column("''::tsvector"))
    )
    await db.execute(
        scoped(update(Tree), Tree, account_id)
        .where(Tree.id.in_(list(tree_ids)))
        .values(search_head=head, search_vector=head.op("||")(rest))
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- search


# Run first in a search's transaction (SET LOCAL: gone at commit):
# - the typo threshold;
# - custom plans only: how many rows a word matches decides the plan, and a generic plan,
#   blind to the query, would be wrong by a factor of ten or more for some queries;
# - for the probe that follows, bitmap scans only: the planner does not count decompressing
#   a toasted search vector per row, and would test rows one by one where the GIN index
#   answers without touching the vectors. The probe turns index scans back on.
SEARCH_SETTINGS = select(
    func.set_config("pg_trgm.word_similarity_threshold", str(WORD_SIMILARITY_THRESHOLD), True),
    func.set_config("plan_cache_mode", "force_custom_plan", True),
    func.set_config("enable_seqscan", "off", True),
    func.set_config("enable_indexscan", "off", True),
)


# Matches of a common word collected before walking the usage index instead (see tier 1).
NODE_SCAN_CAP = 2000
# Search tiers, in the order results are listed.
TIER_HEAD, TIER_NODES, TIER_TYPO = 0, 1, 2
SearchCursor = tuple[int, float, int, uuid.UUID]  # tier, score, usage, id


@dataclass(frozen=True)
class SearchFilters:
    """Narrows a search the way the list's filters narrow the list."""

    status: TreeStatus | None = None
    category_id: uuid.UUID | None = None
    tags: Sequence[str] = ()

    @property
    def shape(self) -> SearchFilterShape:
        return (self.status is not None, self.category_id is not None, len(self.tags))


# Which filters a search has: status, category, how many tags (the statement's shape; the
# values are parameters).
SearchFilterShape = tuple[bool, bool, int]
NO_FILTERS: SearchFilterShape = (False, False, 0)


def _search_filters(
    shape: SearchFilterShape, account_id: BindParameter[Any]
) -> list[ColumnElement[bool]]:
    has_status, has_category, tag_count = shape
    conditions: list[ColumnElement[bool]] = []
    if has_status:
        conditions.append(Tree.status == bindparam("status", type_=String))
    if has_category:
        conditions.append(Tree.category_id == bindparam("category_id", type_=Tree.id.type))
    for i in range(tag_count):
        tag = carrying_tag(bindparam(f"tag_{i}", type_=String), account_id)
        conditions.append(Tree.id.in_(tag))
    return conditions


def _text_only(query: ColumnElement[Any]) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Matches of tier 1: the whole text, but not the title or tags."""
    return (
        Tree.search_vector.op("@@", is_comparison=True)(query),
        not_(Tree.search_head.op("@@", is_comparison=True)(query)),
    )


def _query() -> tuple[BindParameter[Any], ColumnElement[Any]]:
    q = bindparam("q", type_=String)
    return q, func.websearch_to_tsquery(CONFIG, q)


@functools.lru_cache(maxsize=64)
def search_probe(
    published_only: bool, filters: SearchFilterShape = NO_FILTERS
) -> Select[*tuple[Any, ...]]:
    """How many trees match the query only outside title and tags, counted up to
    NODE_SCAN_CAP + 1 through the GIN index (planned under SEARCH_SETTINGS); it turns index
    scans back on for the search itself."""
    _, query = _query()
    account_id = bindparam("account_id", type_=Tree.account_id.type)
    matches = scoped(select(Tree.id), Tree, account_id).where(
        is_live(), *_text_only(query), *_search_filters(filters, account_id)
    )
    if published_only:
        matches = matches.where(Tree.status == TreeStatus.published)
    capped = matches.limit(NODE_SCAN_CAP + 1).subquery()
    return select(
        func.count().label("matches"), func.set_config("enable_indexscan", "on", True)
    ).select_from(capped)


@functools.lru_cache(maxsize=256)
def search_statement(
    published_only: bool,
    after_tier: int | None,
    common: bool,
    filters: SearchFilterShape = NO_FILTERS,
) -> Select[*tuple[Any, ...]]:
    """The search: one statement that matches, ranks, pages and highlights (run after
    SEARCH_SETTINGS and `search_probe` in the same transaction, with `search_params`). Built
    once per shape (who searches, which tier a cursor points into, whether the probe found
    the words common) and cached: only parameters change. Benchmarks run exactly this.

    Results come in three tiers, each from its own index, each ordered by (score, usage, id)
    descending, and each stopping as soon as the page is full:

    0. full-text matches in the title or tags (`search_head`, GIN), ranked by weight (title A
       above tags B);
    1. matches that need the category, the description or the node text of the current
       version (`search_vector`, GIN), most used first: up to NODE_SCAN_CAP matches are
       collected and sorted; words with more matches (`common`, from the probe) walk the
       usage index instead, which fills a page after a few hundred rows at most;
    2. titles within trigram word-similarity of the query (typos, `ix_trees_title_trgm`),
       looked at only when the tiers above do not fill the page.

    Filters (status, category, tags) narrow every tier. Highlights, snippets and tags are
    computed for the page only."""
    q, query = _query()
    account_id = bindparam("account_id", type_=Tree.account_id.type)
    need = bindparam("need", type_=Integer)
    narrowed = _search_filters(filters, account_id)
    in_head = Tree.search_head.op("@@", is_comparison=True)(query)
    # Written the way the trigram index reads it (title %> q), so it is checked once.
    similar_title = Tree.title.op("%>", is_comparison=True)(q)
    head_rank = func.ts_rank(Tree.search_head, query).cast(Float)
    similarity = func.word_similarity(q, Tree.title).cast(Float)

    def arm(tier: int, score: ColumnElement[Any], *conditions: ColumnElement[bool]) -> Select[Any]:
        stmt = scoped(
            select(
                Tree.id,
                literal(tier).label("tier"),
                score.label("score"),
                Tree.usage_count.label("usage"),
            ),
            Tree,
            account_id,
        ).where(is_live(), *conditions, *narrowed)
        if published_only:
            stmt = stmt.where(Tree.status == TreeStatus.published)
        if after_tier is not None:
            if tier < after_tier:
                stmt = stmt.where(false())
            elif tier == after_tier:
                after_score = bindparam("after_score", type_=Float)
                after = tuple_(
                    bindparam("after_usage", type_=Integer),
                    bindparam("after_id", type_=Tree.id.type),
                )
                stmt = stmt.where(
                    or_(
                        score < after_score,
                        and_(score == after_score, tuple_(Tree.usage_count, Tree.id) < after),
                    )
                )
        return stmt.order_by(score.desc(), Tree.usage_count.desc(), Tree.id.desc()).limit(need)

    def fewer_than_needed(*ctes: Any) -> ColumnElement[bool]:
        """True when these tiers together have less than a page (evaluated once)."""
        found = union_all(*(select(c.c.id) for c in ctes)).subquery()
        return (
            select(func.count())
            .select_from(select(found.c.id).limit(need).subquery())
            .scalar_subquery()
            < need
        )

    head = arm(TIER_HEAD, head_rank, in_head).cte("head")

    only_text = _text_only(query)
    if common:
        nodes = arm(TIER_NODES, literal(0.0, Float), *only_text, fewer_than_needed(head))
    else:
        collected = (
            scoped(select(Tree.id, Tree.usage_count.label("usage")), Tree, account_id)
            .where(is_live(), *only_text, *narrowed, fewer_than_needed(head))
            .limit(NODE_SCAN_CAP + 1)
        )
        if published_only:
            collected = collected.where(Tree.status == TreeStatus.published)
        found_text = collected.subquery()
        nodes = select(
            found_text.c.id,
            literal(TIER_NODES).label("tier"),
            literal(0.0, Float).label("score"),
            found_text.c.usage,
        )
        if after_tier is not None and after_tier > TIER_NODES:
            nodes = nodes.where(false())
        elif after_tier == TIER_NODES:
            nodes = nodes.where(
                tuple_(found_text.c.usage, found_text.c.id)
                < tuple_(
                    bindparam("after_usage", type_=Integer),
                    bindparam("after_id", type_=Tree.id.type),
                )
            )
        nodes = nodes.order_by(found_text.c.usage.desc(), found_text.c.id.desc()).limit(need)
    nodes_cte = nodes.cte("nodes")
    other = aliased(Tree)
    text_matches = scoped(select(other.id), other, account_id).where(
        other.search_vector.op("@@", is_comparison=True)(query)
    )
    typos = arm(
        TIER_TYPO,
        similarity * SIMILARITY_WEIGHT,
        similar_title,
        not_(in_head),
        Tree.id.not_in(text_matches),
        fewer_than_needed(head, nodes_cte),
    ).cte("typos")
    found = union_all(select(head), select(nodes_cte), select(typos)).subquery()
    hits = (
        select(found)
        .order_by(found.c.tier, found.c.score.desc(), found.c.usage.desc(), found.c.id.desc())
        .limit(need)
        .subquery()
    )

    # The snippet: the description where it matches; else, when the version's node text
    # matches, the first matching node (nodes lacking a query word are skipped by a cheap
    # substring test before the exact check); else the start of the description.
    description_matches = func.to_tsvector(CONFIG, Tree.description).op("@@", is_comparison=True)(
        query
    )
    lexeme = func.unnest(func.tsvector_to_array(func.to_tsvector(CONFIG, q))).alias("l")
    patterns = func.array(
        select(func.concat("%", escape_like_sql(func.left(column("l"), 4)), "%"))
        .select_from(lexeme)
        .scalar_subquery()
    )
    node = (
        func.jsonb_array_elements(TreeVersion.graph["nodes"])
        .table_valued(column("value", JSONB))
        .alias("n")
    )
    node_text = func.concat_ws(": ", node.c.value["title"].astext, node.c.value["body"].astext)
    matching_node = (
        select(func.ts_headline(CONFIG, node_text, query, SNIPPET_HEADLINE))
        .select_from(node)
        .where(
            func.lower(node_text).op("LIKE", is_comparison=True)(all_(patterns)),
            func.to_tsvector(CONFIG, node_text).op("@@", is_comparison=True)(query),
        )
        .limit(1)
        .scalar_subquery()
    )
    snippet = func.coalesce(
        case(
            (description_matches, None),
            (TreeVersion.search_nodes.op("@@", is_comparison=True)(query), matching_node),
            else_=None,
        ),
        func.ts_headline(CONFIG, Tree.description, query, SNIPPET_HEADLINE),
    )
    tag_names = func.array(
        select(Tag.name)
        .join(TreeTag, TreeTag.tag_id == Tag.id)
        .where(TreeTag.tree_id == Tree.id)
        .order_by(func.lower(Tag.name))
        .scalar_subquery()
    )
    return scoped(
        select(
            *TREE_COLUMNS,
            Category.id.label("category_id"),
            Category.name.label("category_name"),
            TreeVersion.id.label("version_id"),
            TreeVersion.number.label("version_number"),
            TreeVersion.published_at.label("version_published_at"),
            tag_names.label("tags"),
            hits.c.tier,
            hits.c.score,
            hits.c.usage,
            func.ts_headline(CONFIG, Tree.title, query, TITLE_HEADLINE).label("title_highlight"),
            snippet.label("snippet"),
        )
        .join(hits, hits.c.id == Tree.id)
        .outerjoin(Category, Category.id == Tree.category_id)
        .outerjoin(TreeVersion, TreeVersion.id == Tree.current_version_id),
        Tree,
        account_id,
    ).order_by(hits.c.tier, hits.c.score.desc(), hits.c.usage.desc(), hits.c.id.desc())


TREE_COLUMNS = (
    Tree.id,
    Tree.title,
    Tree.description,
    Tree.status,
    Tree.usage_count,
    Tree.draft_revision,
    Tree.created_by,
    Tree.created_at,
    Tree.updated_at,
)


def search_params(
    account_id: uuid.UUID,
    q: str,
    *,
    after: SearchCursor | None,
    limit: int,
    filters: SearchFilters | None = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {"account_id": account_id, "q": q, "need": limit}
    if filters is not None:
        if filters.status is not None:
            params["status"] = filters.status.value
        if filters.category_id is not None:
            params["category_id"] = filters.category_id
        params.update({f"tag_{i}": tag.lower() for i, tag in enumerate(filters.tags)})
    if after is not None:
        params.update(after_score=after[1], after_usage=after[2], after_id=after[3])
    return params


async def search_trees(
    db: AsyncSession,
    account_id: uuid.UUID,
    q: str,
    *,
    published_only: bool,
    after: SearchCursor | None,
    limit: int,
    filters: SearchFilters | None = None,
) -> Sequence[Row[*tuple[Any, ...]]]:
    filters = filters or SearchFilters()
    params = search_params(account_id, q, after=after, limit=limit, filters=filters)
    await db.execute(SEARCH_SETTINGS)
    probe = (await db.execute(search_probe(published_only, filters.shape), params)).one()
    common = probe.matches > NODE_SCAN_CAP
    stmt = search_statement(published_only, after[0] if after else None, common, filters.shape)
    rows: Sequence[Row[*tuple[Any, ...]]] = (await db.execute(stmt, params)).all()
    return rows
