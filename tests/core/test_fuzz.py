"""Schema-driven fuzzing (schemathesis) of every operation against a real server process: whatever
the input, valid or not, the API never answers 5xx."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import TEST_PASSWORD
from tests.helpers import unique_email
from troubletree.core.config import Settings
from troubletree.main import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(database_url: str) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "fuzz-signing-key-" + "f" * 40,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "8192",
        "RUN_WORKER_IN_PROCESS": "false",
        "LOG_LEVEL": "WARNING",
        **{
            f"RATE_LIMIT_{name}": "1000000/minute"
            for name in (
                "LOGIN_IP",
                "LOGIN_ACCOUNT",
                "REGISTER_IP",
                "RESET_IP",
                "INVITE_IP",
                "REFRESH_IP",
            )
        },
    }
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "troubletree.cli", "serve", "--port", str(port), "--no-migrate"],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


def _sign_in(base: str, email: str) -> dict[str, str]:
    tokens = httpx.post(
        f"{base}/api/v1/auth/login/json", json={"email": email, "password": TEST_PASSWORD}
    ).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture(scope="module")
def role_headers(live_server: str) -> dict[str, dict[str, str]]:
    """One account with a signed-in admin, engineer and technician."""
    email = unique_email("fuzz")
    body = {"email": email, "password": TEST_PASSWORD, "full_name": "Fuzz"}
    assert httpx.post(f"{live_server}/api/v1/auth/register", json=body).status_code == 201
    headers = {"admin": _sign_in(live_server, email)}
    for role in ("engineer", "technician"):
        invite = httpx.post(
            f"{live_server}/api/v1/account/invites",
            headers=headers["admin"],
            json={"role": role, "max_uses": 1},
        )
        member = unique_email(role)
        joined = httpx.post(
            f"{live_server}/api/v1/auth/register",
            json={**body, "email": member, "invite_code": invite.json()["code"]},
        )
        assert joined.status_code == 201, joined.text
        headers[role] = _sign_in(live_server, member)
    return headers


@pytest.fixture(params=["admin", "engineer", "technician"])
def auth_headers(
    request: pytest.FixtureRequest, role_headers: dict[str, dict[str, str]]
) -> dict[str, str]:
    return role_headers[request.param]


# The schema comes from the app itself (no server needed to collect); calls go to the live server.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(environment="test", secret_key="s" * 48)).openapi()
)


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors(
    case: schemathesis.Case, live_server: str, auth_headers: dict[str, str]
) -> None:
    case.call_and_validate(
        base_url=live_server,
        headers=auth_headers,
        checks=[not_a_server_error, response_schema_conformance],
    )
