"""The PostgreSQL-backed job queue (procrastinate) and its worker.

Jobs are deferred inside request transactions (see notifications.repository.defer_delivery);
the worker runs inside `serve` by default or alone as `troubletree worker`.
"""

from __future__ import annotations

import logging
from typing import Any

import procrastinate

from troubletree.core.config import Settings
from troubletree.core.db import Database, libpq_url

logger = logging.getLogger(__name__)

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

    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(database.url), min_size=1, max_size=4
    )
    app = procrastinate.App(connector=connector)

    async def deliver_email(email_id: int) -> None:
        await deliver(settings, database.sessionmaker, email_id)

    async def password_reset(email: str, ip: str, user_agent: str | None) -> None:
        async with database.sessionmaker() as db, db.begin():
            await send_reset_link(db, settings, email, ClientInfo(ip=ip, user_agent=user_agent))

    app.task(name=DELIVER_EMAIL_TASK, queue=EMAIL_QUEUE, retry=EMAIL_RETRY)(deliver_email)
    app.task(name=PASSWORD_RESET_TASK, queue=EMAIL_QUEUE, retry=EMAIL_RETRY)(password_reset)

    async def remove_files() -> None:
        await remove_stored_files(settings, database.sessionmaker)

    app.task(name=REMOVE_FILES_TASK, queue=FILES_QUEUE, retry=FILES_RETRY)(remove_files)
    return app


async def run_worker(app: procrastinate.App, *, wait: bool = True, **options: Any) -> None:
    """Runs the worker; with wait=False it returns once the queues are empty."""
    async with app.open_async():
        await app.run_worker_async(
            wait=wait, install_signal_handlers=False, listen_notify=wait, **options
        )
