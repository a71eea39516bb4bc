"""Several replicas, as production runs them: two `troubletree serve` processes and one
`troubletree worker` behind haproxy (Debian's) on loopback, sharing PostgreSQL and Redis.

Shows: rate limits counted across replicas, a refresh and its grace-window retry answered by
different replicas with the same successor, every queued mail delivered exactly once although
three workers compete for the queue (both replicas run the in-process worker as well as
`troubletree worker`), and a replica killed with SIGKILL mid-load losing no acknowledged step.

Run alone with `make replicas` (or `pytest -m replicas -s`): it prints the counts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import KEEP_TABLES, TEST_PASSWORD, Mailbox, smtp_server
from tests.ops.servers import Process, Runner, app_environment, free_port, processes, serve

pytestmark = [pytest.mark.replicas, pytest.mark.timeout(240)]

LOGIN_LIMIT = 5  # per address, per minute, counted in Redis by both replicas


def _needed(what: str) -> None:
    """A missing tool fails the test in CI (`.ci/run` installs it) and skips it elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI (.ci/run installs it)")
    pytest.skip(f"{what} is not installed")


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def _redis(folder: Path) -> Iterator[str]:
    """The machine's Redis at 6379 when it answers, else a private redis-server."""
    if _answers(6379):
        yield "redis://127.0.0.1:6379/14"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        _needed("redis-server (apt-get install redis-server)")
        return
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - a fixed command
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            if _answers(port):
                break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


HAPROXY_CONFIG = """
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
    option forwardfor
frontend api
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /api/health
    http-response set-header X-Served-By %[srv_name]
    server a 127.0.0.1:{a} check inter 500ms fall 1 rise 2
    server b 127.0.0.1:{b} check inter 500ms fall 1 rise 2
"""


@dataclass
class Cluster:
    base_url: str
    database_url: str
    replicas: dict[str, Process]
    worker: Process


@pytest.fixture(autouse=True)
def _clean_database() -> None:
    """Replaces the suite's empty-after-every-test: the cluster's workers are registered in the
    job queue's tables for the whole module, so the tables are emptied once, at its end."""


def _empty_tables(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
            if name not in KEEP_TABLES
        ]
        conn.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )


