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
from troubletree.attachments.storage import Storage
from troubletree.core.clock import utcnow
from troubletree.core.errors import NotFound
from troubletree.core.jobs import FILES_QUEUE, REMOVE_FILES_TASK
from troubletree.core.offload import CpuPool
from troubletree.notifications import repository as notifications_repository
from troubletree.sessions import navigator, repository
from troubletree.sessions.events import emit_session_event, ending_event
from troubletree.sessions.exceptions import (
    CannotAssign,
    InvalidOption,
    InvalidPathIndex,
    NavigationFailed,
    NoEarlierChoice,
    NotAdmin,
    NotAssignee,
    NotAtTerminal,
    NoteRequired,
    OutcomeMismatch,
    SessionConflict,
    SessionNotActive,
    SessionNotFound,
    SessionTooLong,
    SessionTreeNotFound,
    SessionVersionNotFound,
    StartTreeNotFound,
    StepNotFound,
    TechnicianNotFound,
    TechnicianRequired,
    TreeNotPublished,
    UnknownOutcomeLabel,
    VariablesInvalid,
)
from troubletree.sessions.export import ExportFormat, render_off_loop
from troubletree.sessions.handoff import queue_handoff
from troubletree.sessions.models import (
    ACTIVE,
    MAX_SESSION_STEPS,
    AbandonReason,
    Outcome,
    SessionStatus,
    StepKind,
)
from troubletree.sessions.navigator import StepEvent
from troubletree.sessions.presenter import Loaded, load_record, outcome_labels, session_read
from troubletree.sessions.repository import SessionRecord
from troubletree.sessions.schemas import (
    BackRequest,
    OptionRead,
    SessionAbandon,
    SessionComplete,
    SessionCreate,
    SessionRead,
    SessionStart,
    SessionUpdate,
    StepCreate,
    TreeStartNode,
    TreeStartScreen,
)
from troubletree.sessions.transcript import build_transcript
from troubletree.sessions.versions import Graphs
from troubletree.trees import service as trees_service
from troubletree.trees.graph import CHOICE_KINDS, TERMINAL_KINDS, Node, Variable
from troubletree.webhooks.models import WebhookEvent

# --------------------------------------------------------------------------- loading


