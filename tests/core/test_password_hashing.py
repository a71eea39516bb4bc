"""Password hashing runs in a bounded pool of low-priority threads: a storm of sign-ins queues
for a hasher instead of running every hash at once beside the event loop."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from typing import Any

import pytest

from troubletree.core import security
from troubletree.core.config import Settings

SETTINGS = Settings(
    environment="test",
    secret_key="test-signing-key-" + "k" * 40,
    argon2_time_cost=1,
    argon2_memory_kib=8192,
    password_hash_threads=2,
)


class CountingHasher:
    """Stands in for pwdlib's hasher: records how many hashes run at once, and their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.threads: set[int] = set()
        self.niceness: set[int] = set()

    def _work(self) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.get_native_id())
            if sys.platform == "linux":
                self.niceness.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        time.sleep(0.02)  # long enough for the calls to overlap if the pool let them
        with self.lock:
            self.running -= 1

    def hash(self, password: str) -> str:
        self._work()
        return "hashed"

    def verify(self, password: str, password_hash: str) -> bool:
        self._work()
        return password == "right"


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    hasher = CountingHasher()
    monkeypatch.setattr(security, "password_hasher", lambda settings: hasher)
    return hasher


async def test_fifty_sign_ins_run_at_most_the_pool_size_at_once(counting: CountingHasher) -> None:
    checks: list[Any] = [
        security.verify_password(SETTINGS, "right" if i % 2 else "wrong", "stored")
        for i in range(40)
    ]
    checks += [security.verify_password(SETTINGS, "any", None) for _ in range(10)]  # unknown users
    results = await asyncio.gather(*checks)
    assert results.count(True) == 20
    assert results.count(False) == 30
    assert counting.most == 2  # they did overlap, and never more than the pool's two threads
    assert len(counting.threads) == 2


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
async def test_hashing_threads_run_at_a_lower_priority(counting: CountingHasher) -> None:
    await asyncio.gather(*(security.hash_password(SETTINGS, "pw") for _ in range(4)))
    base = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(19, base + security.HASH_THREAD_NICENESS)
    assert counting.niceness == {expected}
    # The event loop's own thread keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base


def test_the_default_shares_the_cores_among_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    unset = SETTINGS.model_copy(update={"password_hash_threads": None})
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.delenv(security.SERVER_WORKERS_ENV, raising=False)
    assert security.hash_threads(unset) == 8
    monkeypatch.setenv(security.SERVER_WORKERS_ENV, "4")
    assert security.hash_threads(unset) == 2
    monkeypatch.setenv(security.SERVER_WORKERS_ENV, "16")
    assert security.hash_threads(unset) == 1
    assert security.hash_threads(SETTINGS) == 2