@pytest.fixture(scope="module")
def mail() -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on loopback for the whole cluster's life."""
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def cluster(database_url: str, mail: tuple[Mailbox, int]) -> Iterator[Cluster]:
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        _needed("haproxy (apt-get install haproxy)")
    assert haproxy is not None
    folder = Path(tempfile.mkdtemp(prefix="tt-replicas-"))
    _, smtp_port = mail
    try:
        with _redis(folder) as redis_url, processes() as started:
            env = app_environment(
                database_url,
                folder / "data",
                REDIS_URL=redis_url,
                TRUSTED_PROXIES="127.0.0.1",
                RATE_LIMIT_LOGIN_IP=f"{LOGIN_LIMIT}/minute",
                RUN_WORKER_IN_PROCESS="true",
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp_port),
                SMTP_STARTTLS="false",
            )
            ports = {"a": free_port(), "b": free_port()}
            replicas = {}
            for name, port in ports.items():
                replicas[name] = serve(port, env, folder / f"{name}.log")
                started.append(replicas[name])
            worker = Process(["worker"], env, folder / "worker.log")
            started.append(worker)
            lb_port = free_port()
            config = folder / "haproxy.cfg"
            config.write_text(HAPROXY_CONFIG.format(port=lb_port, a=ports["a"], b=ports["b"]))
            balancer = subprocess.Popen(  # noqa: S603 - a fixed command
                [haproxy, "-db", "-f", str(config)],
                stdout=(folder / "haproxy.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
            try:
                base_url = f"http://127.0.0.1:{lb_port}"
                _wait_both_up(base_url)
                yield Cluster(base_url, database_url, replicas, worker)
            finally:
                balancer.terminate()
                balancer.wait(10)
    finally:
        _empty_tables(database_url)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_both_up(base_url: str) -> None:
    deadline = time.monotonic() + 30
    seen: set[str] = set()
    while time.monotonic() < deadline and seen != {"a", "b"}:
        with contextlib.suppress(httpx.HTTPError):
            r = httpx.get(f"{base_url}/api/health", timeout=2)
            if r.status_code == 200:
                seen.add(r.headers["x-served-by"])
        time.sleep(0.2)
    assert seen == {"a", "b"}, "the balancer did not reach both replicas"


def _address() -> str:
    """A fresh client address (the balancer forwards it; the replicas trust the balancer)."""
    return f"198.51.{secrets.randbelow(255)}.{secrets.randbelow(254) + 1}"


async def _register(client: httpx.AsyncClient) -> str:
    email = f"replica-{secrets.token_hex(5)}@example.com"
    r = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": TEST_PASSWORD, "full_name": "Replica"},
        headers={"X-Forwarded-For": _address()},
    )
    assert r.status_code == 202, r.text
    return email


async def test_rate_limits_are_counted_across_replicas(cluster: Cluster) -> None:
    async with httpx.AsyncClient(base_url=cluster.base_url, timeout=10) as client:
        email = await _register(client)
        address = _address()
        answers = []
        for _ in range(LOGIN_LIMIT + 1):
            r = await client.post(
                "/api/v1/auth/login/json",
                json={"email": email, "password": "not the password"},
                headers={"X-Forwarded-For": address},
            )
            answers.append((r.status_code, r.headers["x-served-by"]))
    print(f"\nreplicas: {LOGIN_LIMIT + 1} sign-ins through the balancer: {answers}")
    assert [status for status, _ in answers] == [401] * LOGIN_LIMIT + [429]
    assert {server for _, server in answers} == {"a", "b"}


async def test_refresh_retries_on_another_replica_get_the_same_successor(
    cluster: Cluster,
) -> None:
    pairs = same = 0
    async with httpx.AsyncClient(base_url=cluster.base_url, timeout=10) as client:
        email = await _register(client)
        for _ in range(5):
            r = await client.post(
                "/api/v1/auth/login/json",
                json={"email": email, "password": TEST_PASSWORD},
                headers={"X-Forwarded-For": _address()},
            )
            assert r.status_code == 200, r.text
            token = r.json()["refresh_token"]
            first, retry = [
                await client.post("/api/v1/auth/refresh", json={"refresh_token": token})
                for _ in range(2)
            ]
            assert first.status_code == retry.status_code == 200, (first.text, retry.text)
            assert first.headers["x-served-by"] != retry.headers["x-served-by"]
            pairs += 1
            same += first.json()["refresh_token"] == retry.json()["refresh_token"]
    print(f"\nreplicas: grace retries on the other replica: {same} of {pairs} same successor")
    assert same == pairs == 5


async def test_every_queued_mail_is_delivered_exactly_once(
    cluster: Cluster, mail: tuple[Mailbox, int]
) -> None:
    mailbox, _ = mail
    async with httpx.AsyncClient(base_url=cluster.base_url, timeout=10) as client:
        emails = [await _register(client) for _ in range(15)]  # a verification mail each
        for email in emails[:10]:  # and a reset mail for ten of them
            r = await client.post(
                "/api/v1/auth/password-reset/request",
                json={"email": email},
                headers={"X-Forwarded-For": _address()},
            )
            assert r.status_code == 202
    expected = len(emails) + 10
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and sum(len(mailbox.to(e)) for e in emails) < expected:  # noqa: ASYNC110 - the mailbox fills in another thread
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)  # a duplicate would arrive now
    per_address = Counter({e: len(mailbox.to(e)) for e in emails})
    delivered = sum(per_address.values())
    with psycopg.connect(cluster.database_url) as conn:
        attempts = conn.execute(
            "SELECT count(*), coalesce(sum(attempts), 0) FROM outbox_emails "
            "WHERE to_address = ANY(%s) AND sent_at IS NOT NULL",
            (emails,),
        ).fetchone()
    print(
        f"\nreplicas: {expected} mails queued, {delivered} delivered by 3 competing workers; "
        f"sent rows and attempts: {attempts}"
    )
    assert delivered == expected
    assert all(per_address[e] == (2 if i < 10 else 1) for i, e in enumerate(emails))
    assert attempts == (expected, expected)


async def test_a_replica_killed_mid_load_loses_no_acknowledged_step(cluster: Cluster) -> None:
    async with httpx.AsyncClient(base_url=cluster.base_url, timeout=10) as client:
        runner = await Runner.create(client)
        sessions = [await runner.new_session(client) for _ in range(4)]
    acknowledged: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    stop = asyncio.Event()

    async def steps(session_id: str) -> None:
        async with httpx.AsyncClient(base_url=cluster.base_url, timeout=10) as client:
            while not stop.is_set() and acknowledged[session_id] < 1000:
                try:
                    r = await runner.step(client, session_id)
                except httpx.TransportError as exc:
                    failures[type(exc).__name__] += 1
                    continue
                if r.status_code == 200:
                    acknowledged[session_id] += 1
                else:
                    failures[str(r.status_code)] += 1

    tasks = [asyncio.create_task(steps(s)) for s in sessions]
    await asyncio.sleep(2)
    cluster.replicas["b"].signal(signal.SIGKILL)
    killed_at = sum(acknowledged.values())
    await asyncio.sleep(3)
    stop.set()
    await asyncio.gather(*tasks)
    with psycopg.connect(cluster.database_url) as conn:
        found = dict(
            conn.execute(
                "SELECT session_id::text, count(*) FROM session_steps "
                "WHERE session_id::text = ANY(%s) AND option_id = 'again' GROUP BY session_id",
                (sessions,),
            ).fetchall()
        )
    lost = sum(max(0, n - found.get(s, 0)) for s, n in acknowledged.items())
    total = sum(acknowledged.values())
    print(
        f"\nreplicas: replica b killed after {killed_at} acknowledged steps; {total} acknowledged "
        f"in all, {sum(found.values())} found, lost {lost}; not acknowledged: {dict(failures)}"
    )
    assert lost == 0
    assert total > killed_at  # the other replica kept serving