async def _load(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, *, lock: bool = False
) -> Loaded:
    session = await repository.get_session(db, caller.account_id, session_id, lock=lock)
    if session is None or not _may_see(caller, session):
        raise SessionNotFound()
    return await load_record(db, session)


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

    version_id = await _version_to_run(db, caller, tree.id, tree.current_version_id, body)
    graphs = Graphs(db, caller.account_id)
    graph = await graphs.get(version_id)
    values = _merged_variables(graph.variables, {}, body.variables)
    if not body.prepared:
        _raise_missing(navigator.missing_variables(graph.variables, values, "at_start"), "to start")
    now = utcnow()
    session = SessionRecord(
        id=body.id or uuid.uuid4(),
        account_id=caller.account_id,
        tree_id=tree.id,
        tree_version_id=version_id,
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
    if body.answer is not None:
        if body.prepared:
            raise InvalidOption("A prepared session is answered once started.", field="answer")
        # Everything is decided before anything is written: a wrong option writes nothing.
        position = navigator.replay(new_steps)
        node = await graphs.node(position.current.version_id, position.current.node_id)
        answer = _answer(
            position, node, body.answer.option_id, body.answer.note, len(new_steps), "answer."
        )
        new_steps += [
            answer,
            *await _steps_from(
                db, graphs, caller, session, answer.to_version_id, answer.to_node_id, answer.seq + 1
            ),
        ]
        session.answer_count = 1
    if new_steps:
        session.status = SessionStatus.in_progress.value
        session.started_at = new_steps[0].created_at
    await repository.add_session(db, session)
    await repository.add_steps(db, session.id, caller.user_id, new_steps)
    await trees_service.record_tree_use(db, caller.account_id, tree.id)
    if session.notes or (body.answer and body.answer.note) or session.variables:
        await repository.refresh_search_text(db, session.id)
    if new_steps:
        await emit_session_event(db, loaded, WebhookEvent.session_started)
    return await _after_change(db, caller, loaded, new_steps)


async def _version_to_run(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, current: uuid.UUID, body: SessionCreate
) -> uuid.UUID:
    """The current version, or the earlier published version of the tree the client ran
    (a session started offline keeps the version it was run on)."""
    if body.version_id is None or body.version_id == current:
        return current
    try:
        version, _ = await trees_service.get_version_for_session(
            db, caller.account_id, body.version_id
        )
    except NotFound:
        version = None
    if version is None or version.tree_id != tree_id:
        raise SessionVersionNotFound(field="version_id")
    return version.id


def _answer(
    position: navigator.Position,
    node: Node,
    option_id: str,
    note: str | None,
    seq: int,
    field_prefix: str = "",
) -> StepEvent:
    """The answer step choosing `option_id` at the current node, or 422 `invalid_option`."""
    current = position.current
    option = next((o for o in node.options if o.id == option_id), None)
    if option is None or option.next is None:
        raise InvalidOption(
            f"{option_id!r} is not an option of the current step {node.id!r}.",
            field=f"{field_prefix}option_id",
        )
    return _event(
        seq,
        StepKind.answer,
        (current.version_id, node.id),
        (current.version_id, option.next),
        option_id=option.id,
        answer_label=option.label[:200],
        note=note or None,
    )


async def tree_start_screen(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID
) -> TreeStartScreen:
    """What starting a tree shows before a session exists: the live version's intake values and
    its first step. Reads only: no session, no use counted."""
    tree = await trees_service.get_runnable_tree(db, caller.account_id, tree_id)
    if tree is None or tree.status != "published" or tree.current_version_id is None:
        raise StartTreeNotFound(field="tree_id")
    graphs = Graphs(db, caller.account_id)
    version_id = tree.current_version_id
    graph = await graphs.get(version_id)
    start: TreeStartNode | None = None
    if graph.start is not None:
        node = navigator.node_of(graph, graph.start)
        if node.kind in CHOICE_KINDS or node.kind in TERMINAL_KINDS:
            values: dict[str, Any] = {}
            start = TreeStartNode(
                node_id=node.id,
                kind=node.kind,
                title=navigator.interpolate(node.title, graph.variables, values),
                body=navigator.interpolate(node.body, graph.variables, values),
                options=[
                    OptionRead(
                        id=o.id, label=navigator.interpolate(o.label, graph.variables, values)
                    )
                    for o in node.options
                ],
            )
    return TreeStartScreen(
        tree_id=tree.id,
        title=tree.title,
        description=tree.description,
        version_id=version_id,
        version_number=await graphs.number(version_id),
        variables=graph.variables,
        start=start,
    )


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
    if body.variables:
        await repository.refresh_search_text(db, session.id)
    await emit_session_event(db, loaded, WebhookEvent.session_started)
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
    if body.notes is not None or body.variables:
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
    if step.seq + len(new_steps) > MAX_SESSION_STEPS:
        raise SessionTooLong(
            f"A session holds at most {MAX_SESSION_STEPS} steps; complete this one and start "
            "a new session."
        )
    answered = sum(1 for s in new_steps if s.kind == StepKind.answer)
    await repository.add_steps(db, loaded.session.id, caller.user_id, new_steps)
    await _save(db, loaded.session, answer_count=loaded.session.answer_count + answered)
    return new_steps


async def record_step(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: StepCreate
) -> SessionRead:
    """Answers an option of the current node, then follows any automatic steps."""
    loaded, node = await _at_current_node(db, caller, session_id, body.base_revision)
    session = loaded.session
    answer = _answer(loaded.position, node, body.option_id, body.note, _next_seq(loaded))
    new_steps = await _move(db, caller, loaded, answer)
    if body.note:
        await repository.refresh_search_text(db, session.id)
    return await _after_change(db, caller, loaded, new_steps)


async def go_back(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: BackRequest
) -> SessionRead:
    loaded = await _runnable(db, caller, session_id, body.base_revision)
    path = loaded.position.path
    index = len(path) - 2 if body.path_index is None else body.path_index
    if index >= len(path) - 1 or index < 0:
        if body.path_index is None:
            raise NoEarlierChoice()
        raise InvalidPathIndex(
            f"Choose an earlier step of the path (0 to {len(path) - 2}).", field="path_index"
        )
    # Automatic steps (logic, link) would decide the same again: land on the nearest node at or
    # before the index where a person chose.
    while index >= 0:
        entry = path[index]
        if (await loaded.graphs.node(entry.version_id, entry.node_id)).kind in CHOICE_KINDS:
            break
        index -= 1
    if index < 0:
        raise NoEarlierChoice()
    target = path[index]
    current = loaded.position.current
    back = _event(
        _next_seq(loaded),
        StepKind.back,
        (current.version_id, current.node_id),
        (target.version_id, target.node_id),
        path_index=index,
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
            "The session is not at a solution or escalation yet; end it as escalated or "
            "unresolved, or continue.",
            field="outcome",
        )
    if outcome == Outcome.resolved and natural != Outcome.resolved:
        raise OutcomeMismatch(
            "Only a session at a solution step is resolved; end it as escalated or unresolved.",
            field="outcome",
        )
    if natural is None and not (body.resolution_note or "").strip():
        raise NoteRequired(
            "Say why the session ends before a solution or escalation.", field="resolution_note"
        )
    label = node.outcome_label if natural is not None else None
    if body.outcome_label is not None and label is None:
        if body.outcome_label not in outcome_labels(
            await loaded.graphs.get(session.tree_version_id)
        ):
            raise UnknownOutcomeLabel(
                f"{body.outcome_label!r} is not an outcome label of this tree version.",
                field="outcome_label",
            )
        label = body.outcome_label
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
        outcome_label=label,
        resolution_note=body.resolution_note,
        completed_at=utcnow(),
    )
    await repository.refresh_search_text(db, session.id)
    if outcome == Outcome.escalated:
        await queue_handoff(db, caller.account_id, session.id)
    await emit_session_event(db, loaded, ending_event(session.outcome))
    return await _after_change(db, caller, loaded)


