"""Every query of insights. Each figure is one statement over one of two sources of the same
shape:

- the daily rollups (`insight_*_days`), which hold every answered session, once under its
  technician and once under everyone (`EVERYONE`): triggers add a running session's steps as
  they are written and trade its running figures for its final ones in the transaction that
  ends it;
- the step log itself, through the SQL functions `insight_*_of(ids)` (the very functions the
  triggers use), over every session in scope (`raw=True`): what the rollups save, measured by
  the bench, and checked equal by the tests.

So no figure is ever stale. All statements are scoped to the caller's account.

The statements are put together from fixed fragments of this module only; every value is a
bound parameter (hence S608 is off here)."""

# ruff: noqa: S608

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.insights.bins import BINS
from troubletree.insights.models import EVERYONE


@dataclass(frozen=True)
class Scope:
    """Which sessions a figure counts: of one tree (or, with `tree_id` None, of the whole
    account), optionally one version, a range of start days (inclusive, UTC), one technician,
    one state (an outcome, `abandoned` or `in_progress`)."""

    account_id: uuid.UUID
    tree_id: uuid.UUID | None = None
    version_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    technician_id: uuid.UUID | None = None
    state: str | None = None
    # Read every session from the step log, rollups unused (the bench's baseline).
    raw: bool = False

    @property
    def uses_rollups(self) -> bool:
        return not self.raw

    def params(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "tree_id": self.tree_id,
            "version_id": self.version_id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "technician_id": self.technician_id,
            "rollup_technician": self.technician_id or EVERYONE,
            "state": self.state,
        }


def _common(scope: Scope) -> list[str]:
    """Conditions on columns the rollups and the facts share."""
    conditions = ["account_id = :account_id"]
    if scope.tree_id is not None:
        conditions.append("tree_id = :tree_id")
    if scope.version_id is not None:
        conditions.append("version_id = :version_id")
    if scope.date_from is not None:
        conditions.append("day >= :date_from")
    if scope.date_to is not None:
        conditions.append("day <= :date_to")
    if scope.state is not None:
        conditions.append("state = :state")
    return conditions


def _rollup_where(scope: Scope) -> str:
    return " AND ".join([*_common(scope), "technician_id = :rollup_technician"])


def _facts_where(scope: Scope) -> str:
    conditions = _common(scope)
    if scope.technician_id is not None:
        conditions.append("technician_id = :technician_id")
    return " AND ".join(conditions)


def _live_ids(scope: Scope) -> str:
    """The sessions read from the step log, as an array expression."""
    conditions = ["account_id = :account_id", "answer_count > 0"]
    if scope.tree_id is not None:
        conditions.append("tree_id = :tree_id")
    if scope.version_id is not None:
        conditions.append("tree_version_id = :version_id")
    if scope.technician_id is not None:
        conditions.append("technician_id = :technician_id")
    return f"ARRAY(SELECT id FROM troubleshooting_sessions WHERE {' AND '.join(conditions)})"


def _hist_sums(column: str) -> str:
    return ", ".join(f"sum({column}[{i}])" for i in range(1, BINS + 1))


def _source(scope: Scope, rollup: str, live: str) -> str:
    """`rollup` (a SELECT ... FROM <rollup table>, without WHERE) or `live` (a SELECT over a
    facts function over `{ids}`, with `{where}` and any GROUP BY): which one the scope reads."""
    if scope.uses_rollups:
        return f"{rollup} WHERE {_rollup_where(scope)}"
    return live.format(ids=_live_ids(scope), where=_facts_where(scope))


async def _rows(db: AsyncSession, sql: str, scope: Scope) -> list[Any]:
    return list((await db.execute(text(sql), scope.params())).all())


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True, slots=True)
class SessionGroup:
    version_id: uuid.UUID
    state: str
    outcome_label: str
    abandon_reason: str
    sessions: int
    duration_count: int
    duration_sum: float
    duration_hist: list[int]


async def session_groups(db: AsyncSession, scope: Scope) -> list[SessionGroup]:
    """Sessions by version, state, outcome label and abandon reason, with their durations."""
    keys = "version_id, state, outcome_label, abandon_reason"
    union = _source(
        scope,
        f"SELECT {keys}, sessions, duration_count, duration_sum, duration_hist "
        "FROM insight_session_days",
        f"SELECT {keys}, count(*)::int AS sessions, count(duration)::int AS duration_count, "
        "coalesce(sum(duration), 0) AS duration_sum, insight_hist(array_agg("
        "insight_bin(duration)) FILTER (WHERE duration IS NOT NULL), 1) AS duration_hist "
        "FROM insight_sessions_of({ids}, false) WHERE {where} GROUP BY " + keys,
    )
    sql = (
        f"SELECT {keys}, sum(sessions), sum(duration_count), sum(duration_sum), "
        f"{_hist_sums('duration_hist')} FROM ({union}) AS u GROUP BY {keys} "
        "HAVING sum(sessions) <> 0"
    )
    return [
        SessionGroup(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), float(r[6]), list(r[7:]))
        for r in await _rows(db, sql, scope)
    ]


async def trend(db: AsyncSession, scope: Scope) -> list[tuple[date, str, int]]:
    """Sessions per start day and state. (A running session that ended leaves rows of zero in
    the rollups: they are left out here and in the other figures.)"""
    union = _source(
        scope,
        "SELECT day, state, sessions FROM insight_session_days",
        "SELECT day, state, count(*)::int AS sessions FROM insight_sessions_of({ids}, false) "
        "WHERE {where} "
        "GROUP BY day, state",
    )
    sql = (
        f"SELECT day, state, sum(sessions) FROM ({union}) AS u GROUP BY day, state "
        "HAVING sum(sessions) <> 0 ORDER BY 1, 2"
    )
    return [(r[0], r[1], int(r[2])) for r in await _rows(db, sql, scope)]


