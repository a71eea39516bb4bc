"""Tree analytics at scale: one tree with 100,000 sessions (two published versions, 20
technicians, 180 days), the endpoint next to the same SQL run directly, and next to the same
figures computed from the step log alone.

Data comes from SQL `generate_series` (no API calls per session): every session walks a chain of
six questions; at question d it takes the way out to solution d (resolved), or goes on to the
escalation (escalated), or stops there (abandoned with a reason, or ended early as unresolved),
or is still running (3 %: the part the endpoint reads from the step log on every request).
The ended ones enter the rollups with one call of
`insight_record`, the function the trigger calls.

Reported per filter (whole tree, live version, last 30 days, one technician, resolved only):
p50/p95 of

- API: `GET /api/v1/trees/{id}/insights` through httpx's ASGI transport on `create_app()`;
- SQL: the statements that request ran (captured from the engine), replayed in one transaction
  on a plain asyncpg connection;
- step log: the same figures with the rollups unused (every session through `insight_*_of`),
  replayed the same way: what the rollups save.

Target: API p95 < 200 ms for every filter. Ratios API/SQL and step log/API.

Usage: .venv/bin/python bench/insights_bench.py [--sessions 100000] [--rounds 40] [--keep]
Creates its own database (tt_bench_*) on BENCH_DATABASE_URL / DATABASE_URL / 127.0.0.1:5432 and
drops it at the end. Results: bench/results/insights-<sessions>-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psycopg
from sqlalchemy import event

from troubletree.accounts.caller import Caller
from troubletree.accounts.models import Role
from troubletree.core.config import Settings
from troubletree.core.db import Database, libpq_url, replace_database
from troubletree.core.migrate import upgrade
from troubletree.insights import service
from troubletree.main import create_app
from troubletree.trees.repository import trees as tree_queries

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "benchmark passphrase 1"  # noqa: S105 - a throwaway database
DEPTH = 6
TECHNICIANS = 20
DAYS = 180
TARGET_P95_MS = 200.0


def chain_graph(title_suffix: str) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    for d in range(1, DEPTH + 1):
        onward = f"q{d + 1}" if d < DEPTH else "e"
        nodes.append(
            {
                "id": f"q{d}",
                "kind": "question",
                "title": f"Check {d}{title_suffix}",
                "options": [
                    {"id": "a", "label": "Still broken", "next": onward},
                    {"id": "b", "label": "Fixed", "next": f"s{d}"},
                ],
            }
        )
        nodes.append(
            {"id": f"s{d}", "kind": "solution", "title": f"Fixed at {d}", "outcome_label": "Fixed"}
        )
    nodes.append({"id": "e", "kind": "escalation", "title": "Escalate"})
    return {"start": "q1", "nodes": nodes}


# One row per session: its fate from a hash of its number. depth = where it stops (1..6).
SESSIONS_SQL = """
INSERT INTO troubleshooting_sessions (id, account_id, tree_id, tree_version_id, technician_id,
    created_by, status, outcome, outcome_label, abandon_reason, resolution_note, answer_count,
    created_at, started_at, completed_at, updated_at)
SELECT id, $1, $2, CASE WHEN i % 2 = 0 THEN $3::uuid ELSE $4::uuid END, tech, tech,
       CASE WHEN fate < 75 OR (fate >= 92 AND fate < 97) THEN 'completed'
            WHEN fate < 92 THEN 'abandoned' ELSE 'in_progress' END,
       CASE WHEN fate < 55 THEN 'resolved' WHEN fate < 75 THEN 'escalated'
            WHEN fate >= 92 AND fate < 97 THEN 'unresolved' END,
       CASE WHEN fate < 55 THEN 'Fixed' END,
       CASE WHEN fate >= 75 AND fate < 92 THEN
           (ARRAY['solved_elsewhere', 'customer_left', 'wrong_tree', 'other'])[1 + i % 4] END,
       CASE WHEN fate >= 92 AND fate < 97 THEN 'ended early' END,
       answers, at, at,
       CASE WHEN fate < 97 THEN at + make_interval(secs => 40 * (answers + 1) + i % 50) END, at
