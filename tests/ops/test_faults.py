"""A database outage under load, against real processes: a private PostgreSQL (never the
machine's server) is stopped for 10 s while a few clients keep answering session steps through
a `troubletree serve` process; then the server gets a SIGTERM with a request in flight.

Run alone with `pytest -m faults -s` (it prints the counts)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.ops.servers import PrivatePostgres, Process, Runner, app_environment, free_port, serve

pytestmark = [pytest.mark.faults, pytest.mark.timeout(180)]

CLIENTS = 4
OUTAGE_SECONDS = 10
STEPS_PER_SESSION = 100


@dataclass
class Stack:
    postgres: PrivatePostgres
    database_url: str
    server: Process
    base_url: str


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    folder = Path(tempfile.mkdtemp(prefix="tt-faults-"))
    postgres = PrivatePostgres(folder)
    try:
        url = postgres.create_database("troubletree")
        port = free_port()
        server = serve(port, app_environment(url, folder / "data"), folder / "serve.log")
        try:
            yield Stack(postgres, url, server, f"http://127.0.0.1:{port}")
        finally:
            server.stop()
    finally:
        postgres.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Load:
    acknowledged: Counter[str] = field(default_factory=Counter)  # session id -> 200s
    statuses: Counter[int] = field(default_factory=Counter)
    unavailable_waits: list[float] = field(default_factory=list)
    bad_bodies: list[str] = field(default_factory=list)
    answered_at: list[tuple[float, int]] = field(default_factory=list)  # (finished, status)
    sessions: list[str] = field(default_factory=list)


async def _client(runner: Runner, base_url: str, load: Load, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        session_id = await runner.new_session(client)
        load.sessions.append(session_id)
        while not stop.is_set():
            if load.acknowledged[session_id] >= STEPS_PER_SESSION:
                with contextlib.suppress(AssertionError):  # 503 while the database is away
                    session_id = await runner.new_session(client)
                    load.sessions.append(session_id)
                continue
            started = time.monotonic()
            response = await runner.step(client, session_id)
            finished = time.monotonic()
            load.statuses[response.status_code] += 1
            load.answered_at.append((finished, response.status_code))
            if response.status_code == 200:
                load.acknowledged[session_id] += 1
            elif response.status_code == 503:
                load.unavailable_waits.append(finished - started)
                body = response.text
                if (
                    "Traceback" in body
                    or response.json()["detail"]["code"] != "database_unavailable"
                    or int(response.headers["retry-after"]) < 1
                ):
                    load.bad_bodies.append(body)
                await asyncio.sleep(0.1)
            else:
                load.bad_bodies.append(f"{response.status_code}: {response.text}")


async def test_database_outage_under_step_load(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as client:
        runner = await Runner.create(client)
    log_before = len(stack.server.output())
    load, stop = Load(), asyncio.Event()
    clients = [
        asyncio.create_task(_client(runner, stack.base_url, load, stop)) for _ in range(CLIENTS)
    ]
    await asyncio.sleep(2)
    await asyncio.to_thread(stack.postgres.stop)
    down_at = time.monotonic()
    await asyncio.sleep(OUTAGE_SECONDS)
    restart_at = time.monotonic()
    await asyncio.to_thread(stack.postgres.start)
    up_at = time.monotonic()  # pg_ctl -w returned: it accepts connections
    await asyncio.sleep(6)
    stop.set()
    await asyncio.gather(*clients)

    with psycopg.connect(stack.database_url) as conn:
        found = {
            str(sid): n
            for sid, n in conn.execute(
                "SELECT session_id, count(*) FROM session_steps "
                "WHERE option_id = 'again' GROUP BY session_id"
            )
        }
    acknowledged = sum(load.acknowledged.values())
    lost = sum(max(0, n - found.get(sid, 0)) for sid, n in load.acknowledged.items())
    during = [s for t, s in load.answered_at if down_at + 1 < t < restart_at]
    recovered = [t for t, s in load.answered_at if t > restart_at and s == 200]
    recovery = max(0.0, recovered[0] - up_at) if recovered else float("inf")
    log = stack.server.output()[log_before:]
    print(
        f"\nfaults: steps acknowledged {acknowledged}, steps found "
        f"{sum(found.get(s, 0) for s in load.acknowledged)}, lost {lost}; statuses "
        f"{dict(load.statuses)}; answered 503: {len(load.unavailable_waits)}, longest wait "
        f"{max(load.unavailable_waits, default=0):.3f} s; recovery {recovery:.2f} s after "
        f"PostgreSQL returned; outage log lines: "
        f"{log.count('database unavailable')} warning, {log.count('available again')} info"
    )
    assert load.bad_bodies == []
    assert set(load.statuses) <= {200, 503}
    assert lost == 0
    assert acknowledged > 0 and load.unavailable_waits
    assert during and set(during) == {503}  # while it was down, every answer was a 503
    assert max(load.unavailable_waits) < 2
    assert recovery < 5
    assert log.count("database unavailable") == 1
    assert log.count("database available again") == 1
    assert "Traceback" not in log


async def test_sigterm_lets_a_request_in_flight_finish(stack: Stack) -> None:
    """A step waiting on the session's row lock when SIGTERM arrives still gets its 200, and the
    server then exits cleanly."""
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        runner = await Runner.create(client)
        session_id = await runner.new_session(client)
        with psycopg.connect(stack.database_url) as lock:
            lock.execute(
                "SELECT 1 FROM troubleshooting_sessions WHERE id = %s FOR UPDATE", (session_id,)
            )
            in_flight = asyncio.create_task(runner.step(client, session_id))
            await asyncio.sleep(1)
            assert not in_flight.done()  # waiting on the lock
            stack.server.signal(signal.SIGTERM)
            await asyncio.sleep(1)
            assert stack.server.proc.poll() is None  # still finishing the request
            lock.rollback()  # releases the row lock
        response = await in_flight
    assert response.status_code == 200, response.text
    assert await asyncio.to_thread(stack.server.proc.wait, 15) == 0
