"""`/metrics` with several worker processes: `troubletree serve --workers 2` keeps every
worker's counts in one folder (prometheus_client's multiprocess mode), so a scrape answered by
either worker adds up the requests both answered."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
from prometheus_client.mmap_dict import MmapedDict

from tests.ops.servers import Process, app_environment, free_port, wait_ready

TOKEN = "metrics-" + "t" * 32
BATCH = 30
HEALTHZ = re.compile(
    r'^troubletree_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$',
    re.MULTILINE,
)


def _healthz_count(base: str) -> float:
    """One scrape over a new connection (so any worker may answer it)."""
    response = httpx.get(
        f"{base}/metrics",
        headers={"Authorization": f"Bearer {TOKEN}", "Connection": "close"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    found = HEALTHZ.search(response.text)
    return float(found.group(1)) if found else 0.0


async def _batch(base: str) -> int:
    async def one() -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{base}/healthz", headers={"Connection": "close"})
            assert response.status_code == 200

    await asyncio.gather(*(one() for _ in range(BATCH)))
    return BATCH


def _healthz_by_worker(folder: Path) -> dict[str, float]:
    """Each worker's own count of the health checks, read from its file in the folder."""
    counts: dict[str, float] = {}
    for path in folder.glob("counter_*.db"):
        pid = path.stem.rsplit("_", 1)[1]
        counts[pid] = 0.0
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            _, sample, labels, *_ = json.loads(key)
            if sample == "troubletree_http_requests_total" and labels.get("route") == "/healthz":
                counts[pid] += value
    return counts


def test_metrics_add_up_every_worker(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = app_environment(
        database_url,
        tmp_path / "data",
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(folder),
    )
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left over from an earlier run")
    server = Process(
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-migrate"],
        env,
        tmp_path / "serve.log",
    )
    try:
        wait_ready(base, server)
        # Batches of parallel requests, each on a new connection, until both workers have
        # answered some (the kernel hands each connection to whichever worker accepts first).
        sent = 0
        for _ in range(20):
            sent += asyncio.run(_batch(base))
            by_worker = _healthz_by_worker(folder)
            if len(by_worker) == 2 and all(by_worker.values()):
                break
        counts = [_healthz_count(base) for _ in range(10)]
    finally:
        server.stop()
    print(
        f"\n{sent} health checks answered by 2 workers: {sorted(by_worker.values())} "
        f"each; /metrics counted {sorted(set(counts))} in 10 scrapes"
    )
    assert "1" not in by_worker  # the folder was emptied of the earlier run's files
    assert len(by_worker) == 2, server.output()[-2000:]
    # Both answered some (so no single worker's own count could be the total) ...
    assert all(0 < n < sent for n in by_worker.values()), by_worker
    assert sum(by_worker.values()) == sent
    # ... and whichever worker answered a scrape, it counted the requests of both.
    assert set(counts) == {float(sent)}
