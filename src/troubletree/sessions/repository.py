"""Every query of sessions and steps. Sessions are account-owned: all reads go through `scoped`.
Tree data (the tree a session runs, its versions, its usage count) is the trees domain's: sessions
reach it through `trees.service`."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.auth.models import User
from troubletree.core.hot import HotStatement
from troubletree.core.queries import LIKE_ESCAPE, escape_like, scoped
from troubletree.sessions.models import (
    EscalationHandoff,
    SessionReceipt,
    SessionStep,
    TroubleshootingSession,
)
from troubletree.sessions.navigator import StepEvent
from troubletree.trees.models import Tree, TreeVersion

# --------------------------------------------------------------------------- sessions
#
# Running a session is the hot path (every answer is a request), so sessions and steps are read
# and written with Core statements built once at import: plain rows, no ORM identity map and no
# unit of work. Changes are written explicitly, column by column, by the service.

_sessions = cast(Table, TroubleshootingSession.__table__)
_steps = cast(Table, SessionStep.__table__)


@dataclass(slots=True)
class SessionRecord:
    """A troubleshooting session as plain data (the row without its search text)."""

    id: uuid.UUID
    account_id: uuid.UUID
    tree_id: uuid.UUID
    tree_version_id: uuid.UUID
    technician_id: uuid.UUID
    created_by: uuid.UUID | None
    status: str
    variables: dict[str, Any]
    notes: str
    outcome: str | None
    resolution_note: str | None
    revision: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime
    outcome_label: str | None = None
    abandon_reason: str | None = None
    abandon_note: str | None = None
    answer_count: int = 0


_SESSION_COLUMNS = [_sessions.c[name] for name in SessionRecord.__dataclass_fields__]
_GET_SESSION = scoped(select(*_SESSION_COLUMNS), _sessions.c, bindparam("account_id")).where(
    _sessions.c.id == bindparam("session_id")
)
_LOCK_SESSION = _GET_SESSION.with_for_update()
_TOUCH_SESSION = (
    update(_sessions)
    .where(_sessions.c.id == bindparam("session_id"))
    .values(revision=bindparam("revision"), updated_at=bindparam("updated_at"))
)
_STEP_SESSION = _TOUCH_SESSION.values(answer_count=bindparam("answer_count"))
_TOUCH = frozenset({"revision", "updated_at"})
_STEP = _TOUCH | {"answer_count"}


async def add_session(db: AsyncSession, session: SessionRecord) -> None:
    values = {name: getattr(session, name) for name in SessionRecord.__dataclass_fields__}
    await db.execute(insert(_sessions).values(**values))


async def get_session(
    db: AsyncSession, account_id: uuid.UUID, session_id: uuid.UUID, *, lock: bool = False
) -> SessionRecord | None:
    """The session, if it belongs to the account; `lock` takes its row lock (FOR UPDATE)."""
    stmt = _LOCK_SESSION if lock else _GET_SESSION
    row = (
        await db.execute(stmt, {"account_id": account_id, "session_id": session_id})
    ).one_or_none()
    return SessionRecord(*row) if row else None


async def update_session(db: AsyncSession, session_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Writes the given columns of a session (whose row the caller has locked)."""
    if values.keys() == _STEP:  # a step or a back: the common case
        await db.execute(_STEP_SESSION, {"session_id": session_id, **values})
    elif values.keys() == _TOUCH:
        await db.execute(_TOUCH_SESSION, {"session_id": session_id, **values})
    else:
        await db.execute(update(_sessions).where(_sessions.c.id == session_id).values(**values))


async def delete_session(db: AsyncSession, session_id: uuid.UUID) -> None:
    """Deletes the session; its steps, receipts and attachments go with it (cascades)."""
    await db.execute(delete(_sessions).where(_sessions.c.id == session_id))


async def refresh_search_text(db: AsyncSession, session_id: uuid.UUID) -> None:
    """The free-text filter's haystack: intake values, session notes, resolution note and step
    notes (called after every change to one of them)."""
    step_notes = (
        select(func.coalesce(func.string_agg(SessionStep.note, " "), ""))
        .where(SessionStep.session_id == session_id)
        .scalar_subquery()
    )
    values = func.jsonb_each_text(TroubleshootingSession.variables).table_valued("value")
    variable_values = (
        select(func.coalesce(func.string_agg(values.c.value, " "), ""))
        .select_from(values)
        .scalar_subquery()
    )
    await db.execute(
        update(TroubleshootingSession)
        .where(TroubleshootingSession.id == session_id)
        .values(
            search_text=func.lower(
                func.concat_ws(
                    " ",
                    variable_values,
                    TroubleshootingSession.notes,
                    TroubleshootingSession.resolution_note,
                    step_notes,
                )
            )
        )
    )


