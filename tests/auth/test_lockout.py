"""Sign-in throttling slows an attacker down without locking the owner out (README, "Sign-in
throttling"). Every request comes through a trusted proxy naming the client in X-Forwarded-For,
as production runs behind a load balancer; the limits are the production defaults."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from tests.conftest import TEST_PASSWORD, AppFactory, client_for
from tests.helpers import register
from troubletree.core.config import Settings

PROXY = "10.9.0.1"
OWNER_ADDRESS = "192.0.2.50"
ATTACKERS = [f"203.0.113.{i}" for i in range(1, 21)]


def _production_limits() -> dict[str, Any]:
    fields = Settings.model_fields
    return {
        name: fields[name].default
        for name in ("rate_limit_login_ip", "rate_limit_login_pair", "rate_limit_login_account")
    } | {"trusted_proxies": ["10.9.0.0/16"]}


async def _login(proxy: httpx.AsyncClient, address: str, email: str, password: str) -> int:
    response = await proxy.post(
        "/api/v1/auth/login/json",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) >= 1
    return response.status_code


async def test_200_wrong_passwords_from_20_addresses_then_the_owner_signs_in(
    make_app: AppFactory,
) -> None:
    limits = _production_limits()
    assert limits["rate_limit_login_account"] == "100/hour"  # what the counts below assume
    app = make_app(**limits)
    async with client_for(app, ip=PROXY) as proxy:
        email = (await register(proxy))["email"]
        # The owner has signed in from their usual address before.
        assert await _login(proxy, OWNER_ADDRESS, email, TEST_PASSWORD) == 200

        refused: Counter[str] = Counter()
        rejected: Counter[str] = Counter()
        for _ in range(10):  # 10 rounds over 20 addresses: 200 wrong passwords
            for address in ATTACKERS:
                status = await _login(proxy, address, email, "wrong password 123")
                assert status in {401, 429}
                (refused if status == 429 else rejected)[address] += 1
        print(
            f"\nattack: 200 wrong passwords from {len(ATTACKERS)} addresses: "
            f"{sum(rejected.values())} checked (401), {sum(refused.values())} refused (429); "
            f"429 per address: {sorted(refused.values())}"
        )
        # The account's budget (100 failures an hour) is spent, then every address is refused.
        assert sum(rejected.values()) == 100
        assert sum(refused.values()) == 100
        assert all(refused[address] == 5 for address in ATTACKERS)

        # The right password from an address the account has never signed in from waits too:
        # the attacker gains nothing by guessing right now.
        assert await _login(proxy, "198.51.100.77", email, TEST_PASSWORD) == 429
        # The owner, from their usual address, signs in at once.
        assert await _login(proxy, OWNER_ADDRESS, email, TEST_PASSWORD) == 200


async def test_one_address_guessing_one_account_is_slowed_on_that_pair_only(
    make_app: AppFactory,
) -> None:
    app = make_app(**_production_limits())
    async with client_for(app, ip=PROXY) as proxy:
        email = (await register(proxy))["email"]
        other = (await register(proxy))["email"]
        statuses = [
            await _login(proxy, ATTACKERS[0], email, "wrong password 123") for _ in range(11)
        ]
        assert statuses == [401] * 10 + [429]
        # The right password from that address now waits as well (the pair's window)...
        assert await _login(proxy, ATTACKERS[0], email, TEST_PASSWORD) == 429
        # ...but the same account from elsewhere and another account from there are untouched.
        assert await _login(proxy, ATTACKERS[1], email, TEST_PASSWORD) == 200
        assert await _login(proxy, ATTACKERS[0], other, TEST_PASSWORD) == 200


async def test_the_usual_address_is_kept_per_user(make_app: AppFactory) -> None:
    """A sign-in of one user from an address does not make it usual for another user."""
    app = make_app(**(_production_limits() | {"rate_limit_login_account": "3/hour"}))
    async with client_for(app, ip=PROXY) as proxy:
        victim = (await register(proxy))["email"]
        attacker = (await register(proxy))["email"]
        assert await _login(proxy, ATTACKERS[0], attacker, TEST_PASSWORD) == 200
        for address in ATTACKERS[1:4]:
            assert await _login(proxy, address, victim, "wrong password 123") == 401
        assert await _login(proxy, ATTACKERS[0], victim, TEST_PASSWORD) == 429
