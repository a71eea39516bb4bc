"""The analytics API contract."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field


class InsightOutcome(enum.StrEnum):
    """How a session stands: its outcome when completed, else abandoned or still running."""

    resolved = "resolved"
    escalated = "escalated"
    unresolved = "unresolved"
    abandoned = "abandoned"
    in_progress = "in_progress"


class TimeSummary(BaseModel):
    """Durations in seconds. Median and p90 are nearest-rank percentiles reported as the upper
    edge of their histogram bucket (exact for whole seconds up to 10 s and for values on an
    edge: 12, 14, ..., 30, 60, 120, ...; otherwise at most one bucket above); the mean is
    exact."""

    count: int = Field(description="Durations counted.")
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None


class Counted(BaseModel):
    key: str
    count: int
    rate: float = Field(description="count / sessions started (0 when none started).")


class SessionTotals(BaseModel):
    started: int = Field(description="Sessions answered at least once.")
    completed: int
    abandoned: int
    in_progress: int


class OptionInsight(BaseModel):
    option_id: str
    label: str
    count: int


class NodeInsight(BaseModel):
    node_id: str
    title: str
    kind: str
    visits: int = Field(description="Arrivals at the node (going back to it counts again).")
    sessions: int = Field(description="Sessions that reached the node.")
    exits: int = Field(description="Sessions that ended (completed or abandoned) here.")
    abandoned: int = Field(description="Sessions abandoned here.")
    drop_offs: int = Field(
        description="Sessions that stopped here short of an end: abandoned here, or completed "
        "here when it is not a solution or escalation."
    )
    drop_off_rate: float = Field(description="drop_offs / sessions (0 when none reached it).")
    time: TimeSummary
    options: list[OptionInsight]


class PathInsight(BaseModel):
    node_ids: list[str]
    titles: list[str]
    sessions: int


class TrendPoint(BaseModel):
    day: date
    started: int
    resolved: int
    escalated: int
    unresolved: int
    abandoned: int
    in_progress: int


class VersionOption(BaseModel):
    version_id: uuid.UUID
    number: int
    published_at: datetime
    is_live: bool


class TreeInsights(BaseModel):
    tree_id: uuid.UUID
    title: str
    version_id: uuid.UUID | None
    date_from: date | None
    date_to: date | None
    technician_id: uuid.UUID | None
    outcome: InsightOutcome | None
    totals: SessionTotals
    outcomes: list[Counted] = Field(description="resolved, escalated, unresolved.")
    outcome_labels: list[Counted] = Field(description="Most frequent first.")
    abandoned_by_reason: list[Counted]
    duration: TimeSummary = Field(description="Completed sessions, start to completion.")
    nodes: list[NodeInsight] = Field(
        description="The version's nodes in graph order (without a version: every node of the "
        "versions that ran, titled by the newest)."
    )
    paths: list[PathInsight] = Field(
        description="The 10 paths most taken: where sessions stood at their last step."
    )
    trend: list[TrendPoint] = Field(description="Sessions per start day (UTC).")
    versions: list[VersionOption] = Field(description="Every published version, newest first.")


class TechnicianOption(BaseModel):
    technician_id: uuid.UUID
    full_name: str
    sessions: int


class TreeRank(BaseModel):
    tree_id: uuid.UUID
    title: str
    sessions: int
    escalated: int
    escalation_rate: float
    abandoned: int
    drop_off_rate: float = Field(description="Abandoned sessions / sessions.")


class AccountInsights(BaseModel):
    date_from: date | None
    date_to: date | None
    by_use: list[TreeRank] = Field(description="Most sessions first (at most 10).")
    by_escalation: list[TreeRank] = Field(description="Highest escalation rate first.")
    by_drop_off: list[TreeRank] = Field(description="Highest drop-off rate first.")
