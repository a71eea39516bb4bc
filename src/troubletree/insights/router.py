"""Analytics: /api/v1/trees/{tree_id}/insights and /api/v1/insights/overview (authors only)."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter

from troubletree.accounts.dependencies import Author
from troubletree.core.db import DB
from troubletree.core.errors import error_responses
from troubletree.insights import service
from troubletree.insights.dependencies import InsightTree
from troubletree.insights.schemas import (
    AccountInsights,
    InsightOutcome,
    TechnicianOption,
    TreeInsights,
)

router = APIRouter(tags=["insights"])


@router.get("/trees/{tree_id}/insights", responses=error_responses(401, 403, 404, 422))
async def read_tree_insights(
    tree: InsightTree,
    caller: Author,
    db: DB,
    version_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    technician_id: uuid.UUID | None = None,
    outcome: InsightOutcome | None = None,
) -> TreeInsights:
    """How the tree's sessions went (of one published version with `version_id`): sessions
    answered at least once that started in [date_from, date_to] (UTC days, inclusive), of one
    technician, in one outcome. Another tree's version: 404 naming `version_id`; a range that
    ends before it starts: 422 naming `date_to`."""
    f = service.InsightFilter(version_id, date_from, date_to, technician_id, outcome)
    return await service.tree_insights(db, caller, tree, f)


@router.get("/trees/{tree_id}/insights/technicians", responses=error_responses(401, 403, 404))
async def list_insight_technicians(
    tree: InsightTree, caller: Author, db: DB
) -> list[TechnicianOption]:
    """The technicians who ran the tree (for the technician filter)."""
    return await service.technicians(db, caller, tree)


@router.get("/insights/overview", responses=error_responses(401, 403, 422))
async def read_account_insights(
    caller: Author, db: DB, date_from: date | None = None, date_to: date | None = None
) -> AccountInsights:
    """The account's trees ranked by use, by escalation rate and by drop-off (abandoned)
    rate, over sessions started in [date_from, date_to]."""
    return await service.account_insights(db, caller, date_from, date_to)
