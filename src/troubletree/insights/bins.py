"""Time histograms: how durations are counted in the rollups and read back as percentiles.
Pure: no database.

A duration in seconds falls in the first bin whose upper edge it does not exceed (PostgreSQL:
`insight_bin`, the same edges). A percentile is the nearest-rank one (the k-th smallest value,
k = ceil(p * n)) reported as the upper edge of the bin that holds it: exact for whole seconds
up to 10 s and for values on an edge, otherwise at most one bin (about 20 %) above the true
value. Means are exact (the rollups keep the sum)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Upper edges in seconds (the last bin, past 7 days, has none). Changing them needs a migration
# that redefines `insight_bin` and rebuilds the rollups.
EDGES: tuple[int, ...] = (
    *range(1, 11),  # 1 .. 10 s
    12, 14, 16, 18, 20, 25, 30, 35, 40, 45, 50, 60,
    70, 80, 90, 105, 120, 150, 180, 210, 240, 300,
    360, 420, 480, 600, 720, 900, 1200, 1500, 1800, 2400,
    3000, 3600, 5400, 7200, 10800, 14400, 21600, 28800, 43200, 86400,
    172800, 604800,
)  # fmt: skip
BINS = len(EDGES) + 1  # the histogram's length (the overflow bin last)


def bin_of(seconds: float) -> int:
    """The bin a duration falls in (0-based), as `insight_bin` computes it."""
    for index, edge in enumerate(EDGES):
        if seconds <= edge:
            return index
    return len(EDGES)


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    mean: float | None
    median: float | None
    p90: float | None


def percentile(hist: Sequence[int], p: float) -> float | None:
    """The nearest-rank `p` percentile (0 < p <= 1) of a histogram, as its bin's upper edge
    (the overflow bin reports the last edge)."""
    total = sum(hist)
    if total == 0:
        return None
    rank = max(1, math.ceil(p * total - 1e-9))
    seen = 0
    for index, count in enumerate(hist):
        seen += count
        if seen >= rank:
            return float(EDGES[min(index, len(EDGES) - 1)])
    return float(EDGES[-1])  # pragma: no cover - the counts add up to total


def summarise(hist: Sequence[int], total_seconds: float, count: int) -> Summary:
    return Summary(
        count=count,
        mean=round(total_seconds / count, 3) if count else None,
        median=percentile(hist, 0.5),
        p90=percentile(hist, 0.9),
    )


def add(into: list[int], hist: Sequence[int | None]) -> None:
    """Adds a histogram (from SQL: values may be null for empty groups) into another."""
    for index, count in enumerate(hist):
        into[index] += count or 0
