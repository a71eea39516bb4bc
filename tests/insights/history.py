"""Hand-built session histories: sessions and their step logs written straight into the
database at chosen moments, then ended with an UPDATE (as the service does), so every figure
is known in advance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from tests.conftest import Fresh

# ("start", to_node, at) | ("answer", from_node, option, to_node, at)
# | ("back", from_node, to_node, path_index, at); `at` in seconds after the start
Step = tuple[object, ...]


@dataclass
class Built:
    account_id: str
    tree_id: str
    version_id: str
    technician_id: str
    started: datetime
    steps: list[Step]
    # None: left running; else ("completed", outcome, label, note) or ("abandoned", reason)
    end: tuple[object, ...] | None = None
    ended_after: float = 0.0
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def day(d: str, hh: int) -> datetime:
    return datetime.fromisoformat(d).replace(hour=hh, tzinfo=UTC)


def _at(s: Built, seconds: object) -> datetime:
    return s.started + timedelta(seconds=float(str(seconds)))


async def write(fresh: Fresh, sessions: list[Built]) -> None:
    conn = await asyncpg.connect(fresh.url)
    try:
        for s in sessions:
            answers = sum(1 for st in s.steps if st[0] == "answer")
            await conn.execute(
                "INSERT INTO troubleshooting_sessions (id, account_id, tree_id, tree_version_id,"
                " technician_id, created_by, status, answer_count, created_at, started_at)"
                " VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $8)",
                s.id, uuid.UUID(s.account_id), uuid.UUID(s.tree_id), uuid.UUID(s.version_id),
                uuid.UUID(s.technician_id), "in_progress" if s.steps else "prepared", answers,
                s.started,
            )  # fmt: skip
            version = uuid.UUID(s.version_id)
            for seq, st in enumerate(s.steps):
                kind = str(st[0])
                if kind == "start":
                    row = (None, None, st[1], None, None, st[2])
                elif kind == "answer":
                    row = (version, st[1], st[3], st[2], None, st[4])
                else:
                    row = (version, st[1], st[2], None, st[3], st[4])
                from_version, node, to_node, option, path_index, seconds = row
                await conn.execute(
                    "INSERT INTO session_steps (session_id, seq, kind, version_id, node_id,"
                    " option_id, answer_label, to_version_id, to_node_id, path_index, created_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10)",
                    s.id, seq, kind, from_version, node, option, version, to_node, path_index,
                    _at(s, seconds),
                )  # fmt: skip
            if s.end is None:
                continue
            if s.end[0] == "completed":
                await conn.execute(
                    "UPDATE troubleshooting_sessions SET status = 'completed', outcome = $2,"
                    " outcome_label = $3, resolution_note = $4, completed_at = $5 WHERE id = $1",
                    s.id, s.end[1], s.end[2], s.end[3], _at(s, s.ended_after),
                )  # fmt: skip
            else:
                await conn.execute(
                    "UPDATE troubleshooting_sessions SET status = 'abandoned',"
                    " abandon_reason = $2, completed_at = $3 WHERE id = $1",
                    s.id, s.end[1], _at(s, s.ended_after),
                )  # fmt: skip
    finally:
        await conn.close()
