"""Session benchmarks: the step endpoint and the history list, at 10k and 1M sessions.

Each measurement runs in the same process against the same database both through the real
API (routing, auth, validation, service, serialisation) and through a *bare* endpoint mounted on
the same app that runs the same SQL and returns the rows as plain JSON, in alternating rounds so
that a busy moment of the machine hits both. Reported: req/s, p50 and p99 of the median round,
and the ratios the targets are about:

- step endpoint throughput through the API >= 0.6x the bare endpoint;
- history page p50 at 1M sessions within 1.2x of the same page at 10k.

Usage: .venv/bin/python bench/sessions_bench.py [--large 1000000] [--small 10000] [--rounds 3]
It creates its own database (tt_bench_*) on BENCH_DATABASE_URL / DATABASE_URL / 127.0.0.1:5432
and drops it at the end. Results go to bench/results/sessions.json.
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import psycopg
from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from troubletree.core.config import Settings
from troubletree.core.db import Database, get_database, libpq_url, replace_database
from troubletree.core.migrate import upgrade
from troubletree.main import create_app, freeze_startup_objects

PASSWORD = "benchmark passphrase 1"  # noqa: S105 - a throwaway benchmark user
LOOP_GRAPH = {
    "start": "q1",
    "variables": [],
    "nodes": [
        {
            "id": "q1",
            "kind": "question",
            "title": "Is the light on?",
            "options": [
                {"id": "again", "label": "Check again", "next": "q1"},
                {"id": "done", "label": "Yes", "next": "s1"},
            ],
        },
        {"id": "s1", "kind": "solution", "title": "Solved"},
    ],
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


async def measure(
    name: str, call: Callable[[int], Awaitable[httpx.Response]], *, requests: int, concurrency: int
) -> dict[str, float]:
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for i in counter:
            started = time.perf_counter()
            response = await call(i)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:
                raise RuntimeError(f"{name}: {response.status_code} {response.text[:200]}")

    for i in range(min(20, requests)):  # warm-up
        await call(i)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    result = {
        "req_per_s": requests / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
    }
    print(
        f"  {name:<34} {result['req_per_s']:8.0f} req/s   p50 {result['p50_ms']:7.2f} ms"
        f"   p99 {result['p99_ms']:7.2f} ms"
    )
    return result


def median_p50(rounds: list[dict[str, float]]) -> float:
    return statistics.median(r["p50_ms"] for r in rounds)


Call = Callable[[int], Awaitable[httpx.Response]]


async def compare(
    api: tuple[str, Call],
    bare: tuple[str, Call],
    *,
    rounds: int,
    requests: int,
    concurrency: int,
    before_each: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """API and bare endpoint measured in alternating rounds, so a slow moment of the machine
    hits both; each side reports its median round (by throughput) and every round."""
    runs: dict[str, list[dict[str, float]]] = {"api": [], "bare": []}
    for _ in range(rounds):
        for key, (name, call) in (("api", api), ("bare", bare)):
            if before_each is not None:
                await before_each()
            runs[key].append(await measure(name, call, requests=requests, concurrency=concurrency))
    result: dict[str, Any] = {}
    for key, results in runs.items():
        ordered = sorted(results, key=lambda r: r["req_per_s"])
        result[key] = ordered[len(ordered) // 2]
        result[f"{key}_rounds"] = results
    return result


# --------------------------------------------------------------------------- the bare endpoints

# Every API request first reads the caller: user, membership and whether the sign-in is live.
CALLER_SQL = (
    "SELECT u.id, u.is_active, m.account_id, m.role, EXISTS (SELECT 1 FROM refresh_tokens r "
    "WHERE r.family_id = :family AND r.user_id = u.id AND r.revoked_at IS NULL "
    "AND r.family_expires_at > now()) AS live FROM users u "
    "LEFT JOIN memberships m ON m.user_id = u.id WHERE u.id = :user"
)
STEP_SQL_LOCK = "SELECT id, revision FROM troubleshooting_sessions WHERE id = :id FOR UPDATE"
STEP_SQL_STEPS = (
    "SELECT seq, kind, to_node_id FROM session_steps WHERE session_id = :id ORDER BY seq"
)
STEP_SQL_INSERT = (
    "INSERT INTO session_steps (session_id, seq, kind, version_id, node_id, option_id, "
    "answer_label, to_version_id, to_node_id, created_at) VALUES (:id, :seq, 'answer', :v, "
    "'q1', 'again', 'Check again', :v, 'q1', now())"
)
STEP_SQL_TOUCH = (
    "UPDATE troubleshooting_sessions SET revision = revision + 1, updated_at = now() WHERE id = :id"
)
HISTORY_SQL = (
    "SELECT s.id, s.tree_id, s.technician_id, s.created_by, s.status, s.outcome, s.created_at, "
    "s.completed_at, t.title, u.full_name, v.number FROM troubleshooting_sessions s "
    "JOIN trees t ON t.id = s.tree_id JOIN users u ON u.id = s.technician_id "
    "JOIN tree_versions v ON v.id = s.tree_version_id WHERE s.account_id = :account "
    "ORDER BY s.created_at DESC, s.id DESC LIMIT 26"
)


def _caller(body: dict[str, Any]) -> dict[str, uuid.UUID]:
    return {"user": uuid.UUID(body["user"]), "family": uuid.UUID(body["family"])}


def add_bare_routes(app: FastAPI) -> None:
    """The same SQL as the real endpoints, with none of the framework work around it."""
    bare = APIRouter()

    @bare.post("/bare/sessions/{session_id}/steps")
    async def bare_step(session_id: uuid.UUID, body: dict[str, Any]) -> dict[str, Any]:
        async with get_database().sessionmaker() as db, db.begin():
            await db.execute(text(CALLER_SQL), _caller(body))
            row = (await db.execute(text(STEP_SQL_LOCK), {"id": session_id})).one()
            steps = (await db.execute(text(STEP_SQL_STEPS), {"id": session_id})).all()
            await db.execute(
                text(STEP_SQL_INSERT),
                {"id": session_id, "seq": len(steps), "v": uuid.UUID(body["version_id"])},
            )
            await db.execute(text(STEP_SQL_TOUCH), {"id": session_id})
        return {"id": str(row.id), "revision": row.revision + 1}

    @bare.get("/bare/sessions")
    async def bare_history(
        account: uuid.UUID, user: uuid.UUID, family: uuid.UUID
    ) -> list[dict[str, Any]]:
        async with get_database().sessionmaker() as db:
            await db.execute(text(CALLER_SQL), {"user": user, "family": family})
            rows = (await db.execute(text(HISTORY_SQL), {"account": account})).mappings().all()
        return [{k: str(v) for k, v in row.items()} for row in rows]

    # Ahead of the web app's catch-all mount at "/".
    app.router.routes[0:0] = bare.routes


# --------------------------------------------------------------------------- data


async def bulk_sessions(
    url: str, account: str, tree: str, version: str, technicians: list[str], count: int
) -> None:
    """Completed sessions spread over two years and the account's technicians (plain SQL)."""
    conn = await asyncpg.connect(libpq_url(url))
    try:
        await conn.execute(
            """
            INSERT INTO troubleshooting_sessions (id, account_id, tree_id, tree_version_id,
                technician_id, created_by, status, variables, notes, outcome, search_text,
                revision, created_at, started_at, completed_at, updated_at)
            SELECT gen_random_uuid(), $1, $2, $3, t.techs[1 + (g % array_length(t.techs, 1))],
                   t.techs[1 + (g % array_length(t.techs, 1))], 'completed', '{}'::jsonb,
                   'call ' || g, (ARRAY['resolved','escalated','unresolved'])[1 + g % 3],
                   'call ' || g, 3, ts, ts, ts + interval '9 minutes', ts
            FROM generate_series(1, $5) AS g,
                 LATERAL (SELECT now() - interval '2 years' * random() AS ts) AS r,
                 (SELECT $4::uuid[] AS techs) AS t
            """,
            uuid.UUID(account),
            uuid.UUID(tree),
            uuid.UUID(version),
            [uuid.UUID(t) for t in technicians],
            count,
        )
        await conn.execute("ANALYZE troubleshooting_sessions")
    finally:
        await conn.close()