# --------------------------------------------------------------------------- steps

_STEP_EVENT_COLUMNS = [_steps.c[name] for name in StepEvent.__dataclass_fields__]
_LIST_STEPS = (
    select(*_STEP_EVENT_COLUMNS)
    .where(_steps.c.session_id == bindparam("session_id"))
    .order_by(_steps.c.seq)
)
_INSERT_STEP = insert(_steps)
_NOTE_STEP = (  # parameters named unlike the table's columns, as an UPDATE's WHERE needs
    update(_steps)
    .where(_steps.c.session_id == bindparam("step_session"), _steps.c.seq == bindparam("step_seq"))
    .values(note=bindparam("note"))
)


async def list_steps(db: AsyncSession, session_id: uuid.UUID) -> list[StepEvent]:
    """The session's step log in order (the caller has already scoped the session)."""
    rows = (await db.execute(_LIST_STEPS, {"session_id": session_id})).all()
    return [StepEvent(*row) for row in rows]


async def add_steps(
    db: AsyncSession, session_id: uuid.UUID, created_by: uuid.UUID, steps: list[StepEvent]
) -> None:
    rows = [
        {
            "session_id": session_id,
            "created_by": created_by,
            **{name: getattr(step, name) for name in StepEvent.__dataclass_fields__},
        }
        for step in steps
    ]
    if len(rows) == 1:
        await db.execute(_INSERT_STEP, rows[0])
    elif rows:
        await db.execute(_INSERT_STEP, rows)


async def set_step_note(
    db: AsyncSession, session_id: uuid.UUID, seq: int, note: str | None
) -> None:
    await db.execute(_NOTE_STEP, {"step_session": session_id, "step_seq": seq, "note": note})


# --------------------------------------------------------------------------- receipts

_receipts = cast(Table, SessionReceipt.__table__)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A change made under a client id (see `SessionReceipt`)."""

    client_id: uuid.UUID
    kind: str
    revision: int
    step_seq: int | None
    response: dict[str, Any] | None


_RECEIPT_COLUMNS = [_receipts.c[name] for name in Receipt.__dataclass_fields__]
_GET_RECEIPT = select(*_RECEIPT_COLUMNS).where(
    _receipts.c.session_id == bindparam("session_id"),
    _receipts.c.client_id == bindparam("client_id"),
)
_LAST_SEQ = select(func.max(_steps.c.seq)).where(_steps.c.session_id == bindparam("session_id"))
_LAST_STEP = (
    select(_steps.c.seq, _steps.c.to_node_id)
    .where(_steps.c.session_id == bindparam("session_id"))
    .order_by(_steps.c.seq.desc())
    .limit(1)
)


async def get_receipt(
    db: AsyncSession, session_id: uuid.UUID, client_id: uuid.UUID
) -> Receipt | None:
    """The change made under `client_id` in the session (the caller has scoped the session)."""
    row = (
        await db.execute(_GET_RECEIPT, {"session_id": session_id, "client_id": client_id})
    ).one_or_none()
    return Receipt(*row) if row else None


async def add_receipt(db: AsyncSession, session_id: uuid.UUID, receipt: Receipt) -> None:
    values = {name: getattr(receipt, name) for name in Receipt.__dataclass_fields__}
    await db.execute(insert(_receipts).values(session_id=session_id, **values))


async def last_step(db: AsyncSession, session_id: uuid.UUID) -> tuple[int, str] | None:
    """The newest step's number and the node it led to (where the session stands)."""
    row = (await db.execute(_LAST_STEP, {"session_id": session_id})).one_or_none()
    return (row[0], row[1]) if row else None


async def last_seq(db: AsyncSession, session_id: uuid.UUID) -> int | None:
    """The newest step's number (None before the first step)."""
    value = (await db.execute(_LAST_SEQ, {"session_id": session_id})).scalar_one_or_none()
    return cast(int | None, value)


# --------------------------------------------------------------------------- history


# pg_trgm word_similarity from which a technician's name or a tree title counts as found (a
# typo or two in a word still matches).
TYPO_SIMILARITY = 0.4
# Query words compared with names and titles (the rest of a long query is ignored there).
MAX_TYPO_WORDS = 8
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class HistoryFilter:
    account_id: uuid.UUID
    technician_id: uuid.UUID | None = None
    not_created_by: uuid.UUID | None = None
    status: str | None = None
    outcome: str | None = None
    tree_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None
    outcome_label: str | None = None
    # Sessions never answered that were abandoned or created before this moment are left out
    # (None: every session).
    unanswered_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: uuid.UUID
    tree_id: uuid.UUID
    technician_id: uuid.UUID
    created_by: uuid.UUID | None
    status: str
    outcome: str | None
    created_at: datetime
    completed_at: datetime | None
    tree_title: str
    technician_name: str
    version_number: int
    outcome_label: str | None
    abandon_reason: str | None
    answer_count: int
    # With free text: how close it comes to the technician's name and the tree title.
    technician_score: float = 0.0
    title_score: float = 0.0

    @property
    def never_answered(self) -> bool:
        return self.answer_count == 0


