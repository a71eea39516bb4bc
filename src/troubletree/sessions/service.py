"""Guided sessions: start (or prepare for a technician), answer, go back, notes, intake values,
complete, abandon, history and transcripts.

Every change locks the session row (`SELECT ... FOR UPDATE`) and bumps `revision`, so parallel
requests on one session are applied one after the other; a request that names the revision it
was based on gets 409 when another change came first. The step log is append-only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts import repository as accounts_repository
from troubletree.accounts.caller import Caller
from troubletree.core.clock import utcnow
from troubletree.core.offload import CpuPool
from troubletree.sessions import navigator, repository
from troubletree.sessions.exceptions import (
    CannotAssign,
    InvalidOption,
    InvalidPathIndex,
    NavigationFailed,
    NotAssignee,
    NotAtTerminal,
    OutcomeMismatch,
    SessionConflict,
    SessionNotActive,
    SessionNotFound,
    SessionTreeNotFound,
    StepNotFound,
    TechnicianNotFound,
    TechnicianRequired,
    TreeNotPublished,
    VariablesInvalid,
)
from troubletree.sessions.export import ExportFormat, render_off_loop
from troubletree.sessions.models import ACTIVE, Outcome, SessionStatus, StepKind
from troubletree.sessions.navigator import StepEvent
from troubletree.sessions.presenter import Loaded, session_read
from troubletree.sessions.repository import SessionRecord
from troubletree.sessions.schemas import (
    BackRequest,
    SessionComplete,
    SessionCreate,
    SessionRead,
    SessionStart,
    SessionUpdate,
    StepCreate,
)
from troubletree.sessions.transcript import build_transcript
from troubletree.sessions.versions import Graphs
from troubletree.trees import service as trees_service
from troubletree.trees.graph import Node, Variable

# --------------------------------------------------------------------------- loading


async def _load(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, *, lock: bool = False
) -> Loaded:
    session = await repository.get_session(db, caller.account_id, session_id, lock=lock)
    if session is None or not _may_see(caller, session):
        raise SessionNotFound()
    graphs = Graphs(db, caller.account_id)
    graph = await graphs.get(session.tree_version_id)
    steps = await repository.list_steps(db, session.id)
    for step in steps:
        await graphs.get(step.to_version_id)
    return Loaded(session, steps, graphs, navigator.replay(steps), graph.variables)


def _may_see(caller: Caller, session: SessionRecord) -> bool:
    return caller.is_admin or caller.user_id in {
        session.technician_id,
        session.created_by,
    }


def _may_run(caller: Caller, session: SessionRecord) -> bool:
    return caller.is_admin or caller.user_id == session.technician_id


def _check_revision(session: SessionRecord, base_revision: int | None) -> None:
    if base_revision is not None and base_revision != session.revision:
        raise SessionConflict(extra={"current_revision": session.revision})


def _check_active(session: SessionRecord, *allowed: str) -> None:
    if session.status not in allowed:
        raise SessionNotActive(
            f"The session is {session.status.replace('_', ' ')}; this is not possible now."
        )


async def _save(db: AsyncSession, session: SessionRecord, **changes: Any) -> None:
    """Writes the changed columns with the next revision, in one UPDATE (the row is locked)."""
    changes["revision"] = session.revision + 1
    changes["updated_at"] = utcnow()
    await repository.update_session(db, session.id, changes)
    for name, value in changes.items():
        setattr(session, name, value)


def _merged_variables(
    definitions: list[Variable], current: Mapping[str, Any], given: Mapping[str, Any]
) -> dict[str, Any]:
    """The intake values with `given` applied, or 422 naming every invalid one."""
    values, problems = navigator.merge_variables(definitions, current, given)
    if problems:
        raise VariablesInvalid({name: ("variable_invalid", msg) for name, msg in problems.items()})
    return values


def _raise_missing(missing: list[Variable], when: str) -> None:
    if missing:
        raise VariablesInvalid(
            {v.name: ("variable_missing", f"{v.label} is needed {when}.") for v in missing}
        )


# --------------------------------------------------------------------------- moving


def _event(
    seq: int,
    kind: str,
    at: tuple[uuid.UUID | None, str | None],
    to: tuple[uuid.UUID, str],
    *,
    option_id: str | None = None,
    answer_label: str | None = None,
    path_index: int | None = None,
    note: str | None = None,
) -> StepEvent:
    """A new step of the log, now: from the node `at` (version, node; none for the start) to
    the node `to`."""
    return StepEvent(
        seq=seq,
        kind=kind,
        version_id=at[0],
        node_id=at[1],
        option_id=option_id,
        answer_label=answer_label,
        to_version_id=to[0],
        to_node_id=to[1],
        path_index=path_index,
        note=note,
        created_at=utcnow(),
    )


async def _steps_from(
    db: AsyncSession,
    graphs: Graphs,
    caller: Caller,
    session: SessionRecord,
    version_id: uuid.UUID,
    node_id: str,
    next_seq: int,
) -> list[StepEvent]:
    """The automatic moves from a node just reached: logic nodes branch on the variables and
    link nodes continue in the linked tree's current version."""
    created: list[StepEvent] = []
    definitions = (await graphs.get(session.tree_version_id)).variables
    for _ in range(navigator.MAX_AUTO_MOVES):
        graph = await graphs.get(version_id)
        node = navigator.node_of(graph, node_id)
        move = navigator.automatic_move(node, definitions, session.variables)
        if move is None:
            return created
        if move.kind == "link" and move.link_tree_id is not None:
            target = await trees_service.get_runnable_tree(db, caller.account_id, move.link_tree_id)
            if target is None or target.current_version_id is None:
                raise NavigationFailed(
                    f"The node {node.id!r} links to a tree that is no longer published."
                )
            to_version = target.current_version_id
            to_graph = await graphs.get(to_version)
            if to_graph.start is None:
                raise NavigationFailed("The linked tree has no start node.")
            to_node = to_graph.start
        else:
            assert move.to_node_id is not None
            to_version, to_node = version_id, move.to_node_id
        created.append(
            _event(
                next_seq + len(created),
                move.kind,
                (version_id, node.id),
                (to_version, to_node),
                answer_label=(move.label or "")[:200],
            )
        )
        version_id, node_id = to_version, to_node
    raise NavigationFailed("The tree loops through automatic steps without reaching a question.")


