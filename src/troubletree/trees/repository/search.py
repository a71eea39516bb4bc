"""Search: the search vectors kept on each tree, and the tiered search statement."""

from __future__ import annotations

import functools
import re
import uuid
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Row,
    Select,
    String,
    Text,
    all_,
    and_,
    any_,
    bindparam,
    case,
    column,
    delete,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from troubletree.core.hot import HotRow, HotStatement
from troubletree.core.queries import escape_like_sql, scoped
from troubletree.trees.models import (
    Category,
    EmptySearch,
    SearchWord,
    Tag,
    Tree,
    TreeStatus,
    TreeTag,
    TreeVersion,
)
from troubletree.trees.repository.tags import carrying_tag
from troubletree.trees.repository.trees import CONFIG, is_live, spellings_sql

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

# Words whose number of trees changed: (word, change), in word order.
WordChanges = list[tuple[str, int]]
EMPTY_WORDS: ColumnElement[Any] = literal_column("'{}'::text[]")


def _weighted(text_value: Any, weight: str) -> ColumnElement[Any]:
    return func.setweight(func.to_tsvector(CONFIG, text_value), literal_column(f"'{weight}'"))


async def refresh_search(
    db: AsyncSession, account_id: uuid.UUID, tree_ids: Sequence[uuid.UUID]
) -> WordChanges:
    """Recomputes the search data of these live trees: `search_head` from title (A) and tags
    (B); `search_vector` from those plus category and description (C) and the node text of
    the current version (D); `search_spellings` from all of it. Returns how the trees'
    spellings changed, for `count_words` (which the caller runs as its transaction's last
    write)."""
    if not tree_ids:
        return []
    tag_text = (
        select(func.string_agg(Tag.name, literal_column("' '")))
        .join(TreeTag, TreeTag.tag_id == Tag.id)
        .where(TreeTag.tree_id == Tree.id)
        .correlate(Tree)
        .scalar_subquery()
    )
    category_name = (
        select(Category.name)
        .where(Category.id == Tree.category_id)
        .correlate(Tree)
        .scalar_subquery()
    )
    version = aliased(TreeVersion)
    nodes = select(version.search_nodes).where(version.id == Tree.current_version_id)
    node_words = (
        select(version.search_spellings)
        .where(version.id == Tree.current_version_id)
        .correlate(Tree)
    )
    head = _weighted(Tree.title, "A").op("||")(_weighted(func.coalesce(tag_text, ""), "B"))
    rest = _weighted(func.concat_ws(" ", category_name, Tree.description), "C").op("||")(
        func.coalesce(nodes.scalar_subquery(), literal_column("''::tsvector"))
    )
    own_words = spellings_sql(
        func.concat_ws(" ", Tree.title, tag_text, category_name, Tree.description)
    )
    word = (
        func.unnest(own_words.op("||")(func.coalesce(node_words.scalar_subquery(), EMPTY_WORDS)))
        .table_valued(column("w", Text))
        .render_derived(name="w")
    )
    spellings = func.array(select(word.c.w).distinct().order_by(word.c.w).scalar_subquery())
    return await _changing_words(
        db,
        account_id,
        tree_ids,
        {"search_head": head, "search_vector": head.op("||")(rest), "search_spellings": spellings},
        live_only=True,
    )


async def forget_words(db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID) -> WordChanges:
    """A (deleted) tree's words leave the vocabulary: its spellings are emptied; the
    changes for `count_words`."""
    return await _changing_words(
        db, account_id, [tree_id], {"search_spellings": EMPTY_WORDS}, live_only=False
    )


async def _changing_words(
    db: AsyncSession,
    account_id: uuid.UUID,
    tree_ids: Sequence[uuid.UUID],
    values: dict[str, Any],
    *,
    live_only: bool,
) -> WordChanges:
    """One statement: locks the trees (id order), writes `values`, and sums how their
    spellings changed (old ones -1, new ones +1, per word)."""
    old = scoped(select(Tree.id, Tree.search_spellings), Tree, account_id).where(
        Tree.id.in_(sorted(set(tree_ids)))
    )
    if live_only:
        old = old.where(is_live())
    before = old.order_by(Tree.id).with_for_update(of=Tree).cte("before")
    changed = (
        scoped(update(Tree), Tree, account_id)
        .where(Tree.id == before.c.id)
        .values(**values)
        .returning(before.c.search_spellings.label("old"), Tree.search_spellings.label("new"))
        .cte("changed")
    )
    words = union_all(
        select(func.unnest(changed.c.new).label("word"), literal(1).label("change")),
        select(func.unnest(changed.c.old).label("word"), literal(-1).label("change")),
    ).subquery()
    total = func.sum(words.c.change)
    stmt = (
        select(words.c.word, total).group_by(words.c.word).having(total != 0).order_by(words.c.word)
    )
    return [(w, int(n)) for w, n in (await db.execute(stmt)).all()]


