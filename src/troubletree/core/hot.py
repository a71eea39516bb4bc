"""Hot statements: written with SQLAlchemy Core in their repository like every other statement,
compiled once at import, and run on the asyncpg connection the request's session already holds.

Every request starts with the caller's lookup, and the busiest reads (a technician opening a
tree, the history page, the library page) are two or three cheap statements each. Through
`AsyncSession.execute` each statement costs the app more CPU than PostgreSQL spends on it (the
greenlet hop, the compiled-cache lookup, the execution context, result and row objects); the
outside benchmark measured it (bench/README.md). A `HotStatement` sends the same text with the
same parameters on the same connection, so the pool, the transaction and the statement log stay
what they were, and rows come back as asyncpg records (read by column name or position).

What it does not do, by design:
- no autoflush: a hot statement reads committed rows (and the request's own flushed ones); use
  them for reads, not after unflushed ORM changes;
- no type conversion: the constructor refuses a statement whose parameters or columns need one
  from SQLAlchemy (asyncpg's own codecs handle UUID, text, integers, booleans, timestamps and
  arrays, the same values SQLAlchemy would hand back);
- no lazy BEGIN: in a request that runs in a transaction, a hot statement sent before any
  SQLAlchemy statement runs as its own statement, as it would under READ COMMITTED as the
  transaction's first; after one, it runs inside the transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import ARRAY, Float, Numeric
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Select

from troubletree.core.availability import is_database_unavailable
from troubletree.core.db import READS_ONLY_INFO

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


class HotRow(asyncpg.Record):  # type: ignore[misc]  # asyncpg ships no stubs for Record
    """A row read by column name, as an item (`row["title"]`) or an attribute (`row.title`)
    like SQLAlchemy's rows."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class HotStatement:
    """One SELECT built once; `fetch`/`fetchrow` with its bound parameters by name."""

    __slots__ = ("fixed", "names", "sql")

    def __init__(self, stmt: Select[*tuple[Any, ...]]) -> None:
        compiled = stmt.compile(dialect=_DIALECT)
        self.sql: str = str(compiled)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        # The values the statement carries itself (literals such as `status != 'abandoned'`,
        # compiled as parameters), converted here once as SQLAlchemy would on every execution;
        # the caller passes the named ones, each required and each needing no conversion.
        self.fixed: dict[str, Any] = {}
        for name in self.names:
            bind = compiled.binds[name]
            if bind.expanding:
                raise TypeError(f"parameter {name!r} expands (IN): use = ANY(array) instead")
            # An array is sent as a list of its items: what counts is the items' conversion.
            bind_type = bind.type.item_type if isinstance(bind.type, ARRAY) else bind.type
            convert = bind_type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
            if not bind.required:
                value = bind.effective_value
                self.fixed[name] = value if convert is None or value is None else convert(value)
            elif convert is not None:
                raise TypeError(f"parameter {name!r} needs SQLAlchemy's conversion ({bind.type})")
        for column in stmt.selected_columns:
            if isinstance(column.type, Float | Numeric) and not column.type.asdecimal:
                continue  # a float: asyncpg's own, as SQLAlchemy hands it on
            impl = column.type.dialect_impl(_DIALECT)
            if impl.result_processor(_DIALECT, None) is not None:
                raise TypeError(f"column {column} needs SQLAlchemy's conversion ({column.type})")

    def _args(self, params: dict[str, Any]) -> Sequence[Any]:
        fixed = self.fixed
        return [fixed[name] if name in fixed else params[name] for name in self.names]

    async def fetch(self, db: AsyncSession, **params: Any) -> list[HotRow]:
        conn, driver = await _connection(db)
        try:
            rows: list[HotRow] = await driver.fetch(
                self.sql, *self._args(params), record_class=HotRow
            )
        except BaseException as exc:
            await _unless_usable(db, conn, exc)
            raise
        return rows

    async def fetchrow(self, db: AsyncSession, **params: Any) -> HotRow | None:
        conn, driver = await _connection(db)
        try:
            row: HotRow | None = await driver.fetchrow(
                self.sql, *self._args(params), record_class=HotRow
            )
        except BaseException as exc:
            await _unless_usable(db, conn, exc)
            raise
        return row


# A request that only reads (`core.db.reads_only`) keeps one connection from its first
# statement to its end, so its hot statements look the connection up once. A request in a
# transaction looks it up each time: a commit in the middle hands the session another one.
_DRIVER_INFO = "troubletree.hot.driver"


async def _connection(db: AsyncSession) -> tuple[AsyncConnection, asyncpg.Connection]:
    found: tuple[AsyncConnection, asyncpg.Connection] | None = db.info.get(_DRIVER_INFO)
    if found is not None:
        return found
    conn = await db.connection()
    pair = (conn, await _driver_connection(conn))
    if db.info.get(READS_ONLY_INFO):
        db.info[_DRIVER_INFO] = pair
    return pair


async def _unless_usable(db: AsyncSession, conn: AsyncConnection, exc: BaseException) -> None:
    """After a hot statement failed: a statement error PostgreSQL answered in full (bad input,
    a constraint) leaves the connection usable; anything else (the server going away, a lost
    or closed connection, the driver mid-operation, a cancellation) may leave it in the middle
    of a protocol exchange, so it is invalidated as SQLAlchemy would its own: the pool then
    opens a fresh one instead of handing this one to the next request."""
    if isinstance(exc, asyncpg.PostgresError) and not is_database_unavailable(exc):
        return
    db.info.pop(_DRIVER_INFO, None)
    with contextlib.suppress(Exception):
        await conn.invalidate(exc if isinstance(exc, Exception) else None)


async def _driver_connection(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under the session's pooled connection."""
    driver: asyncpg.Connection | None = (await conn.get_raw_connection()).driver_connection
    if driver is None:  # only a connection already closed or invalidated has none
        raise asyncpg.InterfaceError("the connection is closed")
    return driver
