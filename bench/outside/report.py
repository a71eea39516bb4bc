"""bench/RESULTS.md from one run of the outside benchmark."""

from __future__ import annotations

import statistics
from typing import Any

RATIO_TARGET = 0.6
P99_TARGET = 2.0
DEEP_TARGET = 1.2
STORM_TARGET = 2.0
RSS_TARGET_MB = 200
RSS_FLAT = 1.10  # the last soak sample within 10% of the first after warm-up


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["requests_per_s"])
    return ordered[len(ordered) // 2]


def _cpu(runs: list[dict[str, Any]]) -> float:
    """CPU time of the workers per request (user + system, all runs): unlike req/s it hardly
    depends on how much of the shared machine the side got."""
    return statistics.median(r.get("cpu_ms_per_request", 0.0) for r in runs)


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def report(results: dict[str, Any], labels: dict[str, str], notes: str = "") -> str:
    cells = results["cells"]
    m = results["machine"]
    args = results["args"]
    lines = [
        "# Outside benchmark: results",
        "",
        f"Run {results['date']} on {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, "
        f"Python {m['python']}, PostgreSQL {m['postgresql']} on the same machine, shared with "
        f"other work (load average at the start {', '.join(f'{x:.1f}' for x in m['load'])}). "
        f"`{args['workers']}` uvicorn workers a side (uvloop, httptools), wrk with one thread, "
        f"{args['duration']:g} s a run, {args['runs']} runs a side alternating (app, ceiling, "
        f"ceiling, app, ...), the median run (by req/s) reported. Data: the demo account, a "
        f"200-node tree and {results['data']['sessions']:,} sessions of the technician who "
        "calls every endpoint. How to run it and what the ceiling is: bench/README.md.",
        "",
    ]
    summary: list[tuple[str, bool, str]] = []

    # Throughput and p99 against the ceiling.
    table = [
        "| endpoint | conns | app req/s | ceiling req/s | ratio | app p50 ms | app p99 ms "
        "| ceiling p50 ms | ceiling p99 ms | p99 ratio | CPU ms/req app | ceiling |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratio_misses: list[str] = []
    p99_misses: list[str] = []
    for key, by_conn in cells.items():
        for conns, sides in by_conn.items():
            a, c = _median(sides["app"]), _median(sides["ceiling"])
            # A side that answered nothing in its runs has no ratio to give (shown as n/a).
            answered = c["requests_per_s"] > 0 and c["p99_ms"] > 0
            ratio = a["requests_per_s"] / c["requests_per_s"] if answered else float("nan")
            p99 = a["p99_ms"] / c["p99_ms"] if answered else float("nan")
            errors = sum(r["errors"] for r in sides["app"] + sides["ceiling"])
            table.append(
                f"| {labels.get(key, key)} | {conns} | {a['requests_per_s']:.0f} | "
                f"{c['requests_per_s']:.0f} | {_times(ratio)} | {a['p50_ms']:.1f} | "
                f"{a['p99_ms']:.1f} | {c['p50_ms']:.1f} | {c['p99_ms']:.1f} | {_times(p99)} | "
                f"{_cpu(sides['app']):.2f} | {_cpu(sides['ceiling']):.2f} |"
                + (f" {errors} errors" if errors else "")
            )
            if key != "login" and int(conns) in (8, 32) and answered:
                if ratio < RATIO_TARGET:
                    ratio_misses.append(f"{key} at {conns} ({ratio:.2f}x)")
                if p99 > P99_TARGET:
                    p99_misses.append(f"{key} at {conns} ({p99:.2f}x)")
    summary.append(
        (
            f"every endpoint but login >= {RATIO_TARGET}x the ceiling's req/s at 8 and 32",
            not ratio_misses,
            ", ".join(ratio_misses) or "all",
        )
    )
    summary.append(
        (
            f"p99 <= {P99_TARGET}x the ceiling's (8 and 32 connections)",
            not p99_misses,
            ", ".join(p99_misses) or "all",
        )
    )

    # Statements.
    statements = results.get("statements") or {}
    st_lines = [
        "| endpoint | app | ceiling | app statements (per request) |",
        "|---|---|---|---|",
    ]
    st_misses = []
    for key, sides in statements.items():
        a = sides["app"]["per_request"]
        c = sides["ceiling"]["per_request"]
        shapes = "; ".join(
            f"{n:g}x `{s[:60]}`" for s, n in sorted(sides["app"]["statements"].items())
        )
        st_lines.append(f"| {labels.get(key, key)} | {a:g} | {c:g} | {shapes} |")
        if a > c:
            st_misses.append(f"{key} ({a:g} vs {c:g})")
    if statements:
        summary.append(
            ("statements per request equal to the ceiling's", not st_misses,
             ", ".join(st_misses) or "all")
        )  # fmt: skip

    # History depth.
    if "history_first" in cells and "history_deep" in cells:
        ratios = []
        for conns in cells["history_first"]:
            if conns in cells["history_deep"]:
                first = _median(cells["history_first"][conns]["app"])
                deep = _median(cells["history_deep"][conns]["app"])
                ratios.append((conns, deep["p50_ms"] / max(first["p50_ms"], 1e-9)))
        worst = max(r for _, r in ratios)
        summary.append(
            (
                f"history deep page p50 <= {DEEP_TARGET}x the first page's",
                worst <= DEEP_TARGET,
                ", ".join(f"{c} conns {r:.2f}x" for c, r in ratios),
            )
        )

    storm = results.get("storm")
    if storm:
        starved = not storm["storm"]["requests"]
        summary.append(
            (
                f"50 parallel logins raise the step's p99 by <= {STORM_TARGET}x",
                not starved and storm["p99_ratio"] <= STORM_TARGET,
                "no step answered during the storm "
                f"({storm['alone']['requests']} steps in the run alone before it)"
                if starved
                else f"{storm['p99_ratio']:.2f}x (p99 {storm['alone']['p99_ms']:.1f} / "
                f"{storm['alone_again']['p99_ms']:.1f} ms alone, {storm['storm']['p99_ms']:.1f} "
                f"ms during {storm.get('logins', '?')} sign-ins)",
            )
        )

    rss = results.get("rss_max_mb", {})
    soak = results.get("soak")
    app_rss = rss.get("app", [])
    worst_rss = max(app_rss) if app_rss else 0.0
    flat_text = "no soak run"
    flat = True
    if soak:
        samples = soak["samples_mb"]
        start = samples[min(1, len(samples) - 1)]
        end = samples[-1]
        flat = all(e <= s * RSS_FLAT for s, e in zip(start, end, strict=False))
        worst_rss = max(worst_rss, *(max(s) for s in samples if s))
        flat_text = (
            f"soak of {soak['seconds']:g} s: {', '.join(f'{x:.0f}' for x in start)} MB after "
            f"the first 10 s, {', '.join(f'{x:.0f}' for x in end)} MB at the end"
        )
    summary.append(
        (
            f"RSS per worker <= {RSS_TARGET_MB} MB and flat over the soak",
            worst_rss <= RSS_TARGET_MB and flat and bool(soak),
            f"largest {worst_rss:.0f} MB (ceiling {max(rss.get('ceiling') or [0]):.0f} MB); "
            + flat_text,
        )
    )

    lines += ["## Summary", "", "| target | | measured |", "|---|---|---|"]
    lines += [f"| {name} | {_met(ok)} | {text} |" for name, ok, text in summary]
    lines += ["", notes, "", "## Throughput and latency", "", *table, ""]
    if results.get("json_differs"):
        lines += [f"Answers that differed: {', '.join(results['json_differs'])}.", ""]
    else:
        lines += [
            "Before timing, each endpoint was called on both sides: reads gave equal JSON, "
            "writes JSON of the same shape.",
            "",
        ]
    if statements:
        lines += [
            "## SQL statements per request",
            "",
            "Counted by PostgreSQL (its statement log, `log_statement = 'all'` on the bench "
            "database only, over 20 sequential requests after a warm-up; see "
            "bench/outside/statements.py). An empty statement (`;`, the pool's pre-ping) "
            "is not logged, so a pre-ping shows as its BEGIN and ROLLBACK.",
            "",
            *st_lines,
            "",
        ]
    if storm:
        lines += [
            "## Login storm",
            "",
            "The step endpoint at 8 connections, alone, then while a second wrk keeps 50 "
            "sign-ins in flight (argon2, 64 MiB, t=3), then alone again.",
            "",
        ]
    return "\n".join(lines) + "\n"


def median(values: list[float]) -> float:
    return statistics.median(values)


def _times(ratio: float) -> str:
    return "n/a" if ratio != ratio else f"{ratio:.2f}x"  # NaN: the ceiling answered nothing