async def count_words(db: AsyncSession, account_id: uuid.UUID, changes: WordChanges) -> None:
    """Adds the changes to the account's vocabulary; words no tree holds any more go.

    Run it as the transaction's last write: its row locks are then the last ones taken, in
    word order (the insert reads the words sorted), so two transactions changing the same
    words (or a tag and a word) never wait on each other in a circle."""
    if not changes:
        return
    changes = sorted(changes)
    given = (
        func.unnest(
            bindparam("words", [w for w, _ in changes], type_=ARRAY(Text)),
            bindparam("letters", [letters_key(w) for w, _ in changes], type_=ARRAY(Text)),
            bindparam("changes", [n for _, n in changes], type_=ARRAY(Integer)),
        )
        .table_valued(
            column("word", Text),
            column("letters", Text),
            column("change", Integer),
            with_ordinality="n",
        )
        .render_derived(name="given")
    )
    account = bindparam("account_id", account_id, type_=SearchWord.account_id.type)
    insert = pg_insert(SearchWord).from_select(
        ["account_id", "word", "letters", "is_stop", "tree_count"],
        select(
            account, given.c.word, given.c.letters, _is_stop(given.c.word), given.c.change
        ).order_by(given.c.n),
    )
    await db.execute(
        insert.on_conflict_do_update(
            index_elements=[SearchWord.account_id, SearchWord.word],
            set_={"tree_count": SearchWord.tree_count + insert.excluded.tree_count},
        )
    )
    lost = [w for w, n in changes if n < 0]
    if lost:
        await db.execute(
            scoped(delete(SearchWord), SearchWord, account_id)
            .where(
                SearchWord.word == any_(bindparam("lost", lost, type_=ARRAY(Text))),
                SearchWord.tree_count <= 0,
            )
            .execution_options(synchronize_session=False)
        )


# --------------------------------------------------------------------------- typing errors

# Query words looked at (the rest are matched exactly, never corrected).
MAX_QUERY_WORDS = 8
# Vocabulary words fetched per query word (the most similar by trigrams), and the loose
# Levenshtein bound they must meet in SQL (a swap counts two there); the exact check, with
# swaps as one edit, runs on these few in Python.
CANDIDATES_PER_WORD = 40
LEVENSHTEIN_CAP = 4
# How much longer or shorter than the query word a candidate may be: two letters within the
# budget, three for a suggestion.
LENGTH_REACH = 3
# Trigram similarity a vocabulary word needs to be a candidate: low, because one change in a
# short word spoils most of its trigrams ("wfii" and "wifi" share one of nine).
CANDIDATE_SIMILARITY = 0.1
# The same for the sorted letters: a missing or changed letter keeps about half of them.
LETTERS_SIMILARITY = 0.3
QUERY_WORD = re.compile(r"[^\W_]+")
# Words corrected: letters only; three of them may be a four-letter word with one missing.
CORRECTABLE = re.compile(r"[^\W\d_]{3,30}")