async def _begin(db: AsyncSession, caller: Caller, loaded: Loaded) -> list[StepEvent]:
    """The steps that start a session: the start step and whatever follows automatically
    (not yet written: the caller writes them once the session row exists)."""
    session = loaded.session
    graph = await loaded.graphs.get(session.tree_version_id)
    if graph.start is None:
        raise NavigationFailed("This version has no start node.")
    start = _event(0, StepKind.start, (None, None), (session.tree_version_id, graph.start))
    follow = await _steps_from(
        db, loaded.graphs, caller, session, session.tree_version_id, graph.start, 1
    )
    return [start, *follow]


async def _continue_if_waiting(db: AsyncSession, caller: Caller, loaded: Loaded) -> list[StepEvent]:
    """After intake values change, a logic node that was waiting may now decide."""
    if loaded.session.status != SessionStatus.in_progress or not loaded.position.path:
        return []
    current = loaded.position.current
    follow = await _steps_from(
        db,
        loaded.graphs,
        caller,
        loaded.session,
        current.version_id,
        current.node_id,
        _next_seq(loaded),
    )
    await repository.add_steps(db, loaded.session.id, caller.user_id, follow)
    return follow


def _next_seq(loaded: Loaded) -> int:
    return (loaded.steps[-1].seq + 1) if loaded.steps else 0


# --------------------------------------------------------------------------- reading


async def _read(db: AsyncSession, caller: Caller, session_id: uuid.UUID) -> SessionRead:
    loaded = await _load(db, caller, session_id)
    return await session_read(db, loaded, caller)


async def _after_change(
    db: AsyncSession, caller: Caller, loaded: Loaded, new_steps: list[StepEvent] | None = None
) -> SessionRead:
    """The answer to a change, from what the request already holds (no second load)."""
    if new_steps:
        loaded.steps.extend(new_steps)
        loaded.position = navigator.replay(loaded.steps)
    return await session_read(db, loaded, caller)


async def get_session(db: AsyncSession, caller: Caller, session_id: uuid.UUID) -> SessionRead:
    return await _read(db, caller, session_id)


# --------------------------------------------------------------------------- changes


async def _member(db: AsyncSession, caller: Caller, user_id: uuid.UUID) -> uuid.UUID:
    member = await accounts_repository.get_member(db, caller.account_id, user_id)
    if member is None:
        raise TechnicianNotFound(field="technician_id")
    return user_id


