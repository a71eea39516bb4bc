"""Does a long export block the server? The health check's p99 while PDFs of a 2,000-answer
session render, next to its p99 on the same server unloaded, in the same run; then the same
while a 5,000-node draft is validated back to back (`POST /trees/{id}/validate`).

A real `troubletree serve` process (its own event loop, as production runs it) on a fresh
database; one client polls /api/health every 20 ms, first alone, then while two clients export
the long session as PDF back to back (two renders at once: the default EXPORT_WORKERS).
Reported: p50/p99 of each, the ratios of the p99s, and the target: p99 under load <= 100 ms.

Usage: .venv/bin/python bench/export_blocking.py [--answers 2000] [--seconds 20]
It creates its own database (tt_bench_*) on BENCH_DATABASE_URL / DATABASE_URL / 127.0.0.1:5432
and drops it at the end. Results go to bench/results/export_blocking.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psycopg
from sessions_bench import LOOP_GRAPH, PASSWORD, percentile  # the same folder

from troubletree.core.db import libpq_url, replace_database
from troubletree.core.migrate import upgrade

GRAPH_NODES = 5000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def setup(client: httpx.AsyncClient, url: str, answers: int) -> tuple[str, dict[str, str]]:
    email = f"bench-{secrets.token_hex(4)}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Bench"}
    (await client.post("/api/v1/auth/register", json=body)).raise_for_status()
    login = await client.post(
        "/api/v1/auth/login/json", json={"email": email, "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.raise_for_status().json()['access_token']}"}
    tree = await client.post(
        "/api/v1/trees", headers=headers, json={"title": "Tray", "graph": LOOP_GRAPH}
    )
    tree_id = tree.raise_for_status().json()["id"]
    publish = await client.post(
        f"/api/v1/trees/{tree_id}/publish", headers=headers, json={"changelog": "v1"}
    )
    publish.raise_for_status()
    session = await client.post(
        "/api/v1/sessions", headers=headers, json={"tree_id": tree_id, "variables": {}}
    )
    session_id = session.raise_for_status().json()["id"]
    answer = await client.post(
        f"/api/v1/sessions/{session_id}/steps", headers=headers, json={"option_id": "again"}
    )
    answer.raise_for_status()
    conn = await asyncpg.connect(libpq_url(url))
    try:  # the other answers: copies of the first, one second apart
        await conn.execute(
            """
            INSERT INTO session_steps (session_id, seq, kind, version_id, node_id, option_id,
                                       answer_label, to_version_id, to_node_id, created_by,
                                       created_at)
            SELECT session_id, seq + g, kind, version_id, node_id, option_id, answer_label,
                   to_version_id, to_node_id, created_by, created_at + g * interval '1 second'
            FROM session_steps, generate_series(1, $2::int - 1) AS g
            WHERE session_id = $1 AND kind = 'answer'
            """,
            uuid.UUID(session_id),
            answers,
        )
    finally:
        await conn.close()
    return session_id, headers


async def poll_health(client: httpx.AsyncClient, seconds: float) -> list[float]:
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        started = time.perf_counter()
        (await client.get("/api/health")).raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.02)
    return latencies


def chain_graph(nodes: int) -> dict[str, Any]:
    """`nodes` questions in a row (yes: on, no: the end), ending in one solution."""
    end = f"q{nodes - 1}"
    questions = [
        {
            "id": f"q{i}",
            "kind": "question",
            "title": f"Is connector {i} of {{{{serial}}}} clean?",
            "body": "Look at the *pins* first.",
            "options": [
                {"id": f"y{i}", "label": "Yes", "next": f"q{i + 1}"},
                {"id": f"n{i}", "label": "No", "next": end},
            ],
        }
        for i in range(nodes - 1)
    ]
    return {
        "start": "q0",
        "variables": [{"name": "serial", "label": "Serial", "type": "text"}],
        "nodes": [*questions, {"id": end, "kind": "solution", "title": "Clean it"}],
    }


async def load_until(stop: asyncio.Event, base: str, send: Any, durations: list[float]) -> None:
    """Calls `send(client)` back to back until `stop`, keeping each call's seconds."""
    async with httpx.AsyncClient(base_url=base, timeout=300) as loader:
        while not stop.is_set():
            started = time.perf_counter()
            (await send(loader)).raise_for_status()
            durations.append(time.perf_counter() - started)


async def under_load(
    client: httpx.AsyncClient, base: str, send: Any, seconds: float, name: str
) -> tuple[dict[str, float], list[float]]:
    """The health check while two clients call `send` back to back."""
    stop = asyncio.Event()
    durations: list[float] = []
    loaders = [asyncio.create_task(load_until(stop, base, send, durations)) for _ in range(2)]
    await asyncio.sleep(0.5)  # both under way
    loaded = summary(name, await poll_health(client, seconds))
    stop.set()
    await asyncio.gather(*loaders)
    return loaded, durations


def summary(name: str, latencies: list[float]) -> dict[str, float]:
    result = {
        "requests": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
    }
    print(
        f"  {name:<22} {result['requests']:5.0f} checks   p50 {result['p50_ms']:7.2f} ms"
        f"   p99 {result['p99_ms']:7.2f} ms   max {result['max_ms']:8.2f} ms"
    )
    return result


