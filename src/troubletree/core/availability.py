"""Whether the database is reachable, as requests find out.

A request that cannot reach PostgreSQL (refused, timed out, connection lost, server shutting
down or starting up) answers 503 `database_unavailable` with Retry-After instead of a 500 and
a traceback. The outage is logged once: a warning when the first request fails, one info line
when a request commits again, nothing in between.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import TracebackType

import asyncpg
from sqlalchemy import exc as sa_exc

logger = logging.getLogger("troubletree.database")

RETRY_AFTER_SECONDS = 5
# PostgreSQL's connection exceptions (class 08), shutdown and start-up (57P01-57P03) and too
# many connections (53300): the server is not there for us, the request itself is fine.
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}
_DRIVER_MODULES = ("asyncpg", "sqlalchemy", "troubletree.core.db")


def _raised_in_driver(tb: TracebackType | None) -> bool:
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(_DRIVER_MODULES):
            return True
        tb = tb.tb_next
    return False


def is_database_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps) says the database cannot be reached."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.TimeoutError):  # no pooled connection came free in time
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, asyncpg.PostgresConnectionError | asyncpg.InterfaceError):
            return True
        # A server shutting down sends every idle connection a FATAL error and closes it: a
        # statement started on one in between finds the driver still reading that error.
        # (SQLAlchemy's own statements see it as a disconnect too.)
        if isinstance(current, asyncpg.InternalClientError):
            return True
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and (
            sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES
        ):
            return True
        if isinstance(current, OSError) and _raised_in_driver(current.__traceback__):
            return True  # refused, unreachable, or timed out while connecting
        nxt = getattr(current, "orig", None)
        current = (
            nxt if isinstance(nxt, BaseException) else (current.__cause__ or current.__context__)
        )
    return False


def _reason(exc: BaseException) -> str:
    """The driver's own message, first line only: never the statement or its parameters."""
    root = exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc
    lines = str(root).strip().splitlines()
    return f"{type(root).__name__}: {lines[0][:200]}" if lines else type(root).__name__


class Outage:
    """The process's view of the database: logs the start and the end of an outage once each."""

    def __init__(self) -> None:
        self.since: float | None = None
        # What else to say about an outage (the embedded server names itself when it stopped).
        self.explain: Callable[[], str] = lambda: ""

    def failed(self, exc: BaseException) -> None:
        if self.since is None:
            self.since = time.monotonic()
            reason = _reason(exc)
            logger.warning(
                "database unavailable (%s); answering 503 until it is back%s",
                reason,
                self.explain(),
            )

    def succeeded(self, started: float) -> None:
        """A request that began at `started` (monotonic) reached the database. Only one that
        began after the outage did ends it: a request already in flight when the server went
        away may still finish, and proves nothing about now."""
        if self.since is not None and started >= self.since:
            logger.info("database available again after %.1f s", time.monotonic() - self.since)
            self.since = None


outage = Outage()
