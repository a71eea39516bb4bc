"""Change alerts: when a tree is republished, whoever ran it in the last 30 days is told, the
next time they open it, what changed since the version they ran: the changelog of each newer
version and the steps added, removed, reworded or answered differently (`changes.py`). The
notice stays until they dismiss it; the dismissal is stored, so it is shown on no other device
either, and a later version brings a new notice."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core.clock import utcnow
from troubletree.feedback import repository
from troubletree.feedback.changes import Step, technician_changes
from troubletree.feedback.exceptions import AlertVersionNotFound
from troubletree.feedback.schemas import ChangeAlert, ChangeAlertState, StepRef, VersionNote
from troubletree.trees import service as trees_service
from troubletree.trees.exceptions import TreeNotFound, VersionNotFound

RECENT_RUNS = timedelta(days=30)


def _refs(steps: list[Step]) -> list[StepRef]:
    return [StepRef(node_id=s.node_id, title=s.title) for s in steps]


async def change_alert(db: AsyncSession, caller: Caller, tree_id: uuid.UUID) -> ChangeAlertState:
    tree = await trees_service.get_runnable_tree(db, caller.account_id, tree_id)
    if tree is None or (tree.status != "published" and not caller.is_author):
        raise TreeNotFound()
    if tree.current_version_id is None or tree.status != "published":
        return ChangeAlertState(alert=None)
    current, after = await trees_service.get_version_for_session(
        db, caller.account_id, tree.current_version_id
    )
    if await repository.is_dismissed(db, caller.account_id, caller.user_id, current.id):
        return ChangeAlertState(alert=None)
    ran = await repository.last_run_version(
        db,
        caller.account_id,
        tree.id,
        caller.user_id,
        since=utcnow() - RECENT_RUNS,
        before_number=current.number,
    )
    if ran is None:
        return ChangeAlertState(alert=None)
    previous, before = await trees_service.get_version_for_session(db, caller.account_id, ran)
    changes = technician_changes(before, after)
    newer = await repository.versions_between(db, tree.id, previous.number, current.number)
    return ChangeAlertState(
        alert=ChangeAlert(
            tree_id=tree.id,
            version_id=current.id,
            version_number=current.number,
            since_version_number=previous.number,
            changelogs=[
                VersionNote(number=v.number, changelog=v.changelog, published_at=v.published_at)
                for v in newer
            ],
            steps_added=_refs(changes.added),
            steps_removed=_refs(changes.removed),
            steps_reworded=_refs(changes.reworded),
            answers_changed=_refs(changes.answers_changed),
        )
    )


async def dismiss_alert(
    db: AsyncSession, caller: Caller, tree_id: uuid.UUID, version_id: uuid.UUID
) -> None:
    """Stores that the caller dismissed the notice of this version (idempotent)."""
    tree = await trees_service.get_runnable_tree(db, caller.account_id, tree_id)
    if tree is None or (tree.status != "published" and not caller.is_author):
        raise TreeNotFound()
    try:
        version, _ = await trees_service.get_version_for_session(db, caller.account_id, version_id)
    except VersionNotFound:
        raise AlertVersionNotFound(field="version_id") from None
    if version.tree_id != tree.id:
        raise AlertVersionNotFound(field="version_id")
    await repository.dismiss(db, caller.account_id, tree.id, caller.user_id, version.id)
