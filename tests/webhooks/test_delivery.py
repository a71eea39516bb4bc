"""Webhook delivery against a real HTTP receiver on loopback: signed, retried with backoff,
logged per attempt, sent again on request, and never lost to a killed worker."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import AppFactory, Fresh, client_for, make_settings
from tests.ops.servers import Process, app_environment
from tests.sessions.helpers import make_team
from tests.webhooks.helpers import completed_session, delivery_log, register_webhook
from tests.webhooks.receiver import receiver
from troubletree.core.db import Database
from troubletree.core.jobs import build_job_app, run_worker
from troubletree.webhooks import signing


async def work(database: Database, database_url: str, **overrides: object) -> None:
    """Runs the job worker until nothing is due (the in-process worker, made synchronous)."""
    settings = make_settings(database_url, **overrides)
    await run_worker(build_job_app(settings, database), wait=False, stalled_seconds=60)


@pytest.fixture
def app(make_app: AppFactory) -> FastAPI:
    return make_app(webhook_retry_base_seconds=0)


async def test_fails_three_times_then_delivers_signed_with_one_log_row_per_attempt(
    client: httpx.AsyncClient, database: Database, database_url: str, fresh: Fresh
) -> None:
    team = await make_team(client)
    with receiver(statuses=[500, 503, 502]) as hook:
        created = await register_webhook(client, team.admin_h, hook.url, "session.completed")
        session = await completed_session(client, team.admin_h)
        assert hook.requests == []  # queued, not sent inside the request
        await work(database, database_url, webhook_retry_base_seconds=0)

    assert len(hook.requests) == 4
    keys = {r.headers["Idempotency-Key"] for r in hook.requests}
    assert len(keys) == 1
    assert [r.headers["TroubleTree-Attempt"] for r in hook.requests] == ["1", "2", "3", "4"]
    assert len({r.body for r in hook.requests}) == 1  # the same bytes every time
    now = int(time.time())
    for r in hook.requests:
        assert signing.verify(created["secret"], r.headers["TroubleTree-Signature"], r.body, now)
        assert not signing.verify("whsec_other", r.headers["TroubleTree-Signature"], r.body, now)
    event = json.loads(hook.requests[-1].body)
    assert event["type"] == "session.completed"
    assert event["data"]["session"]["id"] == session["id"]
    assert event["data"]["transcript"]["outcome"] == "resolved"
    assert event["data"]["links"]["pdf"].endswith(f"/sessions/{session['id']}/export?format=pdf")

    [delivery] = await delivery_log(client, team.admin_h, created["id"])
    assert delivery["status"] == "delivered"
    assert delivery["id"] == keys.pop()
    assert [a["attempt"] for a in delivery["log"]] == [1, 2, 3, 4]
    assert [a["status_code"] for a in delivery["log"]] == [500, 503, 502, 200]
    assert all(
        a["duration_ms"] is not None and a["response_excerpt"] == "ok" for a in delivery["log"]
    )
    assert await fresh.val("SELECT count(*) FROM webhook_attempts") == 4

    # The PDF the payload links to, fetched with the caller's bearer token.
    pdf = await client.get(
        event["data"]["links"]["pdf"].removeprefix("http://testserver"), headers=team.admin_h
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


async def test_send_again_repeats_the_delivery_with_its_idempotency_key(
    client: httpx.AsyncClient, database: Database, database_url: str
) -> None:
    team = await make_team(client)
    with receiver() as hook:
        created = await register_webhook(client, team.admin_h, hook.url, "session.completed")
        await completed_session(client, team.admin_h)
        await work(database, database_url)
        [delivery] = await delivery_log(client, team.admin_h, created["id"])
        url = f"/api/v1/webhooks/{created['id']}/deliveries/{delivery['id']}/redeliver"
        assert (await client.post(url, headers=team.admin_h)).status_code == 202
        # Pending again: a second "send again" waits for this one.
        again = await client.post(url, headers=team.admin_h)
        assert again.status_code == 409
        assert again.json()["detail"]["code"] == "delivery_pending"
        await work(database, database_url)

    assert len(hook.requests) == 2
    assert (
        hook.requests[0].headers["Idempotency-Key"] == hook.requests[1].headers["Idempotency-Key"]
    )
    [delivery] = await delivery_log(client, team.admin_h, created["id"])
    assert delivery["status"] == "delivered"
    assert [a["attempt"] for a in delivery["log"]] == [1, 2]


async def test_retries_back_off_and_fail_after_the_window_then_the_endpoint_is_disabled(
    client: httpx.AsyncClient, database: Database, database_url: str, fresh: Fresh
) -> None:
    team = await make_team(client)
    slow = {"webhook_retry_base_seconds": 1000}
    with receiver(statuses=[500] * 10) as hook:
        created = await register_webhook(client, team.admin_h, hook.url, "session.completed")
        await completed_session(client, team.admin_h)
        await work(database, database_url, **slow)
        assert len(hook.requests) == 1
        # The next attempt waits for the backoff (1000 s after the first failure).
        wait = await fresh.val(
            "SELECT extract(epoch FROM scheduled_at - now()) FROM procrastinate_jobs "
            "WHERE task_name = 'deliver_webhook' AND status = 'todo'"
        )
        assert 900 < wait <= 1000
        # A day later: the next attempt is the last of the window.
        await fresh.execute(
            "UPDATE webhook_deliveries SET retry_window_start = now() - interval '25 hours'"
        )
        await fresh.execute(
            "UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours'"
        )
        await fresh.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"
        )
        await work(database, database_url, **slow)
        assert len(hook.requests) == 2

    [delivery] = await delivery_log(client, team.admin_h, created["id"])
    assert delivery["status"] == "failed"
    assert [a["status_code"] for a in delivery["log"]] == [500, 500]
    endpoint = (await client.get(f"/api/v1/webhooks/{created['id']}", headers=team.admin_h)).json()
    assert endpoint["is_active"] is False
    assert "24 hours" in endpoint["disabled_reason"]
    mails = await fresh.fetch(
        "SELECT to_address FROM outbox_emails WHERE kind = 'webhook_disabled'"
    )
    assert [m["to_address"] for m in mails] == [team.admin["email"]]
    assert (
        await fresh.val("SELECT count(*) FROM audit_events WHERE action = 'webhook_disabled'") == 1
    )
    # Disabled: new events are not queued for it.
    await completed_session(client, team.admin_h)
    assert await fresh.val("SELECT count(*) FROM webhook_deliveries") == 1


async def test_a_worker_killed_mid_delivery_loses_nothing(
    make_app: AppFactory, database: Database, database_url: str, fresh: Fresh, tmp_path: Path
) -> None:
    app = make_app()
    async with client_for(app) as client:
        team = await make_team(client)
        with receiver(hold_first=True) as hook:
            created = await register_webhook(client, team.admin_h, hook.url, "session.completed")
            await completed_session(client, team.admin_h)
            env = app_environment(database_url, tmp_path / "data")
            worker = Process(["worker"], env, tmp_path / "worker.log")
            try:
                for _ in range(600):
                    if hook.first_arrived.is_set() or worker.proc.poll() is not None:
                        break
                    await asyncio.sleep(0.1)
                assert hook.first_arrived.is_set(), worker.output()[-3000:]
                # Killed while the receiver holds the request: no answer was recorded.
                worker.signal(signal.SIGKILL)
                worker.proc.wait(10)
            finally:
                worker.stop()
            hook.release.set()
            [row] = await fresh.fetch("SELECT status, attempts FROM webhook_deliveries")
            assert (row["status"], row["attempts"]) == ("pending", 1)
            assert (
                await fresh.val(
                    "SELECT status FROM procrastinate_jobs WHERE task_name = 'deliver_webhook'"
                )
                == "doing"
            )
            # Time passes: the dead worker's heartbeat grows old; a worker comes back.
            await fresh.execute(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'"
            )
            await work(database, database_url)

        assert len(hook.requests) == 2
        assert (
            hook.requests[0].headers["Idempotency-Key"]
            == hook.requests[1].headers["Idempotency-Key"]
        )
        [delivery] = await delivery_log(client, team.admin_h, created["id"])
        assert delivery["status"] == "delivered"
        first, second = delivery["log"]
        assert first["status_code"] is None and "interrupted" in first["error"]
        assert second["status_code"] == 200
