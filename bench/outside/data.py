"""The outside benchmark's data, in a database of its own.

The demo account (`troubletree.demo.seed`: three users, five published trees, a few sessions),
plus a published 200-node tree, a published two-node loop tree for the step endpoint (its
question can be answered again and again), and 1,000,000 completed sessions of the technician
written with one `generate_series` insert, so history pages have a deep end. Everything but
the bulk insert goes through the app's own services, so the data obeys the product's rules.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import psycopg

from troubletree.accounts.caller import Caller
from troubletree.accounts.models import Role
from troubletree.core.client import ClientInfo
from troubletree.core.config import Settings
from troubletree.core.db import Database, libpq_url, set_database
from troubletree.core.migrate import upgrade
from troubletree.core.offload import CpuPool
from troubletree.core.pagination import encode_cursor
from troubletree.demo import seed
from troubletree.trees import service as trees_service
from troubletree.trees.graph import Graph
from troubletree.trees.schemas import TreeCreate

LOOP_GRAPH: dict[str, Any] = {
    "start": "q1",
    "variables": [],
    "nodes": [
        {
            "id": "q1",
            "kind": "question",
            "title": "Is the status light on?",
            "body": "Look at the front panel.",
            "options": [
                {"id": "again", "label": "Check again", "next": "q1"},
                {"id": "done", "label": "Yes", "next": "s1"},
            ],
        },
        {"id": "s1", "kind": "solution", "title": "Solved"},
    ],
}


def big_graph(nodes: int = 200) -> dict[str, Any]:
    """`nodes` nodes: a chain of questions, each with a way out to a solution of its own."""
    questions = nodes // 2
    graph_nodes: list[dict[str, Any]] = []
    for i in range(questions):
        options = [{"id": f"fix{i}", "label": f"Fixed by step {i}", "next": f"s{i}"}]
        if i + 1 < questions:
            options.insert(0, {"id": f"no{i}", "label": "Still failing", "next": f"q{i + 1}"})
        graph_nodes.append(
            {
                "id": f"q{i}",
                "kind": "question",
                "title": f"Step {i}: check component {i}",
                "body": f"Inspect component {i} of the unit. " * 6,
                "options": options,
            }
        )
    for i in range(nodes - questions):
        graph_nodes.append(
            {
                "id": f"s{i}",
                "kind": "solution",
                "title": f"Replace component {i}",
                "body": "Order the part and close the ticket.",
            }
        )
    return {"start": "q0", "variables": [], "nodes": graph_nodes}


@dataclass
class BenchData:
    database_url: str
    account_id: str
    technician_id: str
    technician_email: str
    technician_password: str
    demo_tree_id: str
    big_tree_id: str
    loop_tree_id: str
    loop_version_id: str
    search_query: str
    deep_cursor: str
    sessions: int

    def dump(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def load(cls, text: str) -> BenchData:
        return cls(**json.loads(text))


def ensure_database(server_url: str, name: str, *, fresh: bool) -> tuple[str, bool]:
    """The database `name` on the server (created when missing, or dropped and created again
    with `fresh`); returns its URL and whether it already held the bench's data."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = server_url.rsplit("/", 1)[0] + "/" + name
    if not exists:
        return url, False
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT to_regclass('public.bench_data') IS NOT NULL").fetchone()
    return url, bool(found and found[0])


