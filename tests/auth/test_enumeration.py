"""No account enumeration: sign-in, the reset request and registration answer a known address
and an unknown one with the same status, the same body and in the same time. Time is compared as
a ratio of medians measured in one run (30 tries each, interleaved), never against a wall-clock
figure."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

import httpx

from tests.conftest import Fresh
from tests.helpers import register, unique_email

TRIES = 30
MAX_RATIO = 1.5


async def _timed(send: Callable[[], Awaitable[httpx.Response]]) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = await send()
    return time.perf_counter() - start, response


async def _compare(
    what: str,
    known: Callable[[int], Awaitable[httpx.Response]],
    unknown: Callable[[int], Awaitable[httpx.Response]],
) -> tuple[set[tuple[int, bytes]], set[tuple[int, bytes]]]:
    """Runs both kinds alternately; returns the (status, body) pairs seen for each and asserts
    the medians are within MAX_RATIO of each other."""
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    answers: dict[str, set[tuple[int, bytes]]] = {"known": set(), "unknown": set()}
    await known(-1)  # warm both paths (first statements prepared, hasher built)
    await unknown(-1)
    for i in range(TRIES):
        for kind, send in (("known", known), ("unknown", unknown)):
            elapsed, response = await _timed(lambda send=send, i=i: send(i))  # type: ignore[misc]
            times[kind].append(elapsed)
            answers[kind].add((response.status_code, response.content))
    known_median = statistics.median(times["known"])
    unknown_median = statistics.median(times["unknown"])
    ratio = max(known_median, unknown_median) / min(known_median, unknown_median)
    print(
        f"\n{what}: median known {known_median * 1000:.1f} ms, unknown "
        f"{unknown_median * 1000:.1f} ms, ratio {ratio:.2f} (limit {MAX_RATIO})"
    )
    assert ratio <= MAX_RATIO, f"{what}: known and unknown addresses differ {ratio:.2f}x in time"
    return answers["known"], answers["unknown"]


async def test_sign_in_with_a_known_or_unknown_address(client: httpx.AsyncClient) -> None:
    user = await register(client)

    def attempt(email: str) -> Awaitable[httpx.Response]:
        return client.post(
            "/api/v1/auth/login/json", json={"email": email, "password": "not the password"}
        )

    known, unknown = await _compare(
        "sign-in", lambda _: attempt(user["email"]), lambda _: attempt(unique_email("nobody"))
    )
    assert known == unknown
    assert {status for status, _ in known} == {401}


async def test_reset_request_for_a_known_or_unknown_address(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    users = [await register(client) for _ in range(TRIES + 1)]

    def request(email: str) -> Awaitable[httpx.Response]:
        return client.post("/api/v1/auth/password-reset/request", json={"email": email})

    # A new known address every time: each would get a mail, the most work there is.
    known, unknown = await _compare(
        "reset request",
        lambda i: request(users[i + 1]["email"]),
        lambda _: request(unique_email("nobody")),
    )
    assert known == unknown
    assert {status for status, _ in known} == {202}
    # The request only queued work: no token exists before the worker runs.
    assert await fresh.val("SELECT count(*) FROM password_reset_tokens") == 0


async def test_registration_with_a_known_or_unknown_address(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    users = [await register(client) for _ in range(TRIES + 1)]

    def attempt(email: str) -> Awaitable[httpx.Response]:
        return client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": "a different passphrase", "full_name": "Someone"},
        )

    # A new known address every time (each owner gets a "someone tried" mail, the most work a
    # known address causes); every unknown address creates a user, an account and a mail.
    known, unknown = await _compare(
        "registration",
        lambda i: attempt(users[i + 1]["email"]),
        lambda _: attempt(unique_email("newcomer")),
    )
    assert known == unknown
    assert {status for status, _ in known} == {202}
    kinds = await fresh.fetch(
        "SELECT kind, count(*) AS n FROM outbox_emails WHERE kind <> 'verify_email' OR "
        "to_address LIKE 'newcomer-%' GROUP BY kind"
    )
    assert {r["kind"]: r["n"] for r in kinds} == {
        "registration_attempt": TRIES + 1,
        "verify_email": TRIES + 1,
    }
