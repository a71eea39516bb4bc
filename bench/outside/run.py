"""The outside benchmark: the app as production runs it against a framework-free ceiling.

See bench/README.md. Usage (`make bench` runs it with the defaults):

    .venv/bin/python bench/outside/run.py [--duration 5] [--runs 3] [--connections 1,8,32,128]
        [--endpoints step,history_first,...] [--sessions 1000000] [--workers 2] [--fresh]
        [--soak 600] [--no-storm] [--results bench/RESULTS.md]

The data lives in its own database, `tt_bench_outside` on BENCH_DATABASE_URL / DATABASE_URL /
127.0.0.1:5432, built on the first run and reused after (`--fresh` builds it again).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import BenchData, build, ensure_database, load
from endpoints import Endpoint, endpoints
from report import report
from servers import ROOT, Server, both
from statements import StatementLog, find_server_log, set_logging

from troubletree.core.config import Settings
from troubletree.core.db import libpq_url

HERE = Path(__file__).resolve().parent
DATABASE = "tt_bench_outside"
STEP_SESSIONS = 1000  # fresh sessions per step run, answered in turn
LOGIN_MAX_CONNECTIONS = 8  # argon2 takes 64 MiB and ~0.1-1 s of a core a hash
LOGIN_MIN_SECONDS = 10  # a run long enough for a few hashes at each connection count


def server_url() -> str:
    return libpq_url(
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )


# --------------------------------------------------------------------------- requests


def headers(token: str, endpoint: Endpoint) -> dict[str, str]:
    found = {"Authorization": f"Bearer {token}"} if endpoint.signed_in else {}
    if endpoint.body:
        found["Content-Type"] = "application/json"
    return found


def send(client: httpx.Client, base: str, token: str, endpoint: Endpoint, ident: str = "") -> Any:
    response = client.request(
        endpoint.method,
        base + endpoint.path.replace("{id}", ident),
        content=endpoint.body or None,
        headers=headers(token, endpoint),
    )
    if response.status_code >= 400:
        raise RuntimeError(f"{base} {endpoint.key}: {response.status_code} {response.text[:300]}")
    return response.json()


def sign_in(base: str, data: BenchData) -> str:
    response = httpx.post(
        base + "/api/v1/auth/login/json",
        json={"email": data.technician_email, "password": data.technician_password},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def fresh_sessions(app: Server, token: str, data: BenchData, count: int) -> list[str]:
    """`count` sessions of the loop tree, each at its first question: one started through the
    app, copied in SQL (with its start step)."""
    response = httpx.post(
        app.base + "/api/v1/sessions",
        json={"tree_id": data.loop_tree_id},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    response.raise_for_status()
    template = response.json()["id"]
    with psycopg.connect(data.database_url) as conn:
        session_columns = _columns(conn, "troubleshooting_sessions", skip={"id"})
        step_columns = _columns(conn, "session_steps", skip={"id", "session_id"})
        rows = conn.execute(
            f"""
            WITH made AS (
                INSERT INTO troubleshooting_sessions (id, {session_columns})
                SELECT gen_random_uuid(), {session_columns}
                FROM troubleshooting_sessions, generate_series(1, %(n)s)
                WHERE id = %(id)s RETURNING id
            ), steps AS (
                INSERT INTO session_steps (session_id, {step_columns})
                SELECT made.id, {", ".join("s." + c for c in step_columns.split(", "))}
                FROM made, session_steps s WHERE s.session_id = %(id)s
            )
            SELECT id FROM made
            """,  # noqa: S608 - column names read from the catalogue
            {"n": count, "id": template},
        ).fetchall()
    return [str(r[0]) for r in rows]


def _columns(conn: psycopg.Connection[Any], table: str, *, skip: set[str]) -> str:
    names = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND is_generated = 'NEVER' AND identity_generation IS NULL ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return ", ".join(f'"{n[0]}"' for n in names if n[0] not in skip)


# --------------------------------------------------------------------------- same JSON


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__


def check_same_json(
    app: Server, ceiling: Server, token: str, data: BenchData, ids: list[str]
) -> list[str]:
    """Each endpoint's answer from both sides: reads equal, writes of the same shape."""
    problems = []
    with httpx.Client(timeout=30) as client:
        for endpoint in endpoints(data):
            if endpoint.per_request_ids:
                a = send(client, app.base, token, endpoint, ids[0])
                b = send(client, ceiling.base, token, endpoint, ids[1])
                same = _shape(a) == _shape(b)
            elif endpoint.read_only:
                a = send(client, app.base, token, endpoint)
                b = send(client, ceiling.base, token, endpoint)
                same = a == b
            else:
                a = send(client, app.base, token, endpoint)
                b = send(client, ceiling.base, token, endpoint)
                same = _shape(a) == _shape(b)
            if not same:
                problems.append(endpoint.key)
                out = Path(tempfile.gettempdir()) / f"tt-bench-diff-{endpoint.key}.json"
                out.write_text(json.dumps({"app": a, "ceiling": b}, indent=1, default=str))
                print(f"  {endpoint.key}: the answers differ (both in {out})")
    return problems


