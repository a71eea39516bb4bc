"""CPU-heavy request work (transcript exports) off the event loop, in a bounded process pool.

Why processes and not threads: fpdf2 is pure Python and holds the GIL for the whole render (a
2,000-answer PDF takes seconds), so a worker *thread* would still starve the event loop of the
interpreter: the health check and every other request would wait for the render's GIL slices.
A process has its own interpreter, so the loop keeps answering (bench/export_blocking.py measures
it). Argon2 hashing stays in threads (core/security.py): the argon2 C code releases the GIL.

Bounded twice: `workers` processes render at once, and at most `queue_limit` more jobs wait for
one; past that the request answers 503 `busy` with Retry-After instead of piling up transcripts
in memory. Processes are started with "spawn" (a fresh interpreter), never forked from a process
that runs an event loop, database connections and threads, and only on first use.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from troubletree.core.errors import AppError

T = TypeVar("T")


class Busy(AppError):
    status_code = 503
    code = "busy"
    message = "The server is busy with other heavy work. Try again in a few seconds."

    def __init__(self, retry_after: int = 5) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})


class CpuPool:
    """A lazily started process pool with a cap on running plus waiting jobs."""

    def __init__(self, workers: int, queue_limit: int) -> None:
        self.workers = max(1, workers)
        self.queue_limit = max(0, queue_limit)
        self._executor: ProcessPoolExecutor | None = None
        self._in_flight = 0  # touched only on the event loop's thread

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker process (both must pickle: a module-level function and data)."""
        if self._in_flight >= self.workers + self.queue_limit:
            raise Busy()
        loop = asyncio.get_running_loop()
        future = self._pool().submit(fn, *args)
        self._in_flight += 1
        # Counted until the worker is done, even when the request is cancelled meanwhile (a client
        # that hangs up does not stop a render already running), so the cap holds.

        def done(_: object) -> None:
            try:
                loop.call_soon_threadsafe(self._release)
            except RuntimeError:  # the loop has closed meanwhile
                self._release()

        future.add_done_callback(done)
        return await asyncio.wrap_future(future)

    def _release(self) -> None:
        self._in_flight -= 1

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


@lru_cache(maxsize=4)
def shared_pool(workers: int, queue_limit: int) -> CpuPool:
    """One pool per process (an app built twice, as tests do, reuses the warm workers). A pool
    shut down by the app's lifespan starts again on its next use."""
    return CpuPool(workers, queue_limit)


async def _app_pool(request: Request) -> CpuPool:
    pool: CpuPool = request.app.state.cpu_pool
    return pool


# The app's process pool, for endpoints with CPU-heavy work.
Pool = Annotated[CpuPool, Depends(_app_pool)]
