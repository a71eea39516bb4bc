"""Escalation hand-off: a session completed as escalated is mailed, with its PDF transcript
attached, to the account's escalation address.

`queue_handoff` runs in the request that completes the session: the hand-off row and its
delivery job (procrastinate) are written in that transaction, so they exist exactly when the
escalation does, and a crash of the server or the worker loses neither (the job stays in the
queue until a worker finishes it; a job a dead worker held is queued again, `core/jobs.py`).
`deliver_handoff` runs in the job worker: it renders the transcript, sends the mail and records
the outcome on the hand-off row, which the session's API view shows (`handoff`). A failed
attempt is recorded and raised, so the queue retries it with exponential backoff; after the
last attempt the hand-off is `failed`.
"""

from __future__ import annotations

import logging
import uuid

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troubletree.accounts import repository as accounts_repository
from troubletree.core.clock import utcnow
from troubletree.core.config import Settings
from troubletree.core.offload import shared_pool
from troubletree.notifications import repository as outbox
from troubletree.notifications import templates
from troubletree.notifications.service import Attachment, send_message
from troubletree.sessions import repository
from troubletree.sessions.export import render_off_loop, transcript_filename
from troubletree.sessions.models import HandoffStatus
from troubletree.sessions.presenter import load_record
from troubletree.sessions.transcript import build_transcript

logger = logging.getLogger(__name__)

HANDOFF_TASK = "deliver_escalation_handoff"
# Retry n waits 5 s + 2^(n+1) s (7 s, 9 s, 13 s, ... 68 min): 12 retries over about 2.3 hours.
HANDOFF_RETRY = procrastinate.RetryStrategy(max_attempts=12, wait=5, exponential_wait=2)


async def queue_handoff(db: AsyncSession, account_id: uuid.UUID, session_id: uuid.UUID) -> None:
    """In the completing transaction: the hand-off and its job, when the account names an
    escalation address (otherwise nothing)."""
    account = await accounts_repository.get_account(db, account_id)
    if account is None or not account.escalation_email:
        return
    handoff_id = await repository.add_handoff(db, account_id, session_id, account.escalation_email)
    await outbox.defer_job(db, outbox.EMAIL_QUEUE, HANDOFF_TASK, {"handoff_id": str(handoff_id)})


async def deliver_handoff(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    handoff_id: uuid.UUID,
    *,
    last_attempt: bool,
) -> None:
    """One delivery attempt (the job's body); raises on failure so the queue retries."""
    async with sessionmaker() as db:
        handoff = await repository.get_handoff_by_id(db, handoff_id)
        if handoff is None or handoff.status == HandoffStatus.sent:
            return  # the session is gone, or an earlier attempt sent it and its ack was lost
        session = await repository.get_session(db, handoff.account_id, handoff.session_id)
        if session is None:
            return
        transcript = await build_transcript(db, await load_record(db, session))
        to = handoff.to_address
    try:
        pool = shared_pool(settings.export_workers, settings.export_queue_limit)
        pdf = await render_off_loop(pool, transcript, "pdf")
        message = templates.escalation_handoff(
            tree_title=transcript.tree_title,
            version_number=transcript.version_number,
            technician=transcript.technician,
            outcome_label=transcript.outcome_label,
            resolution_note=transcript.resolution_note,
            link=f"{settings.link_base_url}/sessions/{session.id}",
        )
        attachment = Attachment(
            transcript_filename(transcript.tree_title, str(session.id), "pdf"),
            pdf,
            "application",
            "pdf",
        )
        via = await send_message(settings, to, message.subject, message.body, [attachment])
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        status = HandoffStatus.failed if last_attempt else HandoffStatus.pending
        async with sessionmaker() as db, db.begin():
            await repository.mark_handoff(db, handoff_id, status=status.value, last_error=error)
        logger.warning("escalation hand-off %s not delivered: %s", handoff_id, error)
        raise
    async with sessionmaker() as db, db.begin():
        await repository.mark_handoff(
            db,
            handoff_id,
            status=HandoffStatus.sent.value,
            delivered_via=via,
            last_error=None,
            sent_at=utcnow(),
        )