# --------------------------------------------------------------------------- statements


def count_statements(
    data: BenchData, workers: int, requests: int = 20, sides: int = 2
) -> dict[str, dict[str, Any]]:
    log_path = find_server_log(server_url())
    if log_path is None:
        print("  no readable server log: statements per request not counted")
        return {}
    log = StatementLog(log_path, DATABASE)
    set_logging(data.database_url, True)
    counts: dict[str, dict[str, Any]] = {}
    try:
        with both(data.database_url, workers) as (app, ceiling):
            token = sign_in(app.base, data)
            ids = fresh_sessions(app, token, data, 4 * requests + 40)
            with httpx.Client(timeout=60) as client:
                for endpoint in endpoints(data):
                    counts[endpoint.key] = {}
                    for server in (app, ceiling)[:sides]:
                        pool = iter(ids[:])
                        ids = ids[2 * requests + 20 :] if endpoint.per_request_ids else ids
                        # Warm-up: every worker's pool connections opened and introspected.
                        for _ in range(10):
                            send(client, server.base, token, endpoint, next(pool, ""))
                        per, shapes = log.per_request(
                            lambda s=server, e=endpoint, p=pool: send(
                                client, s.base, token, e, next(p, "")
                            ),
                            requests,
                        )
                        counts[endpoint.key][server.name] = {
                            "per_request": per,
                            "statements": {k: v / requests for k, v in shapes.items()},
                        }
                    print(
                        f"  {endpoint.key:<14} "
                        + "  ".join(
                            f"{k} {v['per_request']:.2f}" for k, v in counts[endpoint.key].items()
                        )
                    )
    finally:
        set_logging(data.database_url, False)
    return counts


# --------------------------------------------------------------------------- wrk


@dataclass
class Run:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    cpu_ms_per_request: float = 0.0