# Which conditions a history query has (the values travel as parameters): one statement is
# built and compiled per shape, at its first use, and run as a hot statement (core/hot.py).
# The number of shapes is bounded: nine optional conditions, a word count up to
# MAX_TYPO_WORDS and a cursor or none.
@dataclass(frozen=True, slots=True)
class _HistoryShape:
    technician: bool
    not_created_by: bool
    status: bool
    outcome: bool
    tree: bool
    created_from: bool
    created_to: bool
    outcome_label: bool
    unanswered: bool
    words: int  # 0: no free text
    after: bool


_HISTORY_STATEMENTS: dict[_HistoryShape, HotStatement] = {}


def _history_statement(shape: _HistoryShape) -> HotStatement:
    found = _HISTORY_STATEMENTS.get(shape)
    if found is not None:
        return found
    s = TroubleshootingSession
    columns = (
        s.id,
        s.tree_id,
        s.technician_id,
        s.created_by,
        s.status,
        s.outcome,
        s.created_at,
        s.completed_at,
        Tree.title,
        User.full_name,
        TreeVersion.number,
        s.outcome_label,
        s.abandon_reason,
        s.answer_count,
    )
    scores: tuple[Any, ...] = ()
    if shape.words:
        # Every word of the query must be near a word of the name (or title): the score is the
        # weakest word's, so "nothing-1234" does not find a title holding only "1234".
        scores = tuple(
            func.least(
                *(
                    func.word_similarity(bindparam(f"word_{i}", type_=String), func.lower(field))
                    for i in range(shape.words)
                )
            )
            for field in (User.full_name, Tree.title)
        )
    stmt = (
        scoped(select(*columns, *scores), s, bindparam("account_id", type_=s.account_id.type))
        .join(Tree, Tree.id == s.tree_id)
        .join(User, User.id == s.technician_id)
        .join(TreeVersion, TreeVersion.id == s.tree_version_id)
    )
    conditions: list[Any] = []
    if shape.technician:
        conditions.append(s.technician_id == bindparam("technician_id"))
    if shape.not_created_by:
        conditions.append(s.created_by.is_distinct_from(bindparam("not_created_by")))
    if shape.status:
        conditions.append(s.status == bindparam("status"))
    if shape.outcome:
        conditions.append(s.outcome == bindparam("outcome"))
    if shape.tree:
        conditions.append(s.tree_id == bindparam("tree_id"))
    if shape.created_from:
        conditions.append(s.created_at >= bindparam("created_from"))
    if shape.created_to:
        conditions.append(s.created_at < bindparam("created_to"))
    if shape.outcome_label:
        conditions.append(s.outcome_label == bindparam("outcome_label"))
    if shape.unanswered:
        conditions.append(
            or_(
                s.answer_count > 0,
                and_(s.status != "abandoned", s.created_at >= bindparam("unanswered_before")),
            )
        )
    if shape.words:
        conditions.append(
            or_(
                s.search_text.like(bindparam("pattern", type_=String), escape=LIKE_ESCAPE),
                *(score >= TYPO_SIMILARITY for score in scores),
            )
        )
    if shape.after:
        conditions.append(
            tuple_(s.created_at, s.id)
            < tuple_(
                bindparam("after_at", type_=s.created_at.type),
                bindparam("after_id", type_=s.id.type),
            )
        )
    stmt = (
        stmt.where(*conditions)
        .order_by(s.created_at.desc(), s.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    return _HISTORY_STATEMENTS.setdefault(shape, HotStatement(stmt))


async def list_sessions(
    db: AsyncSession, f: HistoryFilter, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[HistoryRow]:
    """Newest first, keyset-paginated on (created_at, id); only the columns a history row
    shows."""
    text = f.text.lower() if f.text else None
    words = (_WORD.findall(text)[:MAX_TYPO_WORDS] or [text]) if text is not None else []
    shape = _HistoryShape(
        technician=f.technician_id is not None,
        not_created_by=f.not_created_by is not None,
        status=bool(f.status),
        outcome=bool(f.outcome),
        tree=bool(f.tree_id),
        created_from=bool(f.created_from),
        created_to=bool(f.created_to),
        outcome_label=bool(f.outcome_label),
        unanswered=f.unanswered_before is not None,
        words=len(words),
        after=after is not None,
    )
    params: dict[str, Any] = {
        "account_id": f.account_id,
        "technician_id": f.technician_id,
        "not_created_by": f.not_created_by,
        "status": f.status,
        "outcome": f.outcome,
        "tree_id": f.tree_id,
        "created_from": f.created_from,
        "created_to": f.created_to,
        "outcome_label": f.outcome_label,
        "unanswered_before": f.unanswered_before,
        "pattern": f"%{escape_like(text)}%" if text is not None else None,
        "after_at": after[0] if after else None,
        "after_id": after[1] if after else None,
        "limit": limit,
    }
    params.update({f"word_{i}": word for i, word in enumerate(words)})
    rows = await _history_statement(shape).fetch(db, **params)
    return [HistoryRow(*row) for row in rows]


async def list_outcome_labels(db: AsyncSession, account_id: uuid.UUID) -> list[str]:
    """The distinct outcome labels of the account's sessions, sorted."""
    s = TroubleshootingSession
    stmt = (
        scoped(select(s.outcome_label).distinct(), s, account_id)
        .where(s.outcome_label.is_not(None))
        .order_by(s.outcome_label)
    )
    return [label for label in (await db.execute(stmt)).scalars() if label is not None]


@dataclass(frozen=True, slots=True)
class SearchHaystack:
    """What the free-text filter looks through in one session."""

    variables: dict[str, Any]
    notes: str
    resolution_note: str | None
    step_notes: list[str]


async def search_haystacks(
    db: AsyncSession, account_id: uuid.UUID, session_ids: list[uuid.UUID]
) -> dict[uuid.UUID, SearchHaystack]:
    """The searchable texts of a page of sessions (of the account)."""
    if not session_ids:
        return {}
    s = TroubleshootingSession
    rows = (
        await db.execute(
            scoped(select(s.id, s.variables, s.notes, s.resolution_note), s, account_id).where(
                s.id.in_(session_ids)
            )
        )
    ).all()
    found = {row[0]: SearchHaystack(row[1], row[2], row[3], []) for row in rows}
    notes = await db.execute(
        select(SessionStep.session_id, SessionStep.note)
        .where(SessionStep.session_id.in_(list(found)), SessionStep.note.is_not(None))
        .order_by(SessionStep.session_id, SessionStep.seq)
    )
    for session_id, note in notes.all():
        found[session_id].step_notes.append(note or "")
    return found


# --------------------------------------------------------------------------- escalation hand-offs


async def add_handoff(
    db: AsyncSession, account_id: uuid.UUID, session_id: uuid.UUID, to_address: str
) -> uuid.UUID:
    handoff = EscalationHandoff(account_id=account_id, session_id=session_id, to_address=to_address)
    db.add(handoff)
    await db.flush()
    return handoff.id


async def get_handoff(
    db: AsyncSession, account_id: uuid.UUID, session_id: uuid.UUID
) -> EscalationHandoff | None:
    """The hand-off of a session of the account, if it was escalated to an address."""
    h = EscalationHandoff
    stmt = scoped(select(h), h, account_id).where(h.session_id == session_id)
    return (await db.execute(stmt)).scalar_one_or_none()


_HANDOFF_STATUSES = HotStatement(
    scoped(
        select(EscalationHandoff.session_id, EscalationHandoff.status),
        EscalationHandoff,
        bindparam("account_id", type_=EscalationHandoff.account_id.type),
    ).where(
        EscalationHandoff.session_id
        == func.any(bindparam("session_ids", type_=ARRAY(EscalationHandoff.session_id.type)))
    )
)


async def handoff_statuses(
    db: AsyncSession, account_id: uuid.UUID, session_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The hand-off status of each of these sessions that has one."""
    if not session_ids:
        return {}
    rows = await _HANDOFF_STATUSES.fetch(db, account_id=account_id, session_ids=session_ids)
    return {row[0]: row[1] for row in rows}


async def get_handoff_by_id(db: AsyncSession, handoff_id: uuid.UUID) -> EscalationHandoff | None:
    """A hand-off by its id (the delivery job's own lookup: it carries no caller)."""
    return await db.get(EscalationHandoff, handoff_id)


async def mark_handoff(db: AsyncSession, handoff_id: uuid.UUID, **values: Any) -> None:
    """Records one delivery attempt: its outcome columns, the attempt counted in SQL."""
    h = EscalationHandoff
    await db.execute(update(h).where(h.id == handoff_id).values(attempts=h.attempts + 1, **values))
