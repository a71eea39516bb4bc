"""Analytics of trees and their published versions, from the rollups and the step log (see
repository). Counting happens in PostgreSQL; this module names the nodes and options from the
versions' graphs and turns counts into rates and percentiles."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts import repository as accounts_repository
from troubletree.accounts.caller import Caller
from troubletree.insights import bins, repository
from troubletree.insights.exceptions import (
    InsightTechnicianNotFound,
    InsightVersionNotFound,
    InvalidDateRange,
)
from troubletree.insights.repository import Scope, SessionGroup
from troubletree.insights.schemas import (
    AccountInsights,
    Counted,
    InsightOutcome,
    NodeInsight,
    OptionInsight,
    PathInsight,
    SessionTotals,
    TechnicianOption,
    TimeSummary,
    TreeInsights,
    TreeRank,
    TrendPoint,
    VersionOption,
)
from troubletree.sessions.models import AbandonReason, Outcome
from troubletree.sessions.versions import Graphs
from troubletree.trees.graph import TERMINAL_KINDS, Graph, Node
from troubletree.trees.models import Tree
from troubletree.trees.repository import trees as tree_queries

TOP_PATHS = 10
TOP_TREES = 10
MAX_VERSIONS = 1000


@dataclass(frozen=True)
class InsightFilter:
    version_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    technician_id: uuid.UUID | None = None
    outcome: InsightOutcome | None = None


def _check_range(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidDateRange(
            f"The range ends ({date_to}) before it starts ({date_from}).", field="date_to"
        )


def _rate(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _summary(hist: list[int], total: float, count: int) -> TimeSummary:
    s = bins.summarise(hist, total, count)
    return TimeSummary(
        count=s.count, mean_seconds=s.mean, median_seconds=s.median, p90_seconds=s.p90
    )


async def _scope(
    db: AsyncSession, caller: Caller, tree: Tree, f: InsightFilter, *, raw: bool = False
) -> Scope:
    _check_range(f.date_from, f.date_to)
    if f.version_id is not None:
        version = await tree_queries.get_account_version(db, caller.account_id, f.version_id)
        if version is None or version.tree_id != tree.id:
            raise InsightVersionNotFound(field="version_id")
    if (
        f.technician_id is not None
        and await accounts_repository.get_member(db, caller.account_id, f.technician_id) is None
    ):
        raise InsightTechnicianNotFound(field="technician_id")
    return Scope(
        account_id=caller.account_id,
        tree_id=tree.id,
        version_id=f.version_id,
        date_from=f.date_from,
        date_to=f.date_to,
        technician_id=f.technician_id,
        state=f.outcome.value if f.outcome else None,
        raw=raw,
    )


def _sessions_part(
    groups: list[SessionGroup],
) -> tuple[SessionTotals, list[Counted], list[Counted], list[Counted], TimeSummary]:
    by_state: dict[str, int] = defaultdict(int)
    by_label: dict[str, int] = defaultdict(int)
    by_reason: dict[str, int] = defaultdict(int)
    hist = [0] * bins.BINS
    duration_sum, duration_count = 0.0, 0
    for g in groups:
        by_state[g.state] += g.sessions
        if g.outcome_label:
            by_label[g.outcome_label] += g.sessions
        if g.abandon_reason:
            by_reason[g.abandon_reason] += g.sessions
        bins.add(hist, g.duration_hist)
        duration_sum += g.duration_sum
        duration_count += g.duration_count
    started = sum(by_state.values())
    completed = sum(by_state[o.value] for o in Outcome)
    totals = SessionTotals(
        started=started,
        completed=completed,
        abandoned=by_state["abandoned"],
        in_progress=by_state["in_progress"],
    )
    outcomes = [
        Counted(key=o.value, count=by_state[o.value], rate=_rate(by_state[o.value], started))
        for o in Outcome
    ]
    labels = [
        Counted(key=label, count=n, rate=_rate(n, started))
        for label, n in sorted(by_label.items(), key=lambda item: (-item[1], item[0]))
    ]
    reasons = [
        Counted(key=r.value, count=by_reason[r.value], rate=_rate(by_reason[r.value], started))
        for r in AbandonReason
    ]
    return totals, outcomes, labels, reasons, _summary(hist, duration_sum, duration_count)


def _catalogue(graphs: list[Graph]) -> dict[str, Node]:
    """Every node of the graphs by id, the first graph (the newest) naming it."""
    nodes: dict[str, Node] = {}
    for graph in graphs:
        for node in graph.nodes:
            nodes.setdefault(node.id, node)
    return nodes


async def tree_insights(
    db: AsyncSession, caller: Caller, tree: Tree, f: InsightFilter, *, raw: bool = False
) -> TreeInsights:
    scope = await _scope(db, caller, tree, f, raw=raw)
    groups = await repository.session_groups(db, scope)
    totals, outcomes, labels, reasons, duration = _sessions_part(groups)
    node_rows = await repository.node_rows(db, scope)
    choices = await repository.choice_counts(db, scope)
    paths = await repository.top_paths(db, scope, TOP_PATHS)
    trend_rows = await repository.trend(db, scope)

    versions = await tree_queries.list_versions(db, tree.id, before=None, limit=MAX_VERSIONS)
    graphs = Graphs(db, caller.account_id)
    ran = {g.version_id for g in groups}
    shown = [v for v in versions if v.id == f.version_id or (f.version_id is None and v.id in ran)]
    catalogue = _catalogue([await graphs.get(v.id) for v in shown])  # newest first
    return TreeInsights(
        tree_id=tree.id,
        title=tree.title,
        version_id=f.version_id,
        date_from=f.date_from,
        date_to=f.date_to,
        technician_id=f.technician_id,
        outcome=f.outcome,
        totals=totals,
        outcomes=outcomes,
        outcome_labels=labels,
        abandoned_by_reason=reasons,
        duration=duration,
        nodes=_nodes(catalogue, node_rows, choices, graph_order=f.version_id is not None),
        paths=[
            PathInsight(
                node_ids=path,
                titles=[catalogue[n].title if n in catalogue else n for n in path],
                sessions=n,
            )
            for path, n in paths
        ],
        trend=_trend(trend_rows),
        versions=[
            VersionOption(
                version_id=v.id,
                number=v.number,
                published_at=v.published_at,
                is_live=v.id == tree.current_version_id,
            )
            for v in versions
        ],
    )


def _nodes(
    catalogue: dict[str, Node],
    rows: list[repository.NodeRow],
    choices: list[tuple[str, str, int]],
    *,
    graph_order: bool,
) -> list[NodeInsight]:
    by_node = {r.node_id: r for r in rows}
    chosen: dict[tuple[str, str], int] = {(n, o): c for n, o, c in choices}
    ids = list(catalogue) + [n for n in by_node if n not in catalogue]
    if not graph_order:  # several versions: the most visited first
        ids.sort(key=lambda n: -(by_node[n].visits if n in by_node else 0))
    result = []
    for node_id in ids:
        node = catalogue.get(node_id)
        row = by_node.get(node_id) or repository.NodeRow(node_id, 0, 0, 0, 0, 0, 0.0, [])
        hist = [0] * bins.BINS
        bins.add(hist, row.time_hist)
        terminal = node is not None and node.kind in TERMINAL_KINDS
        drop_offs = row.abandons + (0 if terminal else row.exits - row.abandons)
        options = [
            OptionInsight(option_id=o.id, label=o.label, count=chosen.get((node_id, o.id), 0))
            for o in (node.options if node else [])
        ]
        known = {o.option_id for o in options}
        options += [
            OptionInsight(option_id=o, label=o, count=c)
            for (n, o), c in sorted(chosen.items())
            if n == node_id and o not in known
        ]
        result.append(
            NodeInsight(
                node_id=node_id,
                title=node.title if node else node_id,
                kind=node.kind if node else "unknown",
                visits=row.visits,
                sessions=row.sessions,
                exits=row.exits,
                abandoned=row.abandons,
                drop_offs=drop_offs,
                drop_off_rate=_rate(drop_offs, row.sessions),
                time=_summary(hist, row.time_sum, row.time_count),
                options=options,
            )
        )
    return result


def _trend(rows: list[tuple[date, str, int]]) -> list[TrendPoint]:
    days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, state, n in rows:
        days[day][state] += n
    return [
        TrendPoint(
            day=day,
            started=sum(counts.values()),
            **{s.value: counts[s.value] for s in InsightOutcome},
        )
        for day, counts in sorted(days.items())
    ]


async def technicians(db: AsyncSession, caller: Caller, tree: Tree) -> list[TechnicianOption]:
    rows = await repository.technicians(db, Scope(account_id=caller.account_id, tree_id=tree.id))
    return [TechnicianOption(technician_id=i, full_name=name, sessions=n) for i, name, n in rows]


async def account_insights(
    db: AsyncSession, caller: Caller, date_from: date | None, date_to: date | None
) -> AccountInsights:
    """Trees ranked by use, by escalation rate and by drop-off (abandoned) rate."""
    _check_range(date_from, date_to)
    scope = Scope(account_id=caller.account_id, date_from=date_from, date_to=date_to)
    totals = await repository.tree_totals(db, scope)
    titles = await repository.tree_titles(db, caller.account_id, [t.tree_id for t in totals])
    ranks = [
        TreeRank(
            tree_id=t.tree_id,
            title=titles[t.tree_id],
            sessions=t.sessions,
            escalated=t.escalated,
            escalation_rate=_rate(t.escalated, t.sessions),
            abandoned=t.abandoned,
            drop_off_rate=_rate(t.abandoned, t.sessions),
        )
        for t in totals
        if t.tree_id in titles and t.sessions > 0
    ]
    ranks.sort(key=lambda r: r.title)
    return AccountInsights(
        date_from=date_from,
        date_to=date_to,
        by_use=sorted(ranks, key=lambda r: -r.sessions)[:TOP_TREES],
        by_escalation=sorted(ranks, key=lambda r: (-r.escalation_rate, -r.sessions))[:TOP_TREES],
        by_drop_off=sorted(ranks, key=lambda r: (-r.drop_off_rate, -r.sessions))[:TOP_TREES],
    )