@dataclass
class Cell:
    runs: dict[str, list[Run]] = field(default_factory=lambda: {"app": [], "ceiling": []})

    def median(self, side: str) -> Run:
        ordered = sorted(self.runs[side], key=lambda r: r.requests_per_s)
        return ordered[len(ordered) // 2]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing Debian's package (apt-get install wrk)")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)  # noqa: S607
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


def wrk(
    base: str, token: str, endpoint: Endpoint, connections: int, seconds: float, ids: Path | None
) -> Run:
    env = {
        **os.environ,
        "WRK_METHOD": endpoint.method,
        "WRK_PATH": endpoint.path,
        "WRK_BODY": endpoint.body,
        "WRK_TOKEN": token if endpoint.signed_in else "",
        "WRK_IDS": str(ids) if ids else "",
    }
    result = subprocess.run(
        [
            ensure_wrk(),
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "30s",
            "-s",
            str(HERE / "request.lua"),
            base,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRKJSON "))
    found = json.loads(line.removeprefix("WRKJSON "))
    errors = sum(found[k] for k in found if k.startswith("errors_"))
    return Run(
        requests_per_s=found["requests"] / (found["duration_us"] / 1e6),
        p50_ms=found["p50"] / 1000,
        p99_ms=found["p99"] / 1000,
        errors=errors,
        requests=found["requests"],
    )


def measure(
    app: Server,
    ceiling: Server,
    token: str,
    data: BenchData,
    endpoint: Endpoint,
    connections: int,
    runs: int,
    seconds: float,
) -> Cell:
    """`runs` alternating runs on each side (app, ceiling, ceiling, app, ...), so a busy moment
    of the shared machine hits both."""
    cell = Cell()
    for i in range(runs):
        order = (app, ceiling) if i % 2 == 0 else (ceiling, app)
        for server in order:
            ids = None
            if endpoint.per_request_ids:
                ids = Path(tempfile.gettempdir()) / f"tt-bench-ids-{server.name}.txt"
                ids.write_text("\n".join(fresh_sessions(app, token, data, STEP_SESSIONS)) + "\n")
            cpu = server.cpu_seconds()
            run = wrk(server.base, token, endpoint, connections, seconds, ids)
            run.cpu_ms_per_request = 1000 * (server.cpu_seconds() - cpu) / max(run.requests, 1)
            cell.runs[server.name].append(run)
            if run.errors:
                print(f"    {server.name}: {run.errors} errors of {run.requests} requests")
    a, c = cell.median("app"), cell.median("ceiling")
    print(
        f"  {endpoint.key:<14} c={connections:<4} app {a.requests_per_s:7.0f}/s "
        f"p50 {a.p50_ms:6.1f} p99 {a.p99_ms:6.1f} | ceiling {c.requests_per_s:7.0f}/s "
        f"p50 {c.p50_ms:6.1f} p99 {c.p99_ms:6.1f} | "
        f"{a.requests_per_s / max(c.requests_per_s, 1e-9):.2f}x | CPU ms/req "
        f"{a.cpu_ms_per_request:.2f} vs {c.cpu_ms_per_request:.2f}",
        flush=True,
    )
    return cell


# --------------------------------------------------------------------------- storm, soak


def login_storm(
    app: Server, ceiling: Server, token: str, data: BenchData, seconds: float
) -> dict[str, Any]:
    """The step endpoint at 8 connections alone, then while 50 clients sign in at once."""
    step = next(e for e in endpoints(data) if e.key == "step")
    login = next(e for e in endpoints(data) if e.key == "login")
    found: dict[str, Any] = {}
    for label in ("alone", "storm", "alone_again"):
        ids = Path(tempfile.gettempdir()) / "tt-bench-ids-storm.txt"
        ids.write_text("\n".join(fresh_sessions(app, token, data, STEP_SESSIONS)) + "\n")
        storm = None
        if label == "storm":
            env = {
                **os.environ,
                "WRK_METHOD": login.method,
                "WRK_PATH": login.path,
                "WRK_BODY": login.body,
                "WRK_TOKEN": "",
                "WRK_IDS": "",
            }
            storm = subprocess.Popen(
                [ensure_wrk(), "-t1", "-c50", f"-d{seconds + 2:g}s", "--timeout", "60s", "-s",
                 str(HERE / "request.lua"), app.base],
                env=env, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            time.sleep(1)  # the 50 sign-ins are hashing
        run = wrk(app.base, token, step, 8, seconds, ids)
        if storm is not None:
            out, _ = storm.communicate()
            line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
            found["logins"] = json.loads(line.removeprefix("WRKJSON "))["requests"]
        found[label] = run.__dict__
        print(f"  step p99 {label}: {run.p99_ms:.1f} ms ({run.requests_per_s:.0f}/s)", flush=True)
    base = statistics.median([found["alone"]["p99_ms"], found["alone_again"]["p99_ms"]])
    found["p99_ratio"] = found["storm"]["p99_ms"] / base if base else float("inf")
    return found


def soak(app: Server, token: str, data: BenchData, seconds: float) -> dict[str, Any]:
    """A mix (steps, trees, history) at 32 connections for `seconds`, RSS read every 10 s."""
    mix = [e for e in endpoints(data) if e.key in ("step", "tree_200", "history_first", "search")]
    samples: list[list[float]] = [app.rss_mb()]
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        endpoint = mix[i % len(mix)]
        ids = None
        if endpoint.per_request_ids:
            ids = Path(tempfile.gettempdir()) / "tt-bench-ids-soak.txt"
            ids.write_text("\n".join(fresh_sessions(app, token, data, STEP_SESSIONS)) + "\n")
        left = int(min(10, max(1, deadline - time.monotonic())))  # wrk takes whole seconds
        wrk(app.base, token, endpoint, 32, left, ids)
        samples.append(app.rss_mb())
        i += 1
    print(f"  soak {seconds:g} s: RSS per worker {samples[0]} -> {samples[-1]} MB", flush=True)
    return {"seconds": seconds, "samples_mb": samples}


def profile(app: Server, token: str, data: BenchData, endpoint: Endpoint, seconds: float) -> None:
    """py-spy records one app worker while wrk drives the endpoint at 8 connections; prints
    the functions holding the most samples (own and with callees) and writes the raw stacks
    to bench/results/profile-<endpoint>.txt (flamegraph input)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = ROOT / "bench" / "results" / f"profile-{endpoint.key}.txt"
    out.parent.mkdir(exist_ok=True)
    ids = None
    if endpoint.per_request_ids:
        ids = Path(tempfile.gettempdir()) / "tt-bench-ids-profile.txt"
        ids.write_text("\n".join(fresh_sessions(app, token, data, STEP_SESSIONS)) + "\n")
    pid = app.workers()[0]
    recorder = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
         "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    run = wrk(app.base, token, endpoint, 8, seconds, ids)
    recorder.wait()
    print(
        f"{endpoint.key}: {run.requests_per_s:.0f} req/s, p99 {run.p99_ms:.1f} ms; stacks in {out}"
    )
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"{samples} samples; most own time:")
    for frame, n in own.most_common(25):
        print(f"  {100 * n / samples:5.1f}%  {frame}")
    print("most time with callees:")
    for frame, n in total.most_common(40):
        print(f"  {100 * n / samples:5.1f}%  {frame}")


def _cells_json(cells: dict[str, dict[int, Cell]]) -> dict[str, Any]:
    return {
        key: {
            c: {side: [r.__dict__ for r in cell.runs[side]] for side in cell.runs}
            for c, cell in by_conn.items()
        }
        for key, by_conn in cells.items()
    }


def save(results: dict[str, Any]) -> Path:
    """bench/results/outside.json, after every cell: a run cut short keeps what it measured."""
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "outside.json").write_text(json.dumps(results, indent=1, default=str))
    return out


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(server_url()) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "postgresql": row[0] if row else "?",
        "load": os.getloadavg(),
    }


# --------------------------------------------------------------------------- main


def steady_state(database_url: str) -> None:
    """VACUUM ANALYZE the bench database: what autovacuum keeps a production database at. The
    write endpoints leave dead rows behind (every start adds a version of its tree's row for
    the usage count), and on a server with autovacuum off (a shared test server may run so)
    the reads after them pay for it: the history page of one run scanned 760 pages of dead
    tree rows for a 7-row table. Run before each endpoint's runs, for both sides alike."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


# After the storm, sign-ins still queued keep hashing (argon2 holds 64 MiB while it does): the
# soak starts once they are done, so it measures the mixed load and not the storm's tail.
STORM_DRAIN_SECONDS = 20


def prepare(args: argparse.Namespace) -> BenchData:
    url, ready = ensure_database(server_url(), DATABASE, fresh=args.fresh)
    if ready:
        data = asyncio.run(load(url))
        if data.sessions == args.sessions:
            print(f"reusing {DATABASE} ({data.sessions:,} sessions)")
            return data
        url, _ = ensure_database(server_url(), DATABASE, fresh=True)
    print(f"building {DATABASE}: demo account, trees, {args.sessions:,} sessions ...", flush=True)
    started = time.monotonic()
    settings = Settings(
        environment="test",
        database_url=url,
        secret_key="bench-" + "s" * 48,
        run_worker_in_process=False,
    )
    data = asyncio.run(build(url, settings, args.sessions))
    print(f"  built in {time.monotonic() - started:.0f} s")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="runs per side, alternating")
    parser.add_argument("--connections", default="1,8,32,128")
    parser.add_argument("--endpoints", default="", help="comma-separated keys (default: all)")
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="build the data again")
    parser.add_argument("--soak", type=float, default=60, help="soak seconds (0: none)")
    parser.add_argument("--no-storm", action="store_true")
    parser.add_argument("--no-count", action="store_true")
    parser.add_argument("--capture", action="store_true", help="print the statements and stop")
    parser.add_argument(
        "--profile", default="", help="an endpoint key: py-spy on an app worker under load"
    )
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()

    data = prepare(args)
    chosen = [
        e for e in endpoints(data) if not args.endpoints or e.key in args.endpoints.split(",")
    ]
    if args.capture:
        print(json.dumps(count_statements(data, args.workers, requests=2, sides=1), indent=1))
        return
    ensure_wrk()
    if args.profile:
        endpoint = next(e for e in endpoints(data) if e.key == args.profile)
        with both(data.database_url, args.workers) as (app, _):
            profile(app, sign_in(app.base, data), data, endpoint, args.duration)
        return
    started_at = dt.datetime.now(dt.UTC)
    results: dict[str, Any] = {
        "date": started_at.isoformat(timespec="seconds"),
        "machine": machine(),
        "args": vars(args),
        "data": {"sessions": data.sessions},
    }
    if not args.no_count:
        print("statements per request (PostgreSQL's statement log):", flush=True)
        results["statements"] = count_statements(data, args.workers)
    connections = [int(c) for c in args.connections.split(",")]
    with both(data.database_url, args.workers) as (app, ceiling):
        token = sign_in(app.base, data)
        print("same JSON:", flush=True)
        results["json_differs"] = check_same_json(
            app, ceiling, token, data, fresh_sessions(app, token, data, 2)
        )
        print("  " + (", ".join(results["json_differs"]) or "every endpoint answers alike"))
        print(f"wrk, {args.duration:g} s a run, {args.runs} runs a side:", flush=True)
        cells: dict[str, dict[int, Cell]] = {}
        rss: dict[str, list[float]] = {"app": [], "ceiling": []}
        for endpoint in chosen:
            steady_state(data.database_url)
            cells[endpoint.key] = {}
            for c in connections:
                if endpoint.key == "login" and c > LOGIN_MAX_CONNECTIONS:
                    continue
                seconds = args.duration
                if endpoint.key == "login":
                    seconds = max(seconds, LOGIN_MIN_SECONDS)
                cells[endpoint.key][c] = measure(
                    app, ceiling, token, data, endpoint, c, args.runs, seconds
                )
                if endpoint.key == "login":
                    time.sleep(5)  # hashes still queued when wrk stopped finish
                results["cells"] = _cells_json(cells)
                save(results)
                for server in (app, ceiling):
                    rss[server.name] = [
                        max(a, b)
                        for a, b in zip_longest(rss[server.name], server.rss_mb(), fillvalue=0.0)
                    ]
        results["rss_max_mb"] = rss
        save(results)
        if not args.no_storm:
            results["storm"] = login_storm(app, ceiling, token, data, args.duration)
            save(results)
        if args.soak > 0:
            if not args.no_storm:
                time.sleep(STORM_DRAIN_SECONDS)
            steady_state(data.database_url)
            results["soak"] = soak(app, token, data, args.soak)
    out = save(results)
    labels = {e.key: e.label for e in endpoints(data)}
    Path(args.results).write_text(report(results, labels))
    print(f"written: {args.results} and {out / 'outside.json'}")
    for server in ("app", "ceiling"):
        print(f"  RSS per {server} worker (largest): {results['rss_max_mb'][server]} MB")


if __name__ == "__main__":
    main()