async def build(url: str, settings: Settings, sessions: int) -> BenchData:
    upgrade(url)
    database = Database(url, settings, pool_size=2)
    set_database(database)
    try:
        async with database.sessionmaker() as db, db.begin():
            demo = await seed(db, settings)
            technician_email, technician_password = next(
                (email, password) for role, email, password in demo.users if role == "technician"
            )
            engineer_row = (
                await db.execute(
                    _sql(
                        "SELECT u.id, u.full_name, u.email, m.account_id FROM users u "
                        "JOIN memberships m ON m.user_id = u.id WHERE m.role = 'engineer'"
                    )
                )
            ).one()
            engineer = Caller(
                engineer_row.id,
                engineer_row.account_id,
                Role.engineer,
                engineer_row.full_name,
                engineer_row.email,
            )
            made: list[uuid.UUID] = []
            for title, graph in (
                ("Two hundred checks", big_graph(200)),
                ("Status light loop", LOOP_GRAPH),
            ):
                tree = await trees_service.create_tree(
                    db,
                    engineer,
                    TreeCreate(
                        title=title,
                        description="Benchmark tree",
                        graph=Graph.model_validate(graph),
                    ),
                )
                await trees_service.publish_tree(
                    db,
                    engineer,
                    tree.id,
                    changelog="First version",
                    base_revision=None,
                    client=ClientInfo(ip="127.0.0.1"),
                    pool=CpuPool(workers=1, queue_limit=0),  # 200 nodes: checked in process
                )
                made.append(tree.id)
    finally:
        set_database(None)
        await database.dispose()

    conn = await asyncpg.connect(libpq_url(url))
    try:
        technician = await conn.fetchrow(
            "SELECT u.id, m.account_id FROM users u JOIN memberships m ON m.user_id = u.id "
            "WHERE u.email = $1",
            technician_email,
        )
        # The demo's first tree: the one the history rows run and "a published tree" reads.
        demo_tree = await conn.fetchrow(
            "SELECT id, current_version_id FROM trees WHERE account_id = $1 "
            "AND id <> ALL($2::uuid[]) ORDER BY created_at, id LIMIT 1",
            technician["account_id"],
            made,
        )
        loop_version = await conn.fetchval(
            "SELECT current_version_id FROM trees WHERE id = $1", made[1]
        )
        await conn.execute(
            """
            INSERT INTO troubleshooting_sessions (id, account_id, tree_id, tree_version_id,
                technician_id, created_by, status, variables, notes, outcome, search_text,
                answer_count, revision, created_at, started_at, completed_at, updated_at)
            SELECT gen_random_uuid(), $1, $2, $3, $4, $4, 'completed', '{}'::jsonb,
                   'call ' || g, (ARRAY['resolved','escalated','unresolved'])[1 + g % 3],
                   'call ' || g, 3, 4, ts, ts, ts + interval '9 minutes', ts
            FROM generate_series(1, $5) AS g,
                 LATERAL (SELECT now() - interval '3 years' * random() - interval '2 days'
                          + interval '0 seconds' * g AS ts) AS r
            """,
            technician["account_id"],
            demo_tree["id"],
            demo_tree["current_version_id"],
            technician["id"],
            sessions,
        )
        await conn.execute("ANALYZE")
        # The deep page starts half way down the technician's history.
        deep = await conn.fetchrow(
            "SELECT created_at, id FROM troubleshooting_sessions WHERE technician_id = $1 "
            "ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
            technician["id"],
            sessions // 2,
        )
        data = BenchData(
            database_url=url,
            account_id=str(technician["account_id"]),
            technician_id=str(technician["id"]),
            technician_email=technician_email,
            technician_password=technician_password,
            demo_tree_id=str(demo_tree["id"]),
            big_tree_id=str(made[0]),
            loop_tree_id=str(made[1]),
            loop_version_id=str(loop_version),
            search_query="printer",
            deep_cursor=encode_cursor("sessions", deep["created_at"], deep["id"]),
            sessions=sessions,
        )
        await conn.execute("CREATE TABLE bench_data (body text NOT NULL)")
        await conn.execute("INSERT INTO bench_data VALUES ($1)", data.dump())
        return data
    finally:
        await conn.close()


async def load(url: str) -> BenchData:
    conn = await asyncpg.connect(libpq_url(url))
    try:
        return BenchData.load(await conn.fetchval("SELECT body FROM bench_data"))
    finally:
        await conn.close()


def _sql(statement: str) -> Any:
    from sqlalchemy import text

    return text(statement)


def decode_cursor_key(cursor: str) -> list[Any]:
    """For checks: the JSON a history cursor carries."""
    return list(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))))