def edit_budget(length: int) -> int:
    """Typing errors forgiven in a word of this many letters: none up to 3, one up to 6, two
    beyond."""
    return 0 if length < 4 else 1 if length <= 6 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance: the fewest letters missing, extra or changed, or pairs of
    neighbours swapped, that turn `a` into `b` (a swap may be next to another edit:
    "payment" -> "paymte" is two). `limit + 1` when it is more than `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    far = len(a) + len(b)
    d = [[far] * (len(b) + 2)] + [[far] + [0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i + 1][1] = i
    for j in range(len(b) + 1):
        d[1][j + 1] = j
    last_row: dict[str, int] = {}
    for i in range(1, len(a) + 1):
        last_col = 0
        for j in range(1, len(b) + 1):
            i1, j1 = last_row.get(b[j - 1], 0), last_col
            cost = 1
            if a[i - 1] == b[j - 1]:
                cost, last_col = 0, j
            d[i + 1][j + 1] = min(
                d[i][j] + cost,
                d[i + 1][j] + 1,
                d[i][j + 1] + 1,
                d[i1][j1] + (i - i1 - 1) + 1 + (j - j1 - 1),
            )
        last_row[a[i - 1]] = i
    return min(d[len(a) + 1][len(b) + 1], limit + 1)


def letters_key(word: str) -> str:
    """The word's letters in code point order: the same for a word and its spellings with
    letters swapped, which share few trigrams ("uqiclky", "quickly")."""
    return "".join(sorted(word))


@dataclass(frozen=True)
class QueryWord:
    text: str  # as typed, lower-cased
    spellings: tuple[str, ...]  # the text, then the vocabulary's words within its budget
    suggestion: str | None = None  # the nearest vocabulary word, for "did you mean"
    # One of its spellings is a stop word, which the text search does not index: the word
    # may be that one, so it narrows nothing ("hwen" may be "when").
    is_stop: bool = False


@dataclass(frozen=True)
class ExpandedQuery:
    """A query as the typo tiers take it: each word ORs its spellings, the words AND."""

    words: tuple[QueryWord, ...] = ()

    @property
    def has_typos(self) -> bool:
        """Whether some word has other spellings (else the typo tiers have nothing to add)."""
        return any(len(w.spellings) > 1 for w in self.words) and bool(self._narrowing)

    @property
    def _narrowing(self) -> list[QueryWord]:
        return [w for w in self.words if not w.is_stop]

    @property
    def tsquery(self) -> str:
        """For `to_tsquery`: each spelling quoted (they are letters and digits only), so
        the configuration stems them as it stems the trees' text."""
        return " & ".join(
            "(" + " | ".join(f"'{s}'" for s in w.spellings) + ")" for w in self._narrowing
        )

    @property
    def corrected(self) -> str:
        """The query with each word's nearest spelling: what a title hit is compared with."""
        return " ".join(w.spellings[1] if len(w.spellings) > 1 else w.text for w in self.words)

    @property
    def patterns(self) -> list[str]:
        """Regular expressions every matching node text holds (the snippet's cheap
        pre-test): per word, the first three letters of any of its spellings."""
        return [
            "(" + "|".join(sorted({s[:3] for s in w.spellings})) + ")"
            for w in self._narrowing
            if min(len(s) for s in w.spellings) >= 3
        ] or [""]

    @property
    def did_you_mean(self) -> str | None:
        """The query with each word the vocabulary does not hold replaced by its nearest
        word there (None when no word changes)."""
        if not any(w.suggestion for w in self.words):
            return None
        return " ".join(w.suggestion or w.text for w in self.words)


def query_words(q: str) -> list[str]:
    """The words of a query the typo tiers match (letters and digits, lower-cased), or none
    when the query uses websearch syntax (quotes, `-word`, `or`), which only the exact tiers
    honour."""
    if '"' in q or re.search(r"(^|\s)-\w", q) or re.search(r"(?i)(^|\s)or(\s|$)", q):
        return []
    return [w.lower() for w in QUERY_WORD.findall(q)][:MAX_QUERY_WORDS]


def _is_stop(word: Any) -> ColumnElement[bool]:
    """The configuration indexes nothing of this word."""
    return func.numnode(func.plainto_tsquery(CONFIG, word)) == 0


@functools.cache
def candidates_statement() -> Select[*tuple[Any, ...]]:
    """Per query word (`words` with their `letters_key`s, position `n`): whether it is a
    stop word, and the account's vocabulary words most similar to it by trigrams of the word
    (`pg_trgm.similarity_threshold`) or of its sorted letters (stricter:
    `pg_trgm.strict_word_similarity_threshold`, sorted letters of unrelated words share many
    trigrams), both from SEARCH_SETTINGS and the `ix_search_vocabulary_account_id_*_trgm`
    indexes, within LEVENSHTEIN_CAP (their Levenshtein distance, a swap counting two)."""
    unnested = (
        func.unnest(bindparam("words", type_=ARRAY(Text)), bindparam("letters", type_=ARRAY(Text)))
        .table_valued(column("word", Text), column("letters", Text), with_ordinality="n")
        .render_derived(name="typed")
    )
    given = select(
        unnested.c.n,
        unnested.c.word,
        unnested.c.letters,
        _is_stop(unnested.c.word).label("typed_is_stop"),
    ).subquery("q")
    account_id = bindparam("account_id", type_=SearchWord.account_id.type)
    typed = given.c.word
    distance = func.levenshtein_less_equal(SearchWord.word, typed, LEVENSHTEIN_CAP)
    similar = func.greatest(
        func.similarity(SearchWord.word, typed),
        func.similarity(SearchWord.letters, given.c.letters),
    )
    near = (
        scoped(
            select(
                SearchWord.word,
                SearchWord.tree_count,
                distance.label("distance"),
                SearchWord.is_stop,
            ),
            SearchWord,
            account_id,
        )
        .where(
            or_(
                SearchWord.word.op("%", is_comparison=True)(typed),
                SearchWord.letters.op("%>>", is_comparison=True)(given.c.letters),
            ),
            func.length(SearchWord.word).between(
                func.length(typed) - LENGTH_REACH, func.length(typed) + LENGTH_REACH
            ),
            distance <= LEVENSHTEIN_CAP,
        )
        .order_by(similar.desc(), SearchWord.tree_count.desc())
        .limit(CANDIDATES_PER_WORD)
        .lateral("near")
    )
    return (
        select(
            given.c.n,
            given.c.typed_is_stop,
            near.c.word,
            near.c.tree_count,
            near.c.distance,
            near.c.is_stop,
        )
        .select_from(given)
        .outerjoin(near, literal(True))
    )


def expand(words: Sequence[str], candidates: Sequence[Row[*tuple[Any, ...]]]) -> ExpandedQuery:
    """Each query word with the vocabulary's words within its edit budget: one edit in words
    of 4-6 letters, two in longer ones (the longer of the two spellings counts, so a missing
    letter does not shrink the budget). A word the vocabulary holds as typed stands only for
    the words more trees hold (a typo some tree carries, "rotuer", still finds "router";
    "router" does not find "rotuer"). `suggestion`, for a word the vocabulary lacks: its
    nearest word within the budget plus one, the most used of equals."""
    near: dict[int, list[Row[*tuple[Any, ...]]]] = {}
    typed_stop: dict[int, bool] = {}
    for row in candidates:
        typed_stop[int(row.n) - 1] = bool(row.typed_is_stop)
        if row.word is not None:
            near.setdefault(int(row.n) - 1, []).append(row)
    out = []
    for i, typed in enumerate(words):
        found = near.get(i, [])
        if not CORRECTABLE.fullmatch(typed):
            out.append(QueryWord(typed, (typed,), is_stop=typed_stop.get(i, False)))
            continue
        held = max((r.tree_count for r in found if r.word == typed), default=0)
        scored = []
        for r in found:
            if r.tree_count <= held:
                continue
            budget = edit_budget(max(len(r.word), len(typed)))
            # Levenshtein is never below Damerau-Levenshtein: within it, within both.
            distance = (
                r.distance if r.distance <= budget else edit_distance(typed, r.word, budget + 1)
            )
            if distance <= budget + 1:
                scored.append((distance, -r.tree_count, r.word, budget, bool(r.is_stop)))
        scored.sort()
        within = [(word, stop) for distance, _, word, budget, stop in scored if distance <= budget]
        suggestion = scored[0][2] if scored and not held and len(typed) >= 4 else None
        out.append(
            QueryWord(
                typed,
                (typed, *(word for word, _ in within)),
                suggestion,
                is_stop=typed_stop.get(i, False) or any(stop for _, stop in within),
            )
        )
    return ExpandedQuery(tuple(out))


# --------------------------------------------------------------------------- search


# Run first in a search's transaction (SET LOCAL: gone at commit):
# - the trigram thresholds (typo-tolerant titles; vocabulary candidates);
# - custom plans only: how many rows a word matches decides the plan, and a generic plan,
#   blind to the query, would be wrong by a factor of ten or more for some queries;
# - for the probe that follows, bitmap scans only: the planner does not count decompressing
#   a toasted search vector per row, and would test rows one by one where the GIN index
#   answers without touching the vectors. The probe turns index scans back on.
SEARCH_SETTINGS = select(
    func.set_config("pg_trgm.word_similarity_threshold", str(WORD_SIMILARITY_THRESHOLD), True),
    func.set_config("pg_trgm.similarity_threshold", str(CANDIDATE_SIMILARITY), True),
    func.set_config("pg_trgm.strict_word_similarity_threshold", str(LETTERS_SIMILARITY), True),
    func.set_config("plan_cache_mode", "force_custom_plan", True),
    func.set_config("enable_seqscan", "off", True),
    func.set_config("enable_indexscan", "off", True),
)


# Matches of a common word collected before walking the usage index instead (see tier 1).
NODE_SCAN_CAP = 2000
# Search tiers, in the order results are listed: exact matches first (title and tags, then
# elsewhere), then the same with typing errors forgiven, then titles spelled like the query.
TIER_HEAD, TIER_NODES, TIER_TYPO_HEAD, TIER_TYPO_NODES, TIER_TITLE = 0, 1, 2, 3, 4
# What a match with typing errors shows as its score, against the same match spelled right.
TYPO_WEIGHT = 0.5
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

    @property
    def is_empty(self) -> bool:
        return self.shape == NO_FILTERS


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


def _matches(vector: Any, query: ColumnElement[Any]) -> ColumnElement[bool]:
    matches: ColumnElement[bool] = vector.op("@@", is_comparison=True)(query)
    return matches


@dataclass(frozen=True)
class _Queries:
    """The statement's queries: `exact` as typed (websearch syntax), `typos` each word ORing
    its spellings (`ExpandedQuery.tsquery`)."""

    q: BindParameter[Any]
    exact: ColumnElement[Any]
    typos: ColumnElement[Any]

    def conditions(self, tier: int, exact_found: bool = True) -> list[ColumnElement[bool]]:
        """What a tree matches to be listed in this tier (and in no earlier one). Without
        `exact_found` (the exact tiers are empty) the typo tiers skip excluding exact
        matches, which would decompress every candidate's whole vector."""
        exact_head = _matches(Tree.search_head, self.exact)
        exact_text = _matches(Tree.search_vector, self.exact)
        typo_head = _matches(Tree.search_head, self.typos)
        typo_text = _matches(Tree.search_vector, self.typos)
        not_exact = [not_(exact_text)] if exact_found else []
        return {
            TIER_HEAD: [exact_head],
            TIER_NODES: [exact_text, not_(exact_head)],
            TIER_TYPO_HEAD: [typo_head, *not_exact],
            TIER_TYPO_NODES: [typo_text, not_(typo_head), *not_exact],
        }[tier]


def _queries() -> _Queries:
    q = bindparam("q", type_=String)
    typos = func.to_tsquery(CONFIG, bindparam("typos", type_=String))
    return _Queries(q, func.websearch_to_tsquery(CONFIG, q), typos)


# The text tiers a search has: exact only, or with the typo tiers.
TEXT_TIERS = (TIER_NODES,)
TEXT_TIERS_WITH_TYPOS = (TIER_NODES, TIER_TYPO_NODES)


def _probe_counts(
    published_only: bool, filters: SearchFilterShape, tiers: Sequence[int]
) -> list[Any]:
    """Per tier, how many trees it holds: the head tier counted up to a page (`need`), text
    tiers up to NODE_SCAN_CAP + 1, through the GIN indexes (planned under SEARCH_SETTINGS)."""
    queries = _queries()
    account_id = bindparam("account_id", type_=Tree.account_id.type)
    counts = []
    for tier in tiers:
        # The typo tier counted with exact matches in (an upper bound decides as well).
        matches = scoped(select(Tree.id), Tree, account_id).where(
            is_live(),
            *queries.conditions(tier, exact_found=False),
            *_search_filters(filters, account_id),
        )
        if published_only:
            matches = matches.where(Tree.status == TreeStatus.published)
        cap = bindparam("need", type_=Integer) if tier == TIER_HEAD else NODE_SCAN_CAP + 1
        capped = matches.limit(cap).subquery()
        counts.append(
            select(func.count()).select_from(capped).scalar_subquery().label(f"matches_{tier}")
        )
    return counts


INDEX_SCANS_ON = func.set_config("enable_indexscan", "on", True)
# Before a second probe (the typo tiers'), which must be planned as the first was.
INDEX_SCANS_OFF = select(func.set_config("enable_indexscan", "off", True))


@functools.lru_cache(maxsize=64)
def search_probe(
    published_only: bool, filters: SearchFilterShape = NO_FILTERS, candidates: bool = False
) -> Select[*tuple[Any, ...]]:
    """How many trees the exact tiers hold (tier 0 up to a page, tier 1 up to NODE_SCAN_CAP
    + 1), with, when `candidates`, the vocabulary's candidates for the query words (one row
    per candidate, each repeating the counts): one round trip. It turns index scans back on
    for the search itself."""
    counts = select(
        *_probe_counts(published_only, filters, (TIER_HEAD, TIER_NODES)),
        INDEX_SCANS_ON.label("index_scans"),
    )
    if not candidates:
        return counts
    found = counts.subquery("counts")
    near = candidates_statement().subquery("candidates")
    return select(found, near).select_from(found).outerjoin(near, literal(True))


@functools.lru_cache(maxsize=64)
def typo_probe(
    published_only: bool, filters: SearchFilterShape = NO_FILTERS
) -> Select[*tuple[Any, ...]]:
    """How many trees the typo text tier holds (run after INDEX_SCANS_OFF); it turns index
    scans back on."""
    return select(
        *_probe_counts(published_only, filters, (TIER_TYPO_NODES,)),
        INDEX_SCANS_ON.label("index_scans"),
    )


@functools.lru_cache(maxsize=512)
def search_statement(
    published_only: bool,
    after_tier: int | None,
    common: bool,
    filters: SearchFilterShape = NO_FILTERS,
    common_typos: bool | None = None,
    exact_found: bool = True,
) -> Select[*tuple[Any, ...]]:
    """The search: one statement that matches, ranks, pages and highlights (run after
    SEARCH_SETTINGS and `search_probe` in the same transaction, with `search_params`). Built
    once per shape (who searches, which tier a cursor points into, whether the probe found
    each text tier's words common, whether the query has typo spellings at all:
    `common_typos` None when not, whether the exact tiers hold anything) and cached: only
    parameters change. Benchmarks run exactly this.

    Results come in tiers, each from its own index, each ordered by (score, usage, id)
    descending, and each looked at only when the tiers above do not fill the page:

    0. full-text matches of the query as typed in the title or tags (`search_head`, GIN),
       ranked by weight (title A above tags B);
    1. matches that need the category, the description or the node text of the current
       version (`search_vector`, GIN), most used first: up to NODE_SCAN_CAP matches are
       collected and sorted; words with more matches (`common`, from the probe) walk the
       usage index instead, which fills a page after a few hundred rows at most;
    2. and 3. the same with each query word standing for its spellings in the account's
       vocabulary within its typing-error budget (`typos`); title and tag hits rank by
       that match and by how like the query's nearest spellings (`corrected`) the title
       reads;
    4. titles within trigram word-similarity of the query (`ix_trees_title_trgm`).

    Filters (status, category, tags) narrow every tier. Highlights, snippets and tags are
    computed for the page only; a text tier's hit shows its full-text rank as its score."""
    queries = _queries()
    q = queries.q
    typos = common_typos is not None
    account_id = bindparam("account_id", type_=Tree.account_id.type)
    need = bindparam("need", type_=Integer)
    narrowed = _search_filters(filters, account_id)

    def after(tier: int, score: Any, usage: Any, tree_id: Any) -> list[ColumnElement[bool]]:
        """Where a page that ended in `after_tier` goes on."""
        if after_tier is None or tier > after_tier:
            return []
        if tier < after_tier:
            return [false()]
        last = tuple_(
            bindparam("after_usage", type_=Integer), bindparam("after_id", type_=Tree.id.type)
        )
        after_score = bindparam("after_score", type_=Float)
        return [or_(score < after_score, and_(score == after_score, tuple_(usage, tree_id) < last))]

    def live(stmt: Select[*tuple[Any, ...]], *conditions: ColumnElement[bool]) -> Select[Any]:
        stmt = scoped(stmt, Tree, account_id).where(is_live(), *conditions, *narrowed)
        if published_only:
            stmt = stmt.where(Tree.status == TreeStatus.published)
        return stmt

    def arm(tier: int, score: ColumnElement[Any], *conditions: ColumnElement[bool]) -> Select[Any]:
        stmt = live(
            select(
                Tree.id,
                literal(tier).label("tier"),
                score.label("score"),
                Tree.usage_count.label("usage"),
            ),
            *conditions,
            *after(tier, score, Tree.usage_count, Tree.id),
        )
        return stmt.order_by(score.desc(), Tree.usage_count.desc(), Tree.id.desc()).limit(need)

    def text_tier(tier: int, walk: bool, guard: ColumnElement[bool]) -> Select[Any]:
        """Matches outside title and tags, most used first (see tier 1)."""
        if walk:
            return arm(tier, literal(0.0, Float), *queries.conditions(tier, exact_found), guard)
        collected = (
            live(
                select(Tree.id, Tree.usage_count.label("usage")),
                *queries.conditions(tier, exact_found),
                guard,
            )
            .limit(NODE_SCAN_CAP + 1)
            .subquery()
        )
        return (
            select(
                collected.c.id,
                literal(tier).label("tier"),
                literal(0.0, Float).label("score"),
                collected.c.usage,
            )
            .where(*after(tier, literal(0.0, Float), collected.c.usage, collected.c.id))
            .order_by(collected.c.usage.desc(), collected.c.id.desc())
            .limit(need)
        )

    def fewer_than_needed(*ctes: Any) -> ColumnElement[bool]:
        """True when these tiers together have less than a page (evaluated once)."""
        found = union_all(*(select(c.c.id) for c in ctes)).subquery()
        return (
            select(func.count())
            .select_from(select(found.c.id).limit(need).subquery())
            .scalar_subquery()
            < need
        )

    tiers = [
        arm(
            TIER_HEAD,
            func.ts_rank(Tree.search_head, queries.exact).cast(Float),
            *queries.conditions(TIER_HEAD),
        ).cte("head")
    ]
    tiers.append(text_tier(TIER_NODES, common, fewer_than_needed(*tiers)).cte("nodes"))
    title_likeness = func.similarity(Tree.title, bindparam("corrected", type_=String))
    if typos:
        tiers.append(
            arm(
                TIER_TYPO_HEAD,
                # Titles reading like the query's nearest spellings first (a full-text rank
                # of thousands of head matches against ORed spellings would cost ten times
                # as much; the page's hits show it, see shown_score).
                (title_likeness * TYPO_WEIGHT).cast(Float),
                *queries.conditions(TIER_TYPO_HEAD, exact_found),
                fewer_than_needed(*tiers),
            ).cte("typo_head")
        )
        tiers.append(
            text_tier(TIER_TYPO_NODES, bool(common_typos), fewer_than_needed(*tiers)).cte(
                "typo_nodes"
            )
        )
    other = aliased(Tree)
    text_matches = scoped(select(other.id), other, account_id).where(
        _matches(other.search_vector, queries.typos if typos else queries.exact)
    )
    tiers.append(
        arm(
            TIER_TITLE,
            (func.word_similarity(q, Tree.title) * SIMILARITY_WEIGHT).cast(Float),
            # Written the way the trigram index reads it (title %> q), so it is checked once.
            Tree.title.op("%>", is_comparison=True)(q),
            not_(_matches(Tree.search_head, queries.exact)),
            Tree.id.not_in(text_matches),
            fewer_than_needed(*tiers),
        ).cte("titles")
    )
    found = union_all(*(select(t) for t in tiers)).subquery()
    hits = (
        select(found)
        .order_by(found.c.tier, found.c.score.desc(), found.c.usage.desc(), found.c.id.desc())
        .limit(need)
        .subquery()
    )
    # What the page highlights: the query as typed for exact hits, its spellings for the
    # others.
    is_typo = hits.c.tier.between(TIER_TYPO_HEAD, TIER_TYPO_NODES) if typos else false()
    shown = case((is_typo, queries.typos), else_=queries.exact) if typos else queries.exact

    # The snippet: the description where it matches; else, when the version's node text
    # matches, the first matching node (nodes lacking a query word are skipped by a cheap
    # substring test before the exact check); else the start of the description.
    description_matches = _matches(func.to_tsvector(CONFIG, Tree.description), shown)
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
    holds_words: ColumnElement[bool] = func.lower(node_text).op("LIKE", is_comparison=True)(
        all_(patterns)
    )
    if typos:
        typo_patterns = bindparam("typo_patterns", type_=ARRAY(Text))
        holds_words = case(
            (is_typo, func.lower(node_text).op("~", is_comparison=True)(all_(typo_patterns))),
            else_=holds_words,
        )
    matching_node = (
        select(func.ts_headline(CONFIG, node_text, shown, SNIPPET_HEADLINE))
        .select_from(node)
        .where(holds_words, _matches(func.to_tsvector(CONFIG, node_text), shown))
        .limit(1)
        .scalar_subquery()
    )
    snippet = func.coalesce(
        case(
            (description_matches, None),
            (_matches(TreeVersion.search_nodes, shown), matching_node),
            else_=None,
        ),
        func.ts_headline(CONFIG, Tree.description, shown, SNIPPET_HEADLINE),
    )
    tag_names = func.array(
        select(Tag.name)
        .join(TreeTag, TreeTag.tag_id == Tag.id)
        .where(TreeTag.tree_id == Tree.id)
        .order_by(func.lower(Tag.name))
        .scalar_subquery()
    )
    text_rank = func.ts_rank(Tree.search_vector, queries.exact).cast(Float)
    shown_score = (
        case(
            (hits.c.tier == TIER_NODES, text_rank),
            (
                hits.c.tier == TIER_TYPO_HEAD,
                (
                    (func.ts_rank(Tree.search_head, queries.typos) + title_likeness) * TYPO_WEIGHT
                ).cast(Float),
            ),
            (
                hits.c.tier == TIER_TYPO_NODES,
                (func.ts_rank(Tree.search_vector, queries.typos) * TYPO_WEIGHT).cast(Float),
            ),
            else_=hits.c.score,
        )
        if typos
        else case((hits.c.tier == TIER_NODES, text_rank), else_=hits.c.score)
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
            shown_score.label("shown_score"),
            func.ts_headline(CONFIG, Tree.title, shown, TITLE_HEADLINE).label("title_highlight"),
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


def candidate_params(account_id: uuid.UUID, words: Sequence[str]) -> dict[str, Any]:
    """What `candidates_statement` takes."""
    return {
        "account_id": account_id,
        "words": list(words),
        "letters": [letters_key(w) for w in words],
    }


def typo_params(expanded: ExpandedQuery) -> dict[str, Any]:
    """What the typo probe and tiers take."""
    return {
        "typos": expanded.tsquery,
        "typo_patterns": expanded.patterns,
        "corrected": expanded.corrected,
    }


def needs_typos(
    expanded: ExpandedQuery, after: SearchCursor | None, counts: Mapping[str, Any], limit: int
) -> bool:
    """Whether the typo tiers can be reached: the query has other spellings, and the exact
    tiers do not fill the first page (a later page may always reach them)."""
    exact = counts[f"matches_{TIER_HEAD}"] + counts[f"matches_{TIER_NODES}"]
    return expanded.has_typos and (after is not None or exact < limit)


def statement_for(
    published_only: bool,
    after: SearchCursor | None,
    filters: SearchFilters,
    counts: Mapping[str, Any],
) -> Select[*tuple[Any, ...]]:
    """The cached search statement the probes' counts (their rows as mappings, merged) call
    for: with the typo tiers when the typo probe ran."""
    typo_count = counts.get(f"matches_{TIER_TYPO_NODES}")
    return search_statement(
        published_only,
        after[0] if after else None,
        counts[f"matches_{TIER_NODES}"] > NODE_SCAN_CAP,
        filters.shape,
        None if typo_count is None else typo_count > NODE_SCAN_CAP,
        counts[f"matches_{TIER_HEAD}"] + counts[f"matches_{TIER_NODES}"] > 0,
    )


async def search_trees(
    db: AsyncSession,
    account_id: uuid.UUID,
    q: str,
    *,
    published_only: bool,
    after: SearchCursor | None,
    limit: int,
    filters: SearchFilters | None = None,
) -> tuple[Sequence[HotRow], ExpandedQuery]:
    """The page of hits, and the query as it was expanded (for "did you mean"). Three round
    trips when the exact tiers fill the page: settings; exact counts with the vocabulary's
    candidates; the search. Two more when the typo tiers are needed (their probe)."""
    filters = filters or SearchFilters()
    await db.execute(SEARCH_SETTINGS)
    words = query_words(q)
    correctable = any(CORRECTABLE.fullmatch(w) for w in words)
    params = search_params(account_id, q, after=after, limit=limit, filters=filters)
    if correctable:
        params.update(candidate_params(account_id, words))
    # After SEARCH_SETTINGS, which began the transaction: the hot statements run in it, under
    # its SET LOCAL settings.
    rows = await _hot(search_probe(published_only, filters.shape, correctable)).fetch(db, **params)
    counts = dict(rows[0])
    expanded = expand(words, rows if correctable else [])
    if needs_typos(expanded, after, counts, limit):
        params.update(typo_params(expanded))
        await db.execute(INDEX_SCANS_OFF)
        typo_counts = await _hot(typo_probe(published_only, filters.shape)).fetchrow(db, **params)
        assert typo_counts is not None  # an aggregate: always one row
        counts.update(dict(typo_counts))
    stmt = statement_for(published_only, after, filters, counts)
    found = await _hot(stmt).fetch(db, **params)
    return found, expanded


# The hot form of each cached statement above (core/hot.py): the builders' caches hold the
# statements, this one their compiled text, as long as the statement lives.
_HOT: weakref.WeakKeyDictionary[Select[*tuple[Any, ...]], HotStatement] = (
    weakref.WeakKeyDictionary()
)


def _hot(stmt: Select[*tuple[Any, ...]]) -> HotStatement:
    found = _HOT.get(stmt)
    if found is None:
        found = _HOT[stmt] = HotStatement(stmt)
    return found


# --------------------------------------------------------------------------- empty searches

# A search that finds nothing replaces the same user's empty searches of this many seconds
# before that it extends (typing "printre" records one search, not "pri", "prin", ...).
TYPING_SECONDS = 30


async def record_empty_search(
    db: AsyncSession, account_id: uuid.UUID, user_id: uuid.UUID, query: str, now: datetime
) -> None:
    """Records a search that found nothing, in place of the same user's empty searches of
    the last TYPING_SECONDS that it starts with."""
    await db.execute(
        scoped(delete(EmptySearch), EmptySearch, account_id)
        .where(
            EmptySearch.user_id == user_id,
            EmptySearch.created_at > now - timedelta(seconds=TYPING_SECONDS),
            func.starts_with(func.lower(query), func.lower(EmptySearch.query)),
        )
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        pg_insert(EmptySearch).values(
            id=uuid.uuid4(), account_id=account_id, user_id=user_id, query=query, created_at=now
        )
    )


async def empty_searches(
    db: AsyncSession,
    account_id: uuid.UUID,
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """The account's searches that found nothing in [since, until), one row per query
    (case-blind, spaces trimmed): the query (its latest spelling), how often, when last;
    most frequent first, then most recent."""
    key = func.lower(func.btrim(EmptySearch.query))
    stmt = scoped(
        select(
            func.max(EmptySearch.query).label("query"),
            func.count().label("count"),
            func.max(EmptySearch.created_at).label("last_searched_at"),
        ),
        EmptySearch,
        account_id,
    )
    if since is not None:
        stmt = stmt.where(EmptySearch.created_at >= since)
    if until is not None:
        stmt = stmt.where(EmptySearch.created_at < until)
    stmt = (
        stmt.group_by(key)
        .order_by(func.count().desc(), func.max(EmptySearch.created_at).desc(), key)
        .limit(limit)
    )
    return (await db.execute(stmt)).all()