async def create_session(db: AsyncSession, caller: Caller, body: SessionCreate) -> SessionRead:
    tree = await trees_service.get_runnable_tree(db, caller.account_id, body.tree_id)
    published = (
        tree is not None and tree.current_version_id is not None and tree.status == "published"
    )
    if tree is None or (not published and not caller.is_author):
        raise SessionTreeNotFound(field="tree_id")  # technicians see published trees only
    if not published or tree.current_version_id is None:
        raise TreeNotPublished(field="tree_id")
    technician_id = body.technician_id or caller.user_id
    if body.prepared and not caller.is_author:
        raise CannotAssign()
    if body.prepared and body.technician_id is None:
        raise TechnicianRequired(field="technician_id")
    if technician_id != caller.user_id:
        if not caller.is_author:
            raise CannotAssign()
        await _member(db, caller, technician_id)

    graphs = Graphs(db, caller.account_id)
    graph = await graphs.get(tree.current_version_id)
    values = _merged_variables(graph.variables, {}, body.variables)
    if not body.prepared:
        _raise_missing(navigator.missing_variables(graph.variables, values, "at_start"), "to start")
    now = utcnow()
    session = SessionRecord(
        id=uuid.uuid4(),
        account_id=caller.account_id,
        tree_id=tree.id,
        tree_version_id=tree.current_version_id,
        technician_id=technician_id,
        created_by=caller.user_id,
        status=SessionStatus.prepared.value,
        variables=values,
        notes=body.notes or "",
        outcome=None,
        resolution_note=None,
        revision=1,
        created_at=now,
        started_at=None,
        completed_at=None,
        updated_at=now,
    )
    loaded = Loaded(session, [], graphs, navigator.Position(), graph.variables)
    new_steps = [] if body.prepared else await _begin(db, caller, loaded)
    if new_steps:
        session.status = SessionStatus.in_progress.value
        session.started_at = new_steps[0].created_at
    await repository.add_session(db, session)
    await repository.add_steps(db, session.id, caller.user_id, new_steps)
    await trees_service.record_tree_use(db, caller.account_id, tree.id)
    if session.notes:
        await repository.refresh_search_text(db, session.id)
    return await _after_change(db, caller, loaded, new_steps)


async def start_prepared(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: SessionStart
) -> SessionRead:
    loaded = await _runnable(db, caller, session_id, body.base_revision, SessionStatus.prepared)
    session = loaded.session
    values = _merged_variables(loaded.definitions, session.variables, body.variables)
    _raise_missing(navigator.missing_variables(loaded.definitions, values, "at_start"), "to start")
    session.variables = values
    new_steps = await _begin(db, caller, loaded)
    await repository.add_steps(db, session.id, caller.user_id, new_steps)
    await _save(
        db,
        session,
        variables=values,
        status=SessionStatus.in_progress.value,
        started_at=new_steps[0].created_at,
    )
    return await _after_change(db, caller, loaded, new_steps)


async def update_session(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: SessionUpdate
) -> SessionRead:
    loaded = await _load(db, caller, session_id, lock=True)
    session = loaded.session
    _check_revision(session, body.base_revision)
    _check_active(session, *ACTIVE)
    changes: dict[str, Any] = {}
    if body.technician_id is not None and body.technician_id != session.technician_id:
        if not caller.is_author:
            raise CannotAssign()
        changes["technician_id"] = await _member(db, caller, body.technician_id)
    elif not _may_run(caller, session) and caller.user_id != session.created_by:
        raise NotAssignee()
    if body.notes is not None:
        changes["notes"] = body.notes
    new_steps: list[StepEvent] = []
    if body.variables:
        values = _merged_variables(loaded.definitions, session.variables, body.variables)
        changes["variables"] = session.variables = values
        new_steps = await _continue_if_waiting(db, caller, loaded)
    await _save(db, session, **changes)
    if body.notes is not None:
        await repository.refresh_search_text(db, session.id)
    return await _after_change(db, caller, loaded, new_steps)


async def _runnable(
    db: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    base_revision: int | None,
    status: SessionStatus = SessionStatus.in_progress,
) -> Loaded:
    """The session, locked, for its technician (or an admin) to move on: at `base_revision`
    when one is given, and in `status`."""
    loaded = await _load(db, caller, session_id, lock=True)
    if not _may_run(caller, loaded.session):
        raise NotAssignee()
    _check_revision(loaded.session, base_revision)
    _check_active(loaded.session, status)
    return loaded


async def _at_current_node(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, base_revision: int | None
) -> tuple[Loaded, Node]:
    """A running session (see `_runnable`) and the node it stands on."""
    loaded = await _runnable(db, caller, session_id, base_revision)
    current = loaded.position.current
    return loaded, await loaded.graphs.node(current.version_id, current.node_id)


async def _move(
    db: AsyncSession, caller: Caller, loaded: Loaded, step: StepEvent
) -> list[StepEvent]:
    """Appends a step and the automatic steps that follow where it leads, and moves the
    session's revision on; the steps written."""
    follow = await _steps_from(
        db, loaded.graphs, caller, loaded.session, step.to_version_id, step.to_node_id, step.seq + 1
    )
    new_steps = [step, *follow]
    await repository.add_steps(db, loaded.session.id, caller.user_id, new_steps)
    await _save(db, loaded.session)
    return new_steps


