"""Abuse limits (the `limits` library): in-process counters by default, Redis when REDIS_URL is
set so every replica shares them. A refused request answers 429 with Retry-After."""

from __future__ import annotations

import math
import time
from typing import Annotated, cast

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from troubletree.core.config import Settings
from troubletree.core.errors import TooManyRequests


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        storage: Storage
        if settings.redis_url:
            url = settings.redis_url.replace("redis://", "async+redis://", 1).replace(
                "rediss://", "async+rediss://", 1
            )
            storage = cast(Storage, storage_from_string(url, implementation="redispy"))
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)
        self.settings = settings

    @staticmethod
    def item(spec: str) -> RateLimitItem:
        return parse(spec)

    async def _retry_after(self, item: RateLimitItem, *key: str) -> int:
        stats = await self.limiter.get_window_stats(item, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, spec: str, *key: str) -> None:
        """Counts one attempt; refuses (429) once the limit is spent."""
        item = self.item(spec)
        if not await self.limiter.hit(item, *key):
            raise TooManyRequests(await self._retry_after(item, *key))

    async def check(self, spec: str, *key: str) -> None:
        """Refuses (429) when the limit is already spent, without counting an attempt."""
        item = self.item(spec)
        if not await self.limiter.test(item, *key):
            raise TooManyRequests(await self._retry_after(item, *key))

    async def test(self, spec: str, *key: str) -> bool:
        """Whether the limit has room left (counts nothing)."""
        return await self.limiter.test(self.item(spec), *key)

    async def count(self, spec: str, *key: str) -> None:
        """Counts an attempt without refusing (e.g. a failed sign-in, refused on the next try)."""
        await self.limiter.hit(self.item(spec), *key)

    async def reset(self) -> None:
        await self.storage.reset()


def client_ip(request: Request) -> str:
    """The caller's address. Behind a proxy listed in TRUSTED_PROXIES, uvicorn's
    ProxyHeadersMiddleware (installed by create_app) has already put the client named by
    X-Forwarded-For here."""
    return request.client.host if request.client else "unknown"


async def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


Limiter = Annotated[RateLimiter, Depends(get_rate_limiter)]
