"""The PostgreSQL-backed job queue (procrastinate) and its worker.

Jobs are deferred inside request transactions (see notifications.repository.defer_delivery);
the worker runs inside `serve` by default or alone as `troubletree worker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import procrastinate

from troubletree.core.config import Settings
from troubletree.core.db import Database, libpq_url

logger = logging.getLogger(__name__)

EMAIL_RETRY = procrastinate.RetryStrategy(max_attempts=10, wait=5, exponential_wait=2)


def build_job_app(settings: Settings, database: Database) -> procrastinate.App:
    """A job app bound to one database and one set of settings, with every task registered."""
    import troubletree.models_registry  # noqa: F401 - every table, for the ORM's flush order
    from troubletree.auth.service import send_reset_link
    from troubletree.core.client import ClientInfo
    from troubletree.notifications.repository import (
        DELIVER_EMAIL_TASK,
        EMAIL_QUEUE,
        PASSWORD_RESET_TASK,
    )
    from troubletree.notifications.service import deliver
    from troubletree.sessions.handoff import HANDOFF_RETRY, HANDOFF_TASK, deliver_handoff

    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(database.url), min_size=1, max_size=4
    )
    app = procrastinate.App(connector=connector)

    async def deliver_email(email_id: int) -> None:
        await deliver(settings, database.sessionmaker, email_id)

    async def password_reset(email: str, ip: str, user_agent: str | None) -> None:
        async with database.sessionmaker() as db, db.begin():
            await send_reset_link(db, settings, email, ClientInfo(ip=ip, user_agent=user_agent))

    async def escalation_handoff(context: procrastinate.JobContext, handoff_id: str) -> None:
        # The queue gives up once a job has failed `max_attempts` times after its first run.
        attempts = context.job.attempts if context.job else 0
        last = attempts >= (HANDOFF_RETRY.max_attempts or 0)
        await deliver_handoff(
            settings, database.sessionmaker, uuid.UUID(handoff_id), last_attempt=last
        )

    app.task(name=DELIVER_EMAIL_TASK, queue=EMAIL_QUEUE, retry=EMAIL_RETRY)(deliver_email)
    app.task(name=HANDOFF_TASK, queue=EMAIL_QUEUE, retry=HANDOFF_RETRY, pass_context=True)(
        escalation_handoff
    )
    app.task(name=PASSWORD_RESET_TASK, queue=EMAIL_QUEUE, retry=EMAIL_RETRY)(password_reset)
    return app


# A worker that sent no heartbeat for this long is taken for dead (procrastinate's workers
# beat every 10 s), and the jobs it was running are queued again.
STALLED_AFTER_SECONDS = 60
STALLED_CHECK_SECONDS = 60


async def requeue_stalled(app: procrastinate.App) -> int:
    """Queues again the jobs a dead worker (killed, crashed, its machine gone) left running:
    without this they would stay `doing` forever. Their tasks are written to be run again (a
    message already sent is not sent twice). Returns how many were requeued."""
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS)
    count = 0
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
        except procrastinate.exceptions.ConnectorException:
            continue  # another worker queued it again first (it is no longer `doing`)
        logger.warning("job %s (%s) of a dead worker queued again", job.id, job.task_name)
        count += 1
    return count


async def _requeue_stalled_forever(app: procrastinate.App) -> None:
    while True:
        await asyncio.sleep(STALLED_CHECK_SECONDS)
        try:
            await requeue_stalled(app)
        except Exception:  # the database may be away for a while: try again later
            logger.exception("could not look for jobs of dead workers")


async def run_worker(app: procrastinate.App, *, wait: bool = True, **options: Any) -> None:
    """Runs the worker; with wait=False it returns once the queues are empty. Jobs left
    running by a dead worker are queued again first, and every minute while it waits."""
    async with app.open_async():
        await requeue_stalled(app)
        watcher = asyncio.create_task(_requeue_stalled_forever(app)) if wait else None
        try:
            await app.run_worker_async(
                wait=wait, install_signal_handlers=False, listen_notify=wait, **options
            )
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