async def setup(client: httpx.AsyncClient) -> dict[str, Any]:
    email = f"bench-admin-{secrets.token_hex(3)}@example.com"
    reg = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "Bench Admin"},
    )
    reg.raise_for_status()
    login = await client.post(
        "/api/v1/auth/login/json", json={"email": email, "password": PASSWORD}
    )
    access = login.json()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    family = jwt.decode(access, options={"verify_signature": False})["sid"]
    admin = (await client.get("/api/v1/auth/me", headers=headers)).json()
    tree = await client.post(
        "/api/v1/trees", headers=headers, json={"title": "Light check", "graph": LOOP_GRAPH}
    )
    tree_id = tree.json()["id"]
    version = await client.post(f"/api/v1/trees/{tree_id}/publish", headers=headers, json={})
    return {
        "account": admin["account"]["id"],
        "user": admin["user"]["id"],
        "headers": headers,
        "tree": tree_id,
        "version": version.json()["id"],
        "family": family,
    }


async def run(
    small: int, large: int, requests: int, concurrency: int, rounds: int
) -> dict[str, Any]:
    server = libpq_url(
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"tt_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = replace_database(server, name)
    results: dict[str, Any] = {
        "small": small,
        "large": large,
        "requests": requests,
        "concurrency": concurrency,
        "rounds": rounds,
    }
    try:
        upgrade(url)
        settings = Settings(
            environment="test",
            database_url=url,
            secret_key="b" * 48,
            run_worker_in_process=False,
            argon2_time_cost=1,
            argon2_memory_kib=8192,
            db_pool_size=concurrency + 5,
            rate_limit_login_ip="1000000/minute",
            rate_limit_register_ip="1000000/minute",
        )
        database = Database(url, settings)
        app = create_app(settings, database=database)
        add_bare_routes(app)
        freeze_startup_objects()  # as `troubletree serve` does before it serves
        from troubletree.core.db import set_database

        set_database(database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            ctx = await setup(client)
            techs = [ctx["user"]]
            await bulk_sessions(url, ctx["account"], ctx["tree"], ctx["version"], techs, small)

            # Every round answers in its own 200 sessions, started through the API, so each
            # round (API or bare) sees sessions of the same length, as a technician would.
            live: list[str] = []

            async def fresh_sessions() -> None:
                live.clear()
                for _ in range(200):
                    r = await client.post(
                        "/api/v1/sessions", headers=ctx["headers"], json={"tree_id": ctx["tree"]}
                    )
                    live.append(r.json()["id"])

            print(
                f"\nstep endpoint ({rounds} rounds of {requests} requests, {concurrency} "
                f"concurrent, each round in 200 new sessions, ~{requests // 200} answers each)"
            )
            step = await compare(
                (
                    "POST /sessions/{id}/steps (API)",
                    lambda i: client.post(
                        f"/api/v1/sessions/{live[i % 200]}/steps",
                        headers=ctx["headers"],
                        json={"option_id": "again"},
                    ),
                ),
                (
                    "same SQL, bare endpoint",
                    lambda i: client.post(
                        f"/bare/sessions/{live[i % 200]}/steps",
                        json={
                            "version_id": ctx["version"],
                            "user": ctx["user"],
                            "family": ctx["family"],
                        },
                    ),
                ),
                rounds=rounds,
                requests=requests,
                concurrency=concurrency,
                before_each=fresh_sessions,
            )
            step["throughput_ratio"] = step["api"]["req_per_s"] / step["bare"]["req_per_s"]
            results["step"] = step

            async def history(label: str) -> dict[str, Any]:
                print(
                    f"\nhistory page at {label} sessions ({rounds} rounds of {requests} "
                    f"requests, {concurrency} concurrent)"
                )
                return await compare(
                    (
                        "GET /sessions?tab=all (API)",
                        lambda _: client.get(
                            "/api/v1/sessions?tab=all&limit=25", headers=ctx["headers"]
                        ),
                    ),
                    (
                        "same SQL, bare endpoint",
                        lambda _: client.get(
                            f"/bare/sessions?account={ctx['account']}&user={ctx['user']}"
                            f"&family={ctx['family']}"
                        ),
                    ),
                    rounds=rounds,
                    requests=requests,
                    concurrency=concurrency,
                )

            results["history_small"] = await history(f"{small:,}")
            print(f"\nloading {large - small:,} more sessions ...", flush=True)
            started = time.perf_counter()
            await bulk_sessions(
                url, ctx["account"], ctx["tree"], ctx["version"], techs, large - small
            )
            print(f"  done in {time.perf_counter() - started:.0f} s")
            results["history_large"] = await history(f"{large:,}")
            results["history_p50_ratio_large_vs_small"] = median_p50(
                results["history_large"]["api_rounds"]
            ) / median_p50(results["history_small"]["api_rounds"])
        await database.dispose()
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print("\nsummary")
    print(
        f"  step throughput, API / bare:         {results['step']['throughput_ratio']:.2f}x"
        "   (target >= 0.6x)"
    )
    print(
        f"  history p50, {large:,} / {small:,}:  "
        f"{results['history_p50_ratio_large_vs_small']:.2f}x   (target <= 1.2x)"
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="alternating API/bare rounds")
    args = parser.parse_args()
    results = asyncio.run(run(args.small, args.large, args.requests, args.concurrency, args.rounds))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "sessions.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