async def measure(base: str, url: str, answers: int, seconds: float) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        session_id, headers = await setup(client, url, answers)
        # Warm the export workers first, so the loaded run measures renders, not start-up.
        await client.post(
            f"/api/v1/sessions/{session_id}/export", headers=headers, json={"format": "markdown"}
        )
        print(f"health check, {answers:,}-answer session, PDF exports")
        idle = summary("unloaded", await poll_health(client, seconds))
        loaded, export_seconds = await under_load(
            client,
            base,
            lambda c: c.post(
                f"/api/v1/sessions/{session_id}/export", headers=headers, json={"format": "pdf"}
            ),
            seconds,
            "while exporting",
        )
        exports = len(export_seconds)
        tree = await client.post(
            "/api/v1/trees",
            headers=headers,
            json={"title": "Long chain", "graph": chain_graph(GRAPH_NODES)},
        )
        tree_id = tree.raise_for_status().json()["id"]
        print(f"health check, {GRAPH_NODES:,}-node draft validated")
        validating, validate_seconds = await under_load(
            client,
            base,
            lambda c: c.post(f"/api/v1/trees/{tree_id}/validate", headers=headers),
            seconds,
            "while validating",
        )
        print(f"health check, {GRAPH_NODES:,}-node drafts saved (PUT, the whole graph)")
        saved_graph = chain_graph(GRAPH_NODES)
        revision = {"draft": tree.json()["draft_revision"]}

        async def save(c: httpx.AsyncClient) -> httpx.Response:
            # Two clients save one tree: a stale revision answers 409 with the current one.
            for _ in range(10):
                saved = await c.put(
                    f"/api/v1/trees/{tree_id}",
                    headers=headers,
                    json={"base_revision": revision["draft"], "graph": saved_graph},
                )
                if saved.status_code == 409:
                    revision["draft"] = saved.json()["detail"]["current_revision"]
                    continue
                revision["draft"] = saved.json()["draft_revision"]
                return saved
            return saved

        saving, save_seconds = await under_load(client, base, save, seconds, "while saving")
    save_ratio = saving["p99_ms"] / idle["p99_ms"]
    print(
        f"  saves finished: {len(save_seconds)}, median "
        f"{statistics.median(save_seconds) * 1000:.0f} ms; p99 while saving / unloaded: "
        f"{save_ratio:.2f}x ({saving['p99_ms']:.1f} ms, target <= 100 ms: "
        f"{'met' if saving['p99_ms'] <= 100 else 'MISSED'})"
    )
    graph_ratio = validating["p99_ms"] / idle["p99_ms"]
    print(
        f"  validations finished: {len(validate_seconds)}, median "
        f"{statistics.median(validate_seconds) * 1000:.0f} ms; p99 while validating / "
        f"unloaded: {graph_ratio:.2f}x ({validating['p99_ms']:.1f} ms, target <= 100 ms: "
        f"{'met' if validating['p99_ms'] <= 100 else 'MISSED'})"
    )
    ratio = loaded["p99_ms"] / idle["p99_ms"]
    print(f"  PDF exports finished: {exports}, median {statistics.median(export_seconds):.1f} s")
    print(f"  p99 while exporting / unloaded: {ratio:.2f}x")
    verdict = "met" if loaded["p99_ms"] <= 100 else "MISSED"
    print(f"  p99 while exporting: {loaded['p99_ms']:.1f} ms (target <= 100 ms: {verdict})")
    return {
        "answers": answers,
        "seconds": seconds,
        "unloaded": idle,
        "exporting": loaded,
        "p99_ratio": ratio,
        "pdf_exports": exports,
        "pdf_export_median_s": statistics.median(export_seconds),
        "graph_nodes": GRAPH_NODES,
        "validating": validating,
        "validating_p99_ratio": graph_ratio,
        "validations": len(validate_seconds),
        "validation_median_s": statistics.median(validate_seconds),
        "saving": saving,
        "saving_p99_ratio": save_ratio,
        "saves": len(save_seconds),
        "save_median_s": statistics.median(save_seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--graph-on-loop",
        action="store_true",
        help="check and parse drafts on the event loop (GRAPH_OFFLOAD_NODES and "
        "BODY_OFFLOAD_BYTES above the draft's): the baseline the pool is compared with",
    )
    args = parser.parse_args()
    server = libpq_url(
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"tt_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = replace_database(server, name)
    port = free_port()
    process = None
    try:
        upgrade(url)
        env = {
            **os.environ,
            "ENVIRONMENT": "test",
            "DATABASE_URL": url,
            "SECRET_KEY": "b" * 48,
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "8192",
            "RUN_WORKER_IN_PROCESS": "false",
            "LOG_LEVEL": "WARNING",
            "GRAPH_OFFLOAD_NODES": str(GRAPH_NODES + 1 if args.graph_on_loop else 500),
            "BODY_OFFLOAD_BYTES": str(1 << 40 if args.graph_on_loop else 256 * 1024),
        }
        command = [sys.executable, "-m", "troubletree.cli", "serve", "--port", str(port)]
        process = subprocess.Popen([*command, "--no-migrate"], env=env)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        results = asyncio.run(measure(base, url, args.answers, args.seconds))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    results["graph_on_loop"] = args.graph_on_loop
    stem = "export_blocking_graph_on_loop" if args.graph_on_loop else "export_blocking"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
