"""The `troubletree` command: serve, worker, migrate, create-admin, db."""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.core.config import Settings, get_settings, served_url
from troubletree.core.db import (
    Database,
    embedded_status,
    resolve_database_url,
    set_database,
    stop_embedded_postgres,
)
from troubletree.core.security import SERVER_WORKERS_ENV

app = typer.Typer(help="TroubleTree: guided troubleshooting.", no_args_is_help=True)
db_app = typer.Typer(help="The embedded PostgreSQL server (used when DATABASE_URL is unset).")
app.add_typer(db_app, name="db")


def _settings() -> Settings:
    from troubletree.core.observability import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    return settings


def _database_url(settings: Settings) -> str:
    if settings.uses_embedded_database:
        typer.echo(f"Using the embedded PostgreSQL in {settings.data_dir.resolve()}")
    url = resolve_database_url(settings)
    settings.database_url = url  # the app reuses the server this process started
    return url


@app.command()
def migrate(revision: str = "head") -> None:
    """Apply database migrations (up to `revision`)."""
    from troubletree.core.migrate import upgrade

    settings = _settings()
    upgrade(_database_url(settings), revision)
    typer.echo("Database is up to date.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Uvicorn worker processes.")] = 1,
    no_migrate: Annotated[bool, typer.Option("--no-migrate", help="Skip migrations.")] = False,
) -> None:
    """Run the web app and API (and the job worker, unless RUN_WORKER_IN_PROCESS=false)."""
    import uvicorn

    from troubletree.core.migrate import upgrade
    from troubletree.main import create_app, freeze_startup_objects

    settings = _settings()
    address = served_url(host, port)
    if not settings.public_url:
        # Links in mails (invites, verification, reset) point where this server listens; the
        # environment carries it to worker processes too. Behind a proxy, set PUBLIC_URL.
        settings.public_url = os.environ["PUBLIC_URL"] = address
    url = _database_url(settings)
    if not no_migrate:
        upgrade(url)
    typer.echo(f"TroubleTree on {address}  (API docs: {address}/api/docs)")
    if settings.link_base_url != address:
        typer.echo(f"Links in mails point at PUBLIC_URL={settings.link_base_url}")
    # Uvicorn re-raises the signal that stopped it once it has shut down; a SIGTERM with its
    # default action would kill the process before exit hooks run and leave the embedded
    # PostgreSQL running. Turning it into a normal exit lets the server stop cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        # Logging is configured by the app (LOG_FORMAT); one line per request comes from the
        # app's request middleware (route template, request id, account), so uvicorn's access
        # log, which prints raw paths with their query strings, stays off.
        "log_config": None,
        "access_log": False,
        # No "Server: uvicorn" banner.
        "server_header": False,
        # create_app installs the proxy-header middleware with TRUSTED_PROXIES; uvicorn's own
        # copy (trusting 127.0.0.1 or FORWARDED_ALLOW_IPS) must not run as well.
        "proxy_headers": False,
        "forwarded_allow_ips": [],
        # SIGTERM: stop accepting, let requests in flight finish (up to the grace period).
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        # The C event loop and HTTP parser (uvicorn[standard]); named, so a missing one fails
        # at start instead of silently serving with the pure-Python ones.
        "loop": "uvloop",
        "http": "httptools",
    }
    if workers > 1:
        # Each worker process builds its own app from the environment: the database this
        # process resolved (the embedded server stays up while this supervisor runs) and the
        # key, so every worker signs and checks tokens alike. They keep their metrics in one
        # folder, so /metrics on any of them adds all of them up.
        os.environ["DATABASE_URL"] = url
        os.environ["SECRET_KEY"] = settings.ensure_secret_key()
        # The workers share the machine's cores for password hashing (core/security.py).
        os.environ[SERVER_WORKERS_ENV] = str(workers)
        typer.echo(f"{workers} worker processes; metrics in {_metrics_folder()}")
        uvicorn.run("troubletree.main:served_app", factory=True, workers=workers, **options)
        return
    web_app = create_app(settings)
    freeze_startup_objects()
    uvicorn.run(web_app, **options)


def _metrics_folder() -> str:
    """The folder several worker processes keep their metrics in (prometheus_client's
    multiprocess mode): PROMETHEUS_MULTIPROC_DIR emptied of an earlier run's files, or a new
    temporary folder removed at exit. Set in the environment before the workers start."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
    else:
        folder = Path(tempfile.mkdtemp(prefix="troubletree-metrics-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return str(folder)


@app.command()
def worker() -> None:
    """Run the background job worker on its own (email and webhook delivery)."""
    from troubletree.core.jobs import build_job_app, run_worker

    settings = _settings()
    if not settings.public_url:
        # Reset mails are written here; without PUBLIC_URL their links name the default address.
        unset = f"PUBLIC_URL is not set: links in mails point at {settings.link_base_url}"
        typer.echo(unset, err=True)
    url = _database_url(settings)

    async def main() -> None:
        database = Database(url, settings)
        set_database(database)
        try:
            await run_worker(
                build_job_app(settings, database), stalled_seconds=settings.job_stalled_seconds
            )
        finally:
            await database.dispose()

    asyncio.run(main())


ResultT = TypeVar("ResultT")


def _in_one_transaction(work: Callable[[AsyncSession, Settings], Awaitable[ResultT]]) -> ResultT:
    """Migrates the database, then runs `work` in one transaction (committed if it returns)
    with the app's database installed, as a request would see it."""
    from troubletree.core.migrate import upgrade

    settings = _settings()
    url = _database_url(settings)
    upgrade(url)

    async def main() -> ResultT:
        database = Database(url, settings, pool_size=2)
        set_database(database)
        try:
            async with database.sessionmaker() as db, db.begin():
                return await work(db, settings)
        finally:
            set_database(None)
            await database.dispose()

    return asyncio.run(main())


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True)],
    full_name: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create a platform superuser (with an account of their own)."""
    from troubletree.accounts.service import create_admin as create
    from troubletree.core.errors import AppError

    async def work(db: AsyncSession, settings: Settings) -> None:
        await create(db, settings, email=email, password=password, full_name=full_name)

    try:
        _in_one_transaction(work)
    except AppError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Created platform administrator {email}.")


@app.command("seed-demo")
def seed_demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the database has users.")
    ] = False,
) -> None:
    """Create a demo account: three users (passwords printed), five trees, a few sessions."""
    from troubletree.demo import DemoResult, is_empty, seed

    async def work(db: AsyncSession, settings: Settings) -> DemoResult | None:
        if not await is_empty(db):
            if if_empty:
                typer.echo("The database has users already: no demo data added.")
                return None
            typer.echo("Adding the demo account next to the existing data.")
        return await seed(db, settings)

    result = _in_one_transaction(work)
    if result is None:
        return
    typer.echo(
        f"Demo account {result.account!r}: {result.trees} trees, "
        f"{result.sessions} completed sessions. Sign in at {get_settings().link_base_url} as:"
    )
    for role, email, password in result.users:
        typer.echo(f"  {role:<11} {email:<36} password: {password}")


@db_app.command("status")
def db_status() -> None:
    """Show whether the embedded server is initialised and running."""
    settings = _settings()
    typer.echo(json.dumps(embedded_status(settings), indent=2))


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded server (it also stops when `serve` exits)."""
    settings = _settings()
    typer.echo("Stopped." if stop_embedded_postgres(settings) else "Not running.")


if __name__ == "__main__":
    app()
