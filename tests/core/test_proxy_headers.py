"""Which address a request comes from: X-Forwarded-For is believed only from TRUSTED_PROXIES.

Observed where the address is kept: the sign-in's refresh token records `created_ip`.
"""

from __future__ import annotations

import pytest

from tests.conftest import AppFactory, Fresh, client_for
from tests.helpers import register

CLIENT = "198.51.100.7"


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "seen"),
    [
        pytest.param([], "127.0.0.1", [CLIENT], "127.0.0.1", id="nobody-trusted-by-default"),
        pytest.param(["10.9.0.0/16"], "203.0.113.5", [CLIENT], "203.0.113.5", id="untrusted-peer"),
        pytest.param(["10.9.0.0/16"], "10.9.3.4", [CLIENT], CLIENT, id="peer-in-a-network"),
        pytest.param(["10.9.0.7/16"], "10.9.3.4", [CLIENT], CLIENT, id="network-with-host-bits"),
        pytest.param(["192.0.2.10"], "192.0.2.10", [CLIENT], CLIENT, id="single-address"),
        pytest.param(
            ["10.9.0.0/16", "192.0.2.10"],
            "10.9.3.4",
            [f"{CLIENT}, 192.0.2.10"],
            CLIENT,
            id="chain-of-trusted-proxies",
        ),
        pytest.param(
            ["10.9.0.0/16"],
            "10.9.3.4",
            [f"203.0.113.66, {CLIENT}"],
            CLIENT,
            id="client-written-hops-ignored",
        ),
        pytest.param(
            ["10.9.0.0/16"],
            "10.9.3.4",
            ["203.0.113.66", CLIENT],
            CLIENT,
            id="several-headers-read-as-one-list",
        ),
        pytest.param(
            ["10.9.0.0/16"], "10.9.3.4", ["10.9.8.8, 10.9.0.2"], "10.9.8.8", id="all-hops-trusted"
        ),
        pytest.param(["10.9.0.0/16"], "10.9.3.4", [], "10.9.3.4", id="trusted-peer-no-header"),
    ],
)
async def test_client_address(
    make_app: AppFactory,
    fresh: Fresh,
    trusted: list[str],
    peer: str,
    forwarded: list[str],
    seen: str,
) -> None:
    app = make_app(trusted_proxies=trusted)
    async with client_for(app, ip=peer) as client:
        user = await register(client)
        response = await client.post(
            "/api/v1/auth/login/json",
            json={"email": user["email"], "password": user["password"]},
            headers=[("X-Forwarded-For", value) for value in forwarded],
        )
        assert response.status_code == 200
    created_ip = await fresh.val(
        "SELECT created_ip FROM refresh_tokens WHERE user_id = $1::uuid", user["user"]["id"]
    )
    assert created_ip == seen
