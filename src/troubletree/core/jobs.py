"""The PostgreSQL-backed job queue (procrastinate) and its worker.

Jobs are deferred inside request transactions (see notifications.repository.defer_delivery);
the worker runs inside `serve` by default or alone as `troubletree worker`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import procrastinate

from troubletree.core.config import Settings
from troubletree.core.db import Database, libpq_url

logger = logging.getLogger(__name__)

RECOVER_STALLED_TASK = "recover_stalled_jobs"
EMAIL_RETRY = procrastinate.RetryStrategy(max_attempts=10, wait=5, exponential_wait=2)
FILES_QUEUE = "files"
REMOVE_FILES_TASK = "remove_stored_files"
FILES_RETRY = procrastinate.RetryStrategy(max_attempts=10, wait=10, exponential_wait=2)


def build_job_app(settings: Settings, database: Database) -> procrastinate.App:
    """A job app bound to one database and one set of settings, with every task registered."""
    import troubletree.models_registry  # noqa: F401 - every table, for the ORM's flush order
    from troubletree.attachments.service import remove_stored_files
    from troubletree.auth.service import send_reset_link
    from troubletree.core.client import ClientInfo
    from troubletree.notifications.repository import (
        DELIVER_EMAIL_TASK,
        EMAIL_QUEUE,
        PASSWORD_RESET_TASK,
    )
    from troubletree.notifications.service import deliver
    from troubletree.sessions.handoff import HANDOFF_RETRY, HANDOFF_TASK, deliver_handoff
    from troubletree.webhooks import delivery as webhook_delivery
    from troubletree.webhooks.repository import DELIVER_WEBHOOK_TASK, WEBHOOK_QUEUE

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

    async def deliver_webhook(delivery_id: str) -> None:
        # Retries are the delivery's own (backoff and a 24-hour window), not the queue's.
        await webhook_delivery.deliver(settings, database.sessionmaker, uuid.UUID(delivery_id))

    app.task(name=DELIVER_EMAIL_TASK, queue=EMAIL_QUEUE, retry=EMAIL_RETRY)(deliver_email)
    app.task(name=HANDOFF_TASK, queue=EMAIL_QUEUE, retry=HANDOFF_RETRY, pass_context=True)(
        escalation_handoff
    )
    app.task(name=PASSWORD_RESET_TASK, queue=EMAIL_QUEUE, retry=EMAIL_RETRY)(password_reset)
    app.task(name=DELIVER_WEBHOOK_TASK, queue=WEBHOOK_QUEUE)(deliver_webhook)

    @app.periodic(cron="* * * * *")
    @app.task(name=RECOVER_STALLED_TASK, queueing_lock=RECOVER_STALLED_TASK)
    async def recover_stalled(timestamp: int) -> None:
        await retry_stalled_jobs(app, settings.job_stalled_seconds)

    async def remove_files() -> None:
        await remove_stored_files(settings, database.sessionmaker)

    app.task(name=REMOVE_FILES_TASK, queue=FILES_QUEUE, retry=FILES_RETRY)(remove_files)
    return app


async def retry_stalled_jobs(app: procrastinate.App, stalled_seconds: float) -> int:
    """Jobs left `doing` by a worker that stopped sending heartbeats (killed, lost its host)
    go back to the queue: the work they were doing is done again (at least once)."""
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds)
    count = 0
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
        except procrastinate.exceptions.ConnectorException:
            continue  # another worker queued it again first (it is no longer `doing`)
        logger.warning("job %s (%s) of a dead worker queued again", job.id, job.task_name)
        count += 1
    return count


async def run_worker(
    app: procrastinate.App,
    *,
    wait: bool = True,
    stalled_seconds: float | None = None,
    **options: Any,
) -> None:
    """Runs the worker; with wait=False it returns once the queues are empty. On start it
    takes back the jobs of workers silent for `stalled_seconds` (then every minute, as a
    periodic job)."""
    async with app.open_async():
        if stalled_seconds is not None:
            await retry_stalled_jobs(app, stalled_seconds)
        await app.run_worker_async(
            wait=wait, install_signal_handlers=False, listen_notify=wait, **options
        )