FROM (
    SELECT g AS i, md5('s' || g)::uuid AS id,
           (abs(hashtext('f' || g)) % 100) AS fate,
           1 + abs(hashtext('d' || g)) % 6 AS depth,
           (SELECT id FROM techs WHERE n = g % $5) AS tech,
           $6::timestamptz + make_interval(days => g % $7, secs => abs(hashtext('t' || g)) % 80000)
               AS at
    FROM generate_series(1, $8) AS g
) AS base
CROSS JOIN LATERAL (SELECT CASE WHEN fate >= 55 AND fate < 75 THEN 6
                                WHEN fate < 55 THEN depth ELSE depth - 1 END AS answers) AS a
"""

# Steps: start, answers "a" down the chain, then "b" (resolved) or "a" into the escalation.
STEPS_SQL = """
INSERT INTO session_steps (session_id, seq, kind, version_id, node_id, option_id, answer_label,
    to_version_id, to_node_id, path_index, created_at)
SELECT s.id, k, CASE WHEN k = 0 THEN 'start' ELSE 'answer' END,
       CASE WHEN k > 0 THEN s.tree_version_id END,
       CASE WHEN k > 0 THEN 'q' || k END,
       CASE WHEN k = 0 THEN NULL WHEN k = s.answer_count AND s.outcome = 'resolved' THEN 'b'
            ELSE 'a' END,
       CASE WHEN k = 0 THEN NULL WHEN k = s.answer_count AND s.outcome = 'resolved'
            THEN 'Fixed' ELSE 'Still broken' END,
       s.tree_version_id,
       CASE WHEN k = 0 THEN 'q1' WHEN k = s.answer_count AND s.outcome = 'resolved' THEN 's' || k
            WHEN k = 6 THEN 'e' ELSE 'q' || (k + 1) END,
       NULL, s.started_at + make_interval(secs => 40 * k + (abs(hashtext(s.id::text || k)) % 30))
FROM troubleshooting_sessions AS s
CROSS JOIN LATERAL generate_series(0, s.answer_count) AS k
"""


def bench_settings(url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        secret_key="bench-signing-key-" + "b" * 40,
        run_worker_in_process=False,
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        rate_limit_register_ip="100000/minute",
        rate_limit_login_ip="100000/minute",
        rate_limit_login_account="100000/hour",
        db_pool_size=5,
        cookie_secure=False,
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "max_ms": round(max(values), 2),
    }


class Recorder:
    """The statements the engine sends (asyncpg SQL and its processed arguments)."""

    def __init__(self, database: Database) -> None:
        self.on = False
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

        @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
        def _record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if self.on:
                self.statements.append((statement, tuple(params or ())))

    def take(self) -> list[tuple[str, tuple[Any, ...]]]:
        taken, self.statements = self.statements, []
        return taken


def _asyncpg_sql(statement: str) -> str:
    """SQLAlchemy's asyncpg dialect writes `$1::TYPE` already; nothing to change but spacing."""
    return statement