# --------------------------------------------------------------------------- nodes


@dataclass(frozen=True, slots=True)
class NodeRow:
    node_id: str
    visits: int
    sessions: int
    exits: int
    abandons: int
    time_count: int
    time_sum: float
    time_hist: list[int]


async def node_rows(db: AsyncSession, scope: Scope) -> list[NodeRow]:
    """Per node (by id, across the versions in scope): arrivals, sessions that reached it, that
    ended there, that were abandoned there, and the time spent there."""
    columns = "visits, sessions, exits, abandons, time_count, time_sum, time_hist"
    union = _source(
        scope,
        f"SELECT node_id, {columns} FROM insight_node_days",
        "SELECT node_id, count(*)::int AS visits, "
        "(count(*) FILTER (WHERE is_first))::int AS sessions, "
        "(count(*) FILTER (WHERE is_exit))::int AS exits, "
        "(count(*) FILTER (WHERE is_abandon))::int AS abandons, "
        "count(seconds)::int AS time_count, coalesce(sum(seconds), 0) AS time_sum, "
        "insight_hist(array_agg(insight_bin(seconds)) FILTER (WHERE seconds IS NOT NULL), 1) "
        "AS time_hist "
        "FROM insight_visits_of({ids}, false) WHERE {where} GROUP BY node_id",
    )
    sql = (
        "SELECT node_id, sum(visits), sum(sessions), sum(exits), sum(abandons), "
        f"sum(time_count), sum(time_sum), {_hist_sums('time_hist')} "
        f"FROM ({union}) AS u GROUP BY node_id"
    )
    return [
        NodeRow(
            r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), float(r[6]), list(r[7:])
        )
        for r in await _rows(db, sql, scope)
    ]


async def choice_counts(db: AsyncSession, scope: Scope) -> list[tuple[str, str, int]]:
    """How often each option of each node was chosen: (node, option, count)."""
    union = _source(
        scope,
        "SELECT node_id, option_id, choices FROM insight_choice_days",
        "SELECT node_id, option_id, count(*)::int AS choices FROM insight_choices_of({ids}, false) "
        "WHERE {where} GROUP BY node_id, option_id",
    )
    sql = (
        f"SELECT node_id, option_id, sum(choices) FROM ({union}) AS u "
        "GROUP BY node_id, option_id HAVING sum(choices) <> 0"
    )
    return [(r[0], r[1], int(r[2])) for r in await _rows(db, sql, scope)]


async def top_paths(db: AsyncSession, scope: Scope, limit: int) -> list[tuple[list[str], int]]:
    """The paths most ended sessions stood on at their last step, most taken first."""
    union = _source(
        scope,
        "SELECT path_key, path, sessions FROM insight_path_days",
        "SELECT md5(array_to_string(path, ' ')) AS path_key, path, count(*)::int AS sessions "
        "FROM insight_paths_of({ids}) WHERE {where} GROUP BY path",
    )
    sql = (
        f"SELECT min(path), sum(sessions) AS n FROM ({union}) AS u GROUP BY path_key "
        f"ORDER BY n DESC, min(path) LIMIT {int(limit)}"
    )
    return [(list(r[0]), int(r[1])) for r in await _rows(db, sql, scope)]


# --------------------------------------------------------------------------- account


@dataclass(frozen=True, slots=True)
class TreeTotals:
    tree_id: uuid.UUID
    sessions: int
    escalated: int
    abandoned: int


async def tree_totals(db: AsyncSession, scope: Scope) -> list[TreeTotals]:
    """Sessions, escalated and abandoned ones, per tree of the account."""
    union = _source(
        scope,
        "SELECT tree_id, state, sessions FROM insight_session_days",
        "SELECT tree_id, state, count(*)::int AS sessions FROM insight_sessions_of({ids}, false) "
        "WHERE {where} GROUP BY tree_id, state",
    )
    sql = (
        "SELECT tree_id, sum(sessions), coalesce(sum(sessions) FILTER "
        "(WHERE state = 'escalated'), 0), coalesce(sum(sessions) FILTER "
        f"(WHERE state = 'abandoned'), 0) FROM ({union}) AS u GROUP BY tree_id "
        "HAVING sum(sessions) <> 0"
    )
    return [TreeTotals(r[0], int(r[1]), int(r[2]), int(r[3])) for r in await _rows(db, sql, scope)]


async def technicians(db: AsyncSession, scope: Scope) -> list[tuple[uuid.UUID, str, int]]:
    """The technicians who ran the tree (answered sessions), with how many sessions."""
    sql = (
        "SELECT s.technician_id, u.full_name, count(*) FROM troubleshooting_sessions AS s "
        "JOIN users AS u ON u.id = s.technician_id "
        "WHERE s.account_id = :account_id AND s.tree_id = :tree_id AND s.answer_count > 0 "
        "GROUP BY s.technician_id, u.full_name ORDER BY u.full_name, s.technician_id"
    )
    return [(r[0], r[1], int(r[2])) for r in await _rows(db, sql, scope)]


async def tree_titles(
    db: AsyncSession, account_id: uuid.UUID, tree_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The titles of the account's live trees among `tree_ids`."""
    if not tree_ids:
        return {}
    sql = (
        "SELECT id, title FROM trees WHERE account_id = :account_id AND deleted_at IS NULL "
        "AND id = ANY(:ids)"
    )
    rows = await db.execute(text(sql), {"account_id": account_id, "ids": tree_ids})
    return {r[0]: r[1] for r in rows.all()}
