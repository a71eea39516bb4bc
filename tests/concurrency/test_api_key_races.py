"""One API key used by 50 requests at once, at its rate limit: exactly the limit succeed, the
rest answer 429, and the use is written once (one `last_used_at` move, one audit row), with
the counters in process and in Redis."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
import redis

from tests.apikeys.helpers import create_key
from tests.conftest import AppFactory, Fresh, burst, client_for
from tests.helpers import signed_in

REDIS_URL = "redis://127.0.0.1:6379/0"
LIMIT = 20
PARALLEL = 50


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.parametrize("storage", ["memory", "redis"])
async def test_parallel_uses_at_the_limit(make_app: AppFactory, fresh: Fresh, storage: str) -> None:
    if storage == "redis" and not _redis_answers():
        pytest.skip("no Redis at 127.0.0.1:6379")
    app = make_app(
        rate_limit_api_key=f"{LIMIT}/minute",
        redis_url=REDIS_URL if storage == "redis" else None,
    )
    async with client_for(app) as client:
        _, admin = await signed_in(client)
        created, key = await create_key(client, admin, "technician")

        async def use(_: int) -> httpx.Response:
            return await client.get("/api/v1/trees", headers=key)

        for _ in range(10):  # races are probabilistic: a single extra success fails
            await app.state.rate_limiter.reset()
            await fresh.execute("UPDATE api_keys SET last_used_at = NULL")
            await fresh.execute("DELETE FROM audit_events WHERE action = 'api_key_used'")
            statuses = Counter(r.status_code for r in await burst(PARALLEL, use))
            assert statuses == {200: LIMIT, 429: PARALLEL - LIMIT}
            used = await fresh.fetch(
                "SELECT subject, data->>'route' AS route FROM audit_events "
                "WHERE action = 'api_key_used'"
            )
            assert [(r["subject"], r["route"]) for r in used] == [(created["id"], "/api/v1/trees")]
            assert await fresh.val("SELECT last_used_at IS NOT NULL FROM api_keys")
        refused = await client.get("/api/v1/trees", headers=key)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