async def load(url: str, account_id: uuid.UUID, tree_id: uuid.UUID, v1: Any, v2: Any,
               sessions: int) -> dict[str, float]:  # fmt: skip
    conn = await asyncpg.connect(libpq_url(url))
    timings: dict[str, float] = {}
    try:
        await conn.execute(
            "CREATE TEMP TABLE techs AS SELECT n, gen_random_uuid() AS id "
            "FROM generate_series(0, $1 - 1) AS n",
            TECHNICIANS,
        )
        await conn.execute(
            "INSERT INTO users (id, email, password_hash, full_name) "
            "SELECT id, 'tech' || n || '@bench.example', 'x', 'Technician ' || n FROM techs"
        )
        await conn.execute(
            "INSERT INTO memberships (user_id, account_id, role) "
            "SELECT id, $1, 'technician' FROM techs",
            account_id,
        )
        first_day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        first_day -= timedelta(days=DAYS - 1)
        for name, sql, args in (
            ("sessions", SESSIONS_SQL,
             (account_id, tree_id, v1, v2, TECHNICIANS, first_day, DAYS, sessions)),
            ("steps", STEPS_SQL, ()),
        ):  # fmt: skip
            started = time.perf_counter()
            await conn.execute(sql, *args)
            timings[f"{name}_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        await conn.execute(
            "SELECT insight_record(ARRAY(SELECT id FROM troubleshooting_sessions "
            "WHERE status IN ('completed', 'abandoned') AND answer_count > 0), 1, false, -1)"
        )
        timings["rollups_s"] = round(time.perf_counter() - started, 1)
        await conn.execute("VACUUM ANALYZE")
        timings["steps"] = await conn.fetchval("SELECT count(*) FROM session_steps")
        timings["rollup_rows"] = await conn.fetchval(
            "SELECT (SELECT count(*) FROM insight_node_days) + (SELECT count(*) FROM "
            "insight_session_days) + (SELECT count(*) FROM insight_choice_days) + "
            "(SELECT count(*) FROM insight_path_days)"
        )
    finally:
        await conn.close()
    return timings


