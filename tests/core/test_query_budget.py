"""Round trips to PostgreSQL per request of each hot endpoint, against a budget.

Counted at the driver: every statement SQLAlchemy executes (`before_cursor_execute`: the
prepared statements of the repositories) plus everything asyncpg sends through its query
logger (the hot statements of core/hot.py, and the simple-protocol statements: BEGIN, COMMIT,
ROLLBACK, and a pool pre-ping's BEGIN, empty statement and ROLLBACK). The budgets are the
statements the work needs, the same the framework-free ceiling of bench/outside sends for the
same request (bench/RESULTS.md counts both from PostgreSQL's own log): a request over budget
fails here before it shows in a benchmark.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.conftest import TEST_PASSWORD
from tests.sessions.helpers import make_team, published_tree, start, step
from troubletree.core.db import Database

# Statements per request: what the work needs (see the module docstring).
BUDGETS = {
    "read a published tree": 3,  # caller; tree, category and version; tags
    "library list": 3,  # caller; a page of trees; their tags
    "history page": 2,  # caller; a page of sessions
    "search": 6,  # BEGIN; caller; SET LOCAL settings; probe; search; COMMIT
    "record a step": 7,  # BEGIN; caller; lock; steps; insert; update; COMMIT
    # BEGIN; caller; tree; session; step; use count; search text; webhook endpoints; COMMIT
    "start a session": 9,
    "login": 5,  # BEGIN; user; refresh token; audit row (sign-in); COMMIT
}


# asyncpg introspects a type the first time a connection meets it (with JIT turned off around
# it): once per connection, not per request, so a request that happens to get a new pool
# connection is not charged for it.
INTROSPECTION = ("typeinfo_tree", "set_config('jit'", "current_setting('jit')")


class Statements:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def query_logged(self, record: Any) -> None:
        if not any(marker in record.query for marker in INTROSPECTION):
            self.sent.append(record.query)


@contextlib.contextmanager
def counting(database: Database) -> Iterator[Statements]:
    statements = Statements()
    engine = database.engine.sync_engine

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.sent.append(statement)

    def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(statements.query_logged)

    def on_checkin(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.driver_connection.remove_query_logger(statements.query_logged)

    # A pool pre-ping runs before the checkout event: the ping itself attaches the logger.
    dialect = engine.dialect
    ping = dialect.do_ping

    def counted_ping(dbapi_connection: Any) -> bool:
        dbapi_connection.driver_connection.add_query_logger(statements.query_logged)
        return bool(ping(dbapi_connection))

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine.pool, "checkout", on_checkout)
    event.listen(engine.pool, "checkin", on_checkin)
    dialect.do_ping = counted_ping  # type: ignore[method-assign]
    try:
        yield statements
    finally:
        del dialect.do_ping  # the class's own again
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine.pool, "checkout", on_checkout)
        event.remove(engine.pool, "checkin", on_checkin)


async def sent_by(
    database: Database, request: Callable[[], Awaitable[httpx.Response]]
) -> list[str]:
    """The statements of the second of two identical requests (the first one warms the
    process-wide caches a running server has warm)."""
    first = await request()
    assert first.status_code < 400, first.text
    with counting(database) as statements:
        response = await request()
    assert response.status_code < 400, response.text
    return statements.sent


def within_budget(name: str, sent: list[str]) -> None:
    """Exactly the budget: more is a round trip the work does not need, fewer would mean a
    statement went past the counter (hot statements run on asyncpg directly, core/hot.py,
    and are seen by its query logger)."""
    shown = "\n".join(f"  {s.split(chr(10))[0][:100]}" for s in sent)
    assert len(sent) == BUDGETS[name], f"{name}: {len(sent)} statements\n{shown}"


@pytest.fixture
async def team_tree(client: httpx.AsyncClient) -> tuple[Any, str]:
    team = await make_team(client)
    return team, await published_tree(client, team.engineer_h)


async def test_reads_within_budget(
    client: httpx.AsyncClient, database: Database, team_tree: tuple[Any, str]
) -> None:
    team, tree_id = team_tree
    session = await start(client, team.tech_h, tree_id)
    await step(client, team.tech_h, session, "yes")
    h = team.tech_h
    cases = {
        "read a published tree": lambda: client.get(f"/api/v1/trees/{tree_id}", headers=h),
        "library list": lambda: client.get("/api/v1/trees", headers=h),
        "history page": lambda: client.get("/api/v1/sessions?limit=25", headers=h),
        "search": lambda: client.get("/api/v1/trees/search?q=printer", headers=h),
    }
    for name, request in cases.items():
        within_budget(name, await sent_by(database, request))


async def test_writes_within_budget(
    client: httpx.AsyncClient, database: Database, team_tree: tuple[Any, str]
) -> None:
    team, tree_id = team_tree
    h = team.tech_h
    sessions = [await start(client, h, tree_id) for _ in range(2)]
    turn = iter(sessions)
    within_budget(
        "record a step",
        await sent_by(
            database,
            lambda: client.post(
                f"/api/v1/sessions/{next(turn)['id']}/steps", headers=h, json={"option_id": "yes"}
            ),
        ),
    )
    body = {"tree_id": tree_id, "variables": {"device": "Printer"}}
    within_budget(
        "start a session",
        await sent_by(database, lambda: client.post("/api/v1/sessions", headers=h, json=body)),
    )
    credentials = {"email": team.tech["email"], "password": TEST_PASSWORD}
    within_budget(
        "login",
        await sent_by(database, lambda: client.post("/api/v1/auth/login/json", json=credentials)),
    )


async def test_the_count_sees_transaction_statements(
    client: httpx.AsyncClient, database: Database, team_tree: tuple[Any, str]
) -> None:
    """The counter is not blind to what the budgets are about: a request in a transaction
    shows its BEGIN and COMMIT."""
    team, _ = team_tree
    sent = await sent_by(
        database, lambda: client.get("/api/v1/trees/search?q=printer", headers=team.tech_h)
    )
    assert [s for s in sent if s.strip().upper() in {"BEGIN;", "BEGIN", "COMMIT;", "COMMIT"}]
