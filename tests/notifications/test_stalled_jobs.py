"""Jobs a dead worker left running are queued again, once, however many workers look."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import Fresh, make_settings
from tests.helpers import register
from troubletree.core.db import Database
from troubletree.core.jobs import build_job_app, retry_stalled_jobs


async def test_a_dead_workers_job_is_queued_again_once(
    client: httpx.AsyncClient, database: Database, database_url: str, fresh: Fresh
) -> None:
    await register(client)  # queues a verification mail
    worker_id = await fresh.val(
        "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '5 minutes') "
        "RETURNING id"
    )
    await fresh.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = $1", worker_id)
    live = await fresh.val(
        "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now()) RETURNING id"
    )
    apps = [build_job_app(make_settings(database_url), database) for _ in range(4)]
    for app in apps:
        await app.open_async()
    try:
        counts = await asyncio.gather(*(retry_stalled_jobs(app, 60) for app in apps))
        assert sorted(counts) == [0, 0, 0, 1]
        job = (await fresh.fetch("SELECT status, attempts FROM procrastinate_jobs"))[0]
        assert (job["status"], job["attempts"]) == ("todo", 1)
        # A job held by a live worker is left alone.
        await fresh.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = $1", live)
        assert await retry_stalled_jobs(apps[0], 60) == 0
        assert await fresh.val("SELECT status FROM procrastinate_jobs") == "doing"
    finally:
        for app in apps:
            await app.close_async()
