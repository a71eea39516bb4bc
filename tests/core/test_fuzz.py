"""Schema-driven fuzzing (schemathesis) of every operation against a real server process, as an
admin, an engineer and a technician of one account: whatever the input, valid or not, the API
never answers 5xx and every answer matches the response schema the OpenAPI document gives for
its status. A stateful run follows the document's links (create -> read -> update -> delete)
with the same checks. The run ends with a summary: operations covered, cases, failures.

FUZZ_EXAMPLES sets the cases per operation and role (6 by default; `make fuzz` runs 100)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

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
    assert httpx.post(f"{live_server}/api/v1/auth/register", json=body).status_code == 202
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
        assert joined.status_code == 202, joined.text
        headers[role] = _sign_in(live_server, member)
    return headers


@pytest.fixture(params=["engineer", "technician"])
def member_headers(
    request: pytest.FixtureRequest, role_headers: dict[str, dict[str, str]]
) -> dict[str, str]:
    return role_headers[request.param]


# The schema comes from the app itself (no server needed to collect); calls go to the live server.
RAW_SCHEMA = create_app(Settings(environment="test", secret_key="s" * 48)).openapi()
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
# The other roles get the generated cases but not the coverage phase (every boundary and invalid
# value of every parameter): input validation does not depend on the role, and the admin's run
# already covers it, so CI time goes to what differs (what each role may do).
member_schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
member_schema.config.phases.coverage.enabled = False


EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
CASES: Counter[str] = Counter()
FAILURES: Counter[str] = Counter()


def summary() -> str | None:
    """Operations covered, cases and failures of this run (printed by tests/core/conftest.py)."""
    if not CASES:
        return None
    operations = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
    }
    return (
        f"fuzz: {len(set(CASES))} of {len(operations)} operations covered, "
        f"{sum(CASES.values())} cases, {sum(FAILURES.values())} failures"
        + (f" ({', '.join(sorted(FAILURES))})" if FAILURES else "")
    )


def _validated(case: schemathesis.Case, response: object) -> None:
    label = case.operation.label
    CASES[label] += 1
    try:
        case.validate_response(response, checks=CHECKS)  # type: ignore[arg-type]
    except BaseException:
        FAILURES[label] += 1
        raise


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_errors(
    case: schemathesis.Case, live_server: str, role_headers: dict[str, dict[str, str]]
) -> None:
    """As the account's admin, every phase (examples, coverage, generated cases)."""
    _validated(case, case.call(base_url=live_server, headers=role_headers["admin"]))


@member_schema.parametrize()
@FUZZ_SETTINGS
def test_each_member_role(
    case: schemathesis.Case, live_server: str, member_headers: dict[str, str]
) -> None:
    """As an engineer and as a technician: generated cases."""
    _validated(case, case.call(base_url=live_server, headers=member_headers))


@pytest.mark.parametrize("role", ["admin", "engineer", "technician"])
def test_stateful_links(
    role: str, live_server: str, role_headers: dict[str, dict[str, str]]
) -> None:
    """Sequences of calls that follow the links: a created tree, session, category or invite is
    read, changed, used and deleted through the ids the API returned."""

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"base_url": live_server, "headers": role_headers[role]}

        def validate_response(  # type: ignore[override]
            self, response: object, case: schemathesis.Case, **kwargs: object
        ) -> None:
            _validated(case, response)

    Workflow.run(
        settings=settings(
            max_examples=max(6, EXAMPLES),
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