async def abandon_session(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, body: SessionAbandon
) -> SessionRead:
    """Ends the session at any step (or before it starts), with the reason."""
    note = (body.note or "").strip() or None
    if body.reason == AbandonReason.other and note is None:
        raise NoteRequired("Say why the session is abandoned.", field="note")
    loaded = await _load(db, caller, session_id, lock=True)
    if not _may_run(caller, loaded.session) and caller.user_id != loaded.session.created_by:
        raise NotAssignee()
    _check_revision(loaded.session, body.base_revision)
    _check_active(loaded.session, *ACTIVE)
    await _save(
        db,
        loaded.session,
        status=SessionStatus.abandoned.value,
        completed_at=utcnow(),
        abandon_reason=body.reason.value,
        abandon_note=note,
    )
    await emit_session_event(db, loaded, WebhookEvent.session_abandoned)
    return await _after_change(db, caller, loaded)


# --------------------------------------------------------------------------- export


async def export_session(
    db: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    fmt: ExportFormat,
    pool: CpuPool,
    storage: Storage | None = None,
) -> tuple[bytes, str]:
    """The session's transcript as a file, and the tree title (for the file name); with
    `storage`, its photos' thumbnails are shown."""
    loaded = await _load(db, caller, session_id)
    transcript = await build_transcript(db, loaded, storage)
    # Everything is read: the connection goes back to the pool before a render that may take
    # seconds (or wait for a free renderer).
    await db.commit()
    return await render_off_loop(pool, transcript, fmt), transcript.tree_title


# --------------------------------------------------------------------------- for attachments


async def session_for(
    db: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    *,
    to_run: bool = False,
    lock: bool = False,
) -> SessionRecord:
    """The session if the caller may see it (`to_run`: run it), or 404 / 403."""
    session = await repository.get_session(db, caller.account_id, session_id, lock=lock)
    if session is None or not _may_see(caller, session):
        raise SessionNotFound()
    if to_run and not _may_run(caller, session):
        raise NotAssignee()
    return session


async def delete_session(db: AsyncSession, caller: Caller, session_id: uuid.UUID) -> None:
    """Deletes a session with its steps and attachments (admins); the attachments' stored
    files are queued for removal by the database and removed by a job."""
    session = await session_for(db, caller, session_id, lock=True)
    if not caller.is_admin:
        raise NotAdmin()
    await repository.delete_session(db, session.id)
    await notifications_repository.defer_job(db, FILES_QUEUE, REMOVE_FILES_TASK, {})
