"""What a request holds of a session, and the API's view of it (`SessionRead`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.auth import repository as auth_repository
from troubletree.sessions import navigator, repository
from troubletree.sessions.models import ACTIVE, AbandonReason, Outcome, SessionStatus
from troubletree.sessions.navigator import StepEvent
from troubletree.sessions.repository import SessionRecord
from troubletree.sessions.schemas import (
    CurrentNode,
    HandoffRead,
    MissingVariables,
    OptionRead,
    PathStep,
    PersonRead,
    SessionRead,
)
from troubletree.sessions.versions import Graphs
from troubletree.trees.graph import CHOICE_KINDS, Graph, Variable


@dataclass
class Loaded:
    session: SessionRecord
    steps: list[StepEvent]
    graphs: Graphs
    position: navigator.Position
    definitions: list[Variable]


async def load_record(db: AsyncSession, session: SessionRecord) -> Loaded:
    """Everything a request needs of a session already read (and scoped): its step log, the
    versions it touches and where it stands."""
    graphs = Graphs(db, session.account_id)
    graph = await graphs.get(session.tree_version_id)
    steps = await repository.list_steps(db, session.id)
    for step in steps:
        await graphs.get(step.to_version_id)
    return Loaded(session, steps, graphs, navigator.replay(steps), graph.variables)


def outcome_labels(graph: Graph) -> list[str]:
    """The outcome labels a version's end nodes carry, sorted."""
    return sorted({n.outcome_label for n in graph.nodes if n.outcome_label})


async def session_read(
    db: AsyncSession, loaded: Loaded, caller: Caller | None = None
) -> SessionRead:
    """The API's view of a session: its path, the current node with variables interpolated
    (escaped), what is missing and whether it can be completed. `caller`, when it is the
    technician, saves reading them again."""
    session, graphs, position = loaded.session, loaded.graphs, loaded.position
    values = session.variables
    definitions = loaded.definitions
    if caller and caller.user_id == session.technician_id:
        technician = PersonRead(id=caller.user_id, full_name=caller.full_name, email=caller.email)
    else:
        user = await auth_repository.get_user(db, session.technician_id)
        assert user is not None
        technician = PersonRead(id=user.id, full_name=user.full_name, email=user.email)
    path: list[PathStep] = []
    for i, entry in enumerate(position.path):
        node = await graphs.node(entry.version_id, entry.node_id)
        left = entry.left_by
        path.append(
            PathStep(
                index=i,
                version_id=entry.version_id,
                node_id=entry.node_id,
                kind=node.kind,
                automatic=node.kind not in CHOICE_KINDS and not navigator.is_terminal(node),
                title=navigator.interpolate(node.title, definitions, values),
                step_seq=left.seq if left else None,
                option_id=left.option_id if left else None,
                answer_label=left.answer_label if left else None,
                note=left.note if left else None,
                arrived_at=entry.arrived_at,
                seconds_spent=entry.seconds_spent,
            )
        )
    current: CurrentNode | None = None
    can_complete = False
    if position.path and session.status in ACTIVE:
        entry = position.current
        node = await graphs.node(entry.version_id, entry.node_id)
        remembered = position.remembered.get((entry.version_id, entry.node_id))
        option_ids = {o.id for o in node.options}
        waiting = (
            sorted(name for name in navigator.logic_inputs(node) if values.get(name) in (None, ""))
            if node.kind == "logic"
            else []
        )
        current = CurrentNode(
            version_id=entry.version_id,
            node_id=node.id,
            kind=node.kind,
            title=navigator.interpolate(node.title, definitions, values),
            body=navigator.interpolate(node.body, definitions, values),
            options=[
                OptionRead(id=o.id, label=navigator.interpolate(o.label, definitions, values))
                for o in node.options
            ],
            suggested_option_id=remembered[0]
            if remembered and remembered[0] in option_ids
            else None,
            is_terminal=navigator.is_terminal(node),
            waiting_for=waiting,
        )
        can_complete = (
            session.status == SessionStatus.in_progress
            and current.is_terminal
            and not navigator.missing_variables(definitions, values, "at_start", "before_complete")
        )
    return SessionRead(
        id=session.id,
        tree_id=session.tree_id,
        tree_title=await graphs.title(session.tree_version_id),
        tree_version_id=session.tree_version_id,
        version_number=await graphs.number(session.tree_version_id),
        technician=technician,
        created_by=session.created_by,
        status=SessionStatus(session.status),
        outcome=Outcome(session.outcome) if session.outcome else None,
        outcome_label=session.outcome_label,
        outcome_labels=outcome_labels(await graphs.get(session.tree_version_id)),
        abandon_reason=AbandonReason(session.abandon_reason) if session.abandon_reason else None,
        abandon_note=session.abandon_note,
        never_answered=session.answer_count == 0,
        answer_count=session.answer_count,
        resolution_note=session.resolution_note,
        notes=session.notes,
        variables=values,
        variable_definitions=definitions,
        missing_variables=MissingVariables(
            at_start=[v.name for v in navigator.missing_variables(definitions, values, "at_start")],
            before_complete=[
                v.name for v in navigator.missing_variables(definitions, values, "before_complete")
            ],
        ),
        revision=session.revision,
        created_at=session.created_at,
        started_at=session.started_at,
        completed_at=session.completed_at,
        updated_at=session.updated_at,
        path=path,
        current=current,
        can_complete=can_complete,
        handoff=await _handoff(db, session),
    )


async def _handoff(db: AsyncSession, session: SessionRecord) -> HandoffRead | None:
    """The hand-off of an escalated session (read only for those: no cost on the way)."""
    if session.outcome != Outcome.escalated:
        return None
    handoff = await repository.get_handoff(db, session.account_id, session.id)
    return HandoffRead.model_validate(handoff, from_attributes=True) if handoff else None
