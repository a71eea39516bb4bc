"""The two servers under test, each its own process tree: the app as production runs it and the
ceiling app, both behind uvicorn with N workers, uvloop and httptools."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent

# Production settings, with what a benchmark needs on top: one address signs in thousands of
# times (the per-address limits would refuse it after 20), and tokens outlive the run.
APP_ENV = {
    "ENVIRONMENT": "production",
    "LOG_LEVEL": "WARNING",  # the per-request access line is INFO: off, like uvicorn's own
    "RATE_LIMIT_LOGIN_IP": "100000000/minute",
    "RATE_LIMIT_LOGIN_PAIR": "100000000/minute",
    "RATE_LIMIT_LOGIN_ACCOUNT": "100000000/minute",
    "ACCESS_TOKEN_TTL_SECONDS": str(12 * 3600),
    # Mail goes through `troubletree worker` processes of their own, as in the README's
    # deployment: nothing else then sends statements to the bench database while it counts.
    "RUN_WORKER_IN_PROCESS": "false",
    # A pool that keeps its connections (the default 10 + 20 overflow closes an overflow
    # connection on every return once 10 are in use), of the ceiling's size: the shared
    # server's max_connections has room for both sides.
    "DB_POOL_SIZE": "20",
    "DB_MAX_OVERFLOW": "0",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The worker processes (children of uvicorn's supervisor that serve requests)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        # uvicorn's multiprocessing spawns a resource tracker too: keep the ones running uvicorn.
        found = []
        for pid in pids:
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"multiprocessing.resource_tracker" not in cmdline:
                    found.append(pid)
        return found or [self.process.pid]

    def cpu_seconds(self) -> float:
        """User and system CPU time of the workers so far (the supervisor does no work)."""
        ticks = 0
        for pid in self.workers():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _wait_ready(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: see {server.log}")
        try:
            if httpx.get(server.base + path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{server.name} did not start: see {server.log}")


def start_app(database_url: str, secret_key: str, workers: int) -> Server:
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="tt-bench-app-")
    env = {
        **os.environ,
        **APP_ENV,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "TROUBLETREE_DATA_DIR": data_dir,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = Path(data_dir) / "server.log"
    process = subprocess.Popen(
        [
            str(BIN / "troubletree"),
            "serve",
            "--no-migrate",
            "--workers",
            str(workers),
            "--port",
            str(port),
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    server = Server("app", process, port, log)
    _wait_ready(server, "/healthz")
    time.sleep(1.5)  # the second worker finishes its start-up
    return server


def start_ceiling(database_url: str, secret_key: str, workers: int) -> Server:
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="tt-bench-ceiling-")
    env = {
        **os.environ,
        "CEILING_DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "PYTHONPATH": str(HERE),
    }
    log = Path(data_dir) / "server.log"
    process = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "ceiling:app",
            "--workers",
            str(workers),
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--no-server-header",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    server = Server("ceiling", process, port, log)
    _wait_ready(server, "/healthz")
    time.sleep(1.5)
    return server


@contextlib.contextmanager
def both(database_url: str, workers: int) -> Iterator[tuple[Server, Server]]:
    key = secrets.token_urlsafe(48)
    app = start_app(database_url, key, workers)
    try:
        ceiling = start_ceiling(database_url, key, workers)
    except BaseException:
        app.stop()
        raise
    try:
        yield app, ceiling
    finally:
        ceiling.stop()
        app.stop()
