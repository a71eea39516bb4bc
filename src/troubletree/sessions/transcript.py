"""A session's transcript assembled from its step log (rendering is `export.py`'s, pure)."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.attachments import repository as attachments_repository
from troubletree.attachments.storage import Storage, StoredFileMissing
from troubletree.auth import repository as auth_repository
from troubletree.sessions import navigator
from troubletree.sessions.export import Transcript, TranscriptFile, TranscriptStep
from troubletree.sessions.models import SessionStatus
from troubletree.sessions.presenter import Loaded, session_read


async def build_transcript(
    db: AsyncSession, loaded: Loaded, storage: Storage | None = None
) -> Transcript:
    """The transcript of a session: every answer, automatic step and back-step in order with
    the time spent, the intake values by label, notes, outcome and files (with `storage`, the
    photos' thumbnails)."""
    read = await session_read(db, loaded)
    # "Prepared by" names whoever set the session up for another person, never the technician.
    preparer = loaded.session.created_by
    creator = (
        await auth_repository.get_user(db, preparer)
        if preparer is not None and preparer != loaded.session.technician_id
        else None
    )
    titles: dict[tuple[uuid.UUID, str], str] = {}

    async def title_of(version_id: uuid.UUID, node_id: str) -> str:
        key = (version_id, node_id)
        if key not in titles:
            node = await loaded.graphs.node(version_id, node_id)
            titles[key] = navigator.interpolate(
                node.title, loaded.definitions, loaded.session.variables, markdown=False
            )
        return titles[key]

    steps: list[TranscriptStep] = []
    numbers: list[tuple[int, int]] = []  # (seq of the event, its transcript step)
    events = loaded.steps
    for i, event in enumerate(events):
        arrived_at = events[i - 1].created_at if i else event.created_at
        if event.kind == "start":
            continue
        numbers.append((event.seq, len(steps) + 1))
        if event.kind == "back":
            question = await title_of(event.to_version_id, event.to_node_id)
            steps.append(
                TranscriptStep(
                    len(steps) + 1, "back", question, question, event.note, event.created_at, None
                )
            )
            continue
        assert event.version_id is not None
        assert event.node_id is not None
        question = await title_of(event.version_id, event.node_id)
        spent = (event.created_at - arrived_at).total_seconds()
        steps.append(
            TranscriptStep(
                len(steps) + 1,
                event.kind,
                question,
                event.answer_label,
                event.note,
                event.created_at,
                max(0.0, spent),
            )
        )
    if read.status == SessionStatus.completed and loaded.position.path:
        last = loaded.position.current
        steps.append(
            TranscriptStep(
                len(steps) + 1,
                "current",
                await title_of(last.version_id, last.node_id),
                None,
                None,
                last.arrived_at,
                None,
            )
        )
    labels = {v.name: v.label for v in loaded.definitions}
    transcript = Transcript(
        session_id=str(read.id),
        tree_title=read.tree_title,
        version_number=read.version_number,
        technician=f"{read.technician.full_name} ({read.technician.email})",
        created_by=f"{creator.full_name} ({creator.email})" if creator else None,
        status=read.status.value,
        created_at=read.created_at,
        started_at=read.started_at,
        completed_at=read.completed_at,
        outcome=read.outcome.value if read.outcome else None,
        resolution_note=read.resolution_note,
        notes=read.notes,
        outcome_label=read.outcome_label,
        abandon_reason=read.abandon_reason.value if read.abandon_reason else None,
        abandon_note=read.abandon_note,
        variables=[(labels.get(k, k), _show(v)) for k, v in read.variables.items()],
        steps=steps,
        files=await _files(db, loaded, storage, numbers, len(steps)),
    )
    return transcript


async def _files(
    db: AsyncSession,
    loaded: Loaded,
    storage: Storage | None,
    numbers: list[tuple[int, int]],
    last_number: int,
) -> list[TranscriptFile]:
    """The session's files, each at the step that left the node it was taken at (or the last
    step, for the node the session ended on)."""
    session = loaded.session
    rows = await attachments_repository.list_for_session(db, session.account_id, session.id)
    files: list[TranscriptFile] = []
    for row in rows:
        number: int | None = None
        if row.at_seq is not None:
            later = [n for seq, n in numbers if seq > row.at_seq]
            number = later[0] if later else (last_number or None)
        thumbnail = None
        if storage is not None and row.thumbnail_key is not None:
            with contextlib.suppress(StoredFileMissing):
                thumbnail = await storage.get(row.thumbnail_key)
        files.append(TranscriptFile(row.filename, row.kind, row.file_bytes, number, thumbnail))
    return files


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