async def registered_ids(
    client: httpx.AsyncClient, email: str, password: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """The account and user a registration made (registration answers 202 with no body for
    everyone, so the ids come from signing in)."""
    token = (
        await client.post("/api/v1/auth/login/json", json={"email": email, "password": password})
    ).json()["access_token"]
    me = (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    return uuid.UUID(me["account"]["id"]), uuid.UUID(me["user"]["id"])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = libpq_url(
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"tt_bench_{secrets.token_hex(4)}"
    with psycopg.connect(replace_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = replace_database(server, name)
    print(f"database {name}")
    try:
        upgrade(url)
        settings = bench_settings(url)
        database = Database(url, settings, pool_size=5)
        recorder = Recorder(database)
        app = create_app(settings, database=database)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as client,
        ):
            email = f"bench-{secrets.token_hex(4)}@example.com"
            registered = await client.post(
                "/api/v1/auth/register",
                json={"email": email, "password": PASSWORD, "full_name": "Bench Admin",
                      "account_name": "Bench"},
            )  # fmt: skip
            registered.raise_for_status()
            token = (
                await client.post(
                    "/api/v1/auth/login/json", json={"email": email, "password": PASSWORD}
                )
            ).json()["access_token"]
            h = {"Authorization": f"Bearer {token}"}
            account_id, user_id = await registered_ids(client, email, PASSWORD)
            tree = (
                await client.post(
                    "/api/v1/trees", headers=h, json={"title": "Chain", "graph": chain_graph("")}
                )
            ).json()
            publish = f"/api/v1/trees/{tree['id']}/publish"
            v1 = (await client.post(publish, headers=h, json={})).json()
            await client.put(
                f"/api/v1/trees/{tree['id']}",
                headers=h,
                json={"graph": chain_graph(" again"), "base_revision": tree["draft_revision"]},
            )
            v2 = (await client.post(publish, headers=h, json={})).json()
            tree_id = uuid.UUID(tree["id"])
            timings = await load(url, account_id, tree_id, uuid.UUID(v1["id"]),
                                 uuid.UUID(v2["id"]), args.sessions)  # fmt: skip
            print(f"  data ready: {timings}")
            tech = (
                await client.get(f"/api/v1/trees/{tree_id}/insights/technicians", headers=h)
            ).json()[0]
            today = datetime.now(UTC).date()
            scenarios: list[tuple[str, dict[str, str]]] = [
                ("whole tree", {}),
                ("live version", {"version_id": v2["id"]}),
                ("last 30 days", {"date_from": str(today - timedelta(days=29))}),
                ("one technician", {"technician_id": tech["technician_id"]}),
                ("resolved only", {"outcome": "resolved"}),
            ]
            sql_conn = await asyncpg.connect(libpq_url(url))
            caller = Caller(user_id, account_id, Role.admin, "Bench Admin", email)

            async def replay(statements: list[tuple[str, tuple[Any, ...]]]) -> float:
                started = time.perf_counter()
                async with sql_conn.transaction():
                    for sql, params in statements:
                        await sql_conn.fetch(sql, *params)
                return (time.perf_counter() - started) * 1000

            rows = []
            for label, params in scenarios:
                recorder.on = True
                response = await client.get(f"/api/v1/trees/{tree_id}/insights", headers=h,
                                            params=params)  # fmt: skip
                response.raise_for_status()
                api_statements = recorder.take()
                async with database.sessionmaker() as db:
                    found = await tree_queries.get_tree(db, account_id, tree_id)
                    assert found is not None
                    f = service.InsightFilter(
                        version_id=uuid.UUID(params["version_id"]) if "version_id" in params
                        else None,
                        date_from=date.fromisoformat(params["date_from"])
                        if "date_from" in params else None,
                        technician_id=uuid.UUID(params["technician_id"])
                        if "technician_id" in params else None,
                        outcome=service.InsightOutcome(params["outcome"])
                        if "outcome" in params else None,
                    )  # fmt: skip
                    raw = await service.tree_insights(db, caller, found, f, raw=True)
                raw_statements = recorder.take()
                recorder.on = False
                fast = response.json()
                assert fast["totals"] == raw.model_dump(mode="json")["totals"], label
                api_ms, sql_ms, raw_ms = [], [], []
                for i in range(args.rounds):
                    started = time.perf_counter()
                    (await client.get(f"/api/v1/trees/{tree_id}/insights", headers=h,
                                      params=params)).raise_for_status()  # fmt: skip
                    api = (time.perf_counter() - started) * 1000
                    sql = await replay(api_statements)
                    if i < args.raw_rounds:
                        raw_ms.append(await replay(raw_statements))
                    api_ms.append(api)
                    sql_ms.append(sql)
                row = {
                    "filter": label,
                    "params": params,
                    "sessions": fast["totals"]["started"],
                    "api": summary(api_ms),
                    "sql": summary(sql_ms),
                    "step_log": summary(raw_ms),
                }
                row["api_over_sql_p95"] = round(row["api"]["p95_ms"] / row["sql"]["p95_ms"], 2)
                row["step_log_over_api_p95"] = round(
                    row["step_log"]["p95_ms"] / row["api"]["p95_ms"], 1
                )
                row["met"] = row["api"]["p95_ms"] < TARGET_P95_MS
                rows.append(row)
                print(
                    f"  {label:15} sessions {row['sessions']:>6}"
                    f"  API p50 {row['api']['p50_ms']:6.1f}"
                    f" p95 {row['api']['p95_ms']:6.1f} ms | SQL p95 {row['sql']['p95_ms']:6.1f} ms"
                    f" | API/SQL {row['api_over_sql_p95']:.2f}x | step log p95"
                    f" {row['step_log']['p95_ms']:7.1f} ms ({row['step_log_over_api_p95']:.1f}x)"
                )
            await sql_conn.close()
        await database.dispose()
        result = {
            "bench": "insights",
            "at": datetime.now(UTC).isoformat(),
            "sessions": args.sessions,
            "rounds": args.rounds,
            "target_p95_ms": TARGET_P95_MS,
            "load": timings,
            "rows": rows,
        }
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"insights-{args.sessions}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
        out.write_text(json.dumps(result, indent=2, default=str))
        print(f"results: {out}")
        return result
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(replace_database(server, "postgres"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--raw-rounds", type=int, default=5, help="step-log replays per filter")
    parser.add_argument("--keep", action="store_true")
    result = asyncio.run(run(parser.parse_args()))
    if not all(row["met"] for row in result["rows"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