async def record_step(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: StepCreate
) -> SessionRead:
    """Answers an option of the current node, then follows any automatic steps."""
    loaded, node = await _at_current_node(db, caller, session_id, body.base_revision)
    session, current = loaded.session, loaded.position.current
    option = next((o for o in node.options if o.id == body.option_id), None)
    if option is None or option.next is None:
        raise InvalidOption(
            f"{body.option_id!r} is not an option of the current step {node.id!r}.",
            field="option_id",
        )
    seq = _next_seq(loaded)
    answer = _event(
        seq,
        StepKind.answer,
        (current.version_id, node.id),
        (current.version_id, option.next),
        option_id=option.id,
        answer_label=option.label[:200],
        note=body.note or None,
    )
    new_steps = await _move(db, caller, loaded, answer)
    if body.note:
        await repository.refresh_search_text(db, session.id)
    return await _after_change(db, caller, loaded, new_steps)


async def go_back(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: BackRequest
) -> SessionRead:
    loaded = await _runnable(db, caller, session_id, body.base_revision)
    path = loaded.position.path
    if body.path_index >= len(path) - 1:
        raise InvalidPathIndex(
            f"Choose an earlier step of the path (0 to {len(path) - 2}).", field="path_index"
        )
    target = path[body.path_index]
    current = loaded.position.current
    seq = _next_seq(loaded)
    back = _event(
        seq,
        StepKind.back,
        (current.version_id, current.node_id),
        (target.version_id, target.node_id),
        path_index=body.path_index,
    )
    return await _after_change(db, caller, loaded, await _move(db, caller, loaded, back))


async def note_step(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, seq: int, note: str
) -> SessionRead:
    loaded = await _load(db, caller, session_id, lock=True)
    if not _may_run(caller, loaded.session):
        raise NotAssignee()
    index = next((i for i, s in enumerate(loaded.steps) if s.seq == seq), None)
    if index is None:
        raise StepNotFound(f"The session has no step {seq}.", field="seq")
    loaded.steps[index] = replace(loaded.steps[index], note=note or None)
    await repository.set_step_note(db, loaded.session.id, seq, note or None)
    await _save(db, loaded.session)
    await repository.refresh_search_text(db, loaded.session.id)
    loaded.position = navigator.replay(loaded.steps)
    return await _after_change(db, caller, loaded)


async def complete_session(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: SessionComplete
) -> SessionRead:
    loaded, node = await _at_current_node(db, caller, session_id, body.base_revision)
    session = loaded.session
    natural = {"solution": Outcome.resolved, "escalation": Outcome.escalated}.get(node.kind)
    outcome = body.outcome or natural
    if outcome is None:
        raise NotAtTerminal(
            "The session is not at a solution or escalation yet; complete it as unresolved "
            "or continue.",
            field="outcome",
        )
    if outcome != Outcome.unresolved and outcome != natural:
        raise OutcomeMismatch(
            f"At a {node.kind} step the outcome is {natural or 'unresolved'}.", field="outcome"
        )
    _raise_missing(
        navigator.missing_variables(
            loaded.definitions, session.variables, "at_start", "before_complete"
        ),
        "to complete the session",
    )
    await _save(
        db,
        session,
        status=SessionStatus.completed.value,
        outcome=outcome.value,
        resolution_note=body.resolution_note,
        completed_at=utcnow(),
    )
    await repository.refresh_search_text(db, session.id)
    return await _after_change(db, caller, loaded)


async def abandon_session(db: AsyncSession, caller: Caller, session_id: uuid.UUID) -> SessionRead:
    loaded = await _load(db, caller, session_id, lock=True)
    if not _may_run(caller, loaded.session) and caller.user_id != loaded.session.created_by:
        raise NotAssignee()
    _check_active(loaded.session, *ACTIVE)
    await _save(db, loaded.session, status=SessionStatus.abandoned.value, completed_at=utcnow())
    return await _after_change(db, caller, loaded)


# --------------------------------------------------------------------------- export


async def export_session(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, fmt: ExportFormat, pool: CpuPool
) -> tuple[bytes, str]:
    """The session's transcript as a file, and the tree title (for the file name)."""
    loaded = await _load(db, caller, session_id)
    transcript = await build_transcript(db, loaded)
    # Everything is read: the connection goes back to the pool before a render that may take
    # seconds (or wait for a free renderer).
    await db.commit()
    return await render_off_loop(pool, transcript, fmt), transcript.tree_title
