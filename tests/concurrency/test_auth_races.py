"""Races on a real PostgreSQL: requests really in parallel (one pooled connection each), outcomes
read back over a separate connection, each race repeated 25 times."""

from __future__ import annotations

import collections
import uuid

import httpx
import pytest

from tests.conftest import (
    TEST_PASSWORD,
    AppFactory,
    Fresh,
    Mailbox,
    burst,
    client_for,
    deliver_outbox,
    make_settings,
)
from tests.helpers import bearer, error_code, login, register, unique_email
from troubletree.core.config import Settings
from troubletree.core.db import Database

REPEAT = 25


def statuses(responses: list[httpx.Response]) -> collections.Counter[int]:
    return collections.Counter(r.status_code for r in responses)


@pytest.mark.parametrize("round_", range(REPEAT))
async def test_parallel_refresh_inside_grace_gets_one_successor(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    user = await register(client)
    rt0 = (await login(client, user["email"]))["refresh_token"]

    responses = await burst(
        50, lambda _: client.post("/api/v1/auth/refresh", json={"refresh_token": rt0})
    )

    assert statuses(responses) == {200: 50}
    assert len({r.json()["refresh_token"] for r in responses}) == 1
    parent = await fresh.val(
        "SELECT t.id FROM refresh_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE u.email = $1 AND t.parent_id IS NULL",
        user["email"],
    )
    assert await fresh.val("SELECT count(*) FROM refresh_tokens WHERE parent_id = $1", parent) == 1
    assert await fresh.val("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NOT NULL") == 0
    # The shared successor is the live token of the family.
    successor = responses[0].json()["refresh_token"]
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": successor})
    ).status_code == 200


@pytest.mark.parametrize("round_", range(REPEAT))
async def test_parallel_refresh_strict_policy_one_winner_family_revoked(
    make_app: AppFactory, fresh: Fresh, round_: int
) -> None:
    async with client_for(make_app(refresh_reuse_grace_seconds=0)) as client:
        user = await register(client)
        rt0 = (await login(client, user["email"]))["refresh_token"]

        responses = await burst(
            50, lambda _: client.post("/api/v1/auth/refresh", json={"refresh_token": rt0})
        )

        assert statuses(responses) == {200: 1, 401: 49}
        assert {error_code(r) for r in responses if r.status_code == 401} <= {
            "refresh_token_reused",
            "invalid_refresh_token",
        }
        rows = await fresh.fetch(
            "SELECT t.parent_id, t.revoked_at FROM refresh_tokens t JOIN users u "
            "ON u.id = t.user_id WHERE u.email = $1",
            user["email"],
        )
        assert len(rows) == 2  # the original and exactly one child
        assert all(r["revoked_at"] is not None for r in rows)
        winner = next(r for r in responses if r.status_code == 200).json()["refresh_token"]
        assert (
            await client.post("/api/v1/auth/refresh", json={"refresh_token": winner})
        ).status_code == 401


async def _invite(client: httpx.AsyncClient, max_uses: int) -> tuple[str, str]:
    """An admin's account invite: (code, account id)."""
    admin = await register(client)
    tokens = await login(client, admin["email"])
    response = await client.post(
        "/api/v1/account/invites",
        headers=bearer(tokens),
        json={"role": "engineer", "max_uses": max_uses},
    )
    assert response.status_code == 201, response.text
    return response.json()["code"], admin["account"]["id"]


@pytest.mark.parametrize("round_", range(REPEAT))
async def test_account_invite_never_exceeds_max_uses(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    code, account_id = await _invite(client, max_uses=3)

    responses = await burst(
        30,
        lambda i: client.post(
            "/api/v1/auth/register",
            json={
                "email": unique_email(f"r{i}"),
                "password": TEST_PASSWORD,
                "full_name": f"Racer {i}",
                "invite_code": code,
            },
        ),
    )

    assert statuses(responses) == {202: 3, 409: 27}
    assert {error_code(r) for r in responses if r.status_code == 409} == {"invite_exhausted"}
    account = uuid.UUID(account_id)
    assert (
        await fresh.val("SELECT use_count FROM account_invites WHERE account_id = $1", account) == 3
    )
    assert (
        await fresh.val(
            "SELECT count(*) FROM memberships WHERE account_id = $1 AND role = 'engineer'", account
        )
        == 3
    )
    # Losers left nothing behind: only the admin and the three winners exist.
    assert await fresh.val("SELECT count(*) FROM users") == 4


@pytest.mark.parametrize("round_", range(REPEAT))
async def test_platform_invite_never_exceeds_max_uses(
    make_app: AppFactory, fresh: Fresh, round_: int
) -> None:
    async with client_for(make_app(signup_mode="invite")) as client:
        admin_email = unique_email("root")
        await _superuser(fresh, client, admin_email, make_app)
        tokens = await login(client, admin_email)
        response = await client.post(
            "/api/v1/platform/invites", headers=bearer(tokens), json={"max_uses": 3, "note": "race"}
        )
        assert response.status_code == 201, response.text
        code = response.json()["code"]

        responses = await burst(
            30,
            lambda i: client.post(
                "/api/v1/auth/register",
                json={
                    "email": unique_email(f"p{i}"),
                    "password": TEST_PASSWORD,
                    "full_name": f"P {i}",
                    "platform_invite_code": code.lower(),  # typed codes are case-insensitive
                },
            ),
        )

        assert statuses(responses) == {202: 3, 409: 27}
        assert {error_code(r) for r in responses if r.status_code == 409} == {"invite_exhausted"}
        assert await fresh.val("SELECT use_count FROM platform_invites") == 3
        assert await fresh.val("SELECT count(*) FROM users WHERE NOT is_superuser") == 3


@pytest.mark.parametrize("round_", range(REPEAT))
async def test_parallel_registrations_of_one_address_create_one_user(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    """50 registrations of one new address at once, half of them with an invite: every one
    answers the same 202, one user exists, and the address gets one verification mail and one
    "someone tried" mail (the rest fall inside the minute between two such mails). The winner
    may or may not have used the invite; a loser never takes a use."""
    code, account_id = await _invite(client, max_uses=50)
    email = unique_email("same")

    responses = await burst(
        50,
        lambda i: client.post(
            "/api/v1/auth/register",
            json={
                "email": email,
                "password": TEST_PASSWORD,
                "full_name": f"Twin {i}",
                **({"invite_code": code} if i % 2 else {}),
            },
        ),
    )

    assert statuses(responses) == {202: 50}
    assert len({r.content for r in responses}) == 1
    assert await fresh.val("SELECT count(*) FROM users WHERE email = $1", email) == 1
    joined = await fresh.val(
        "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE u.email = $1 AND m.account_id = $2",
        email,
        uuid.UUID(account_id),
    )
    assert await fresh.val("SELECT use_count FROM account_invites") == joined
    kinds = await fresh.fetch(
        "SELECT kind, count(*) AS n FROM outbox_emails WHERE to_address = $1 GROUP BY kind", email
    )
    assert {r["kind"]: r["n"] for r in kinds} == {"verify_email": 1, "registration_attempt": 1}


async def _superuser(
    fresh: Fresh, client: httpx.AsyncClient, email: str, make_app: AppFactory
) -> None:
    """A platform superuser, made the way `troubletree create-admin` makes one."""
    async with client_for(make_app(signup_mode="open")) as open_client:
        await register(open_client, email)
    await fresh.execute("UPDATE users SET is_superuser = true WHERE email = $1", email)


@pytest.mark.parametrize("round_", range(REPEAT))
async def test_parallel_reset_confirms_one_winner(
    make_app: AppFactory,
    fresh: Fresh,
    database: Database,
    smtp: tuple[Mailbox, int],
    database_url: str,
    round_: int,
) -> None:
    mailbox, port = smtp
    mail_settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False
    )
    async with client_for(make_app()) as client:
        user = await register(client)
        await login(client, user["email"])
        await login(client, user["email"])
        await client.post("/api/v1/auth/password-reset/request", json={"email": user["email"]})
        await deliver_outbox(mail_settings, database)
        token = mailbox.link_token(user["email"], "/reset-password")

        passwords = [f"new secret number {i:02d}" for i in range(20)]
        responses = await burst(
            20,
            lambda i: client.post(
                "/api/v1/auth/password-reset/confirm",
                json={"token": token, "new_password": passwords[i]},
            ),
        )

        assert statuses(responses) == {200: 1, 400: 19}
        assert {error_code(r) for r in responses if r.status_code == 400} == {"reset_token_invalid"}
        # No session comes back: the one success carries only its message.
        assert [list(r.json()) for r in responses if r.status_code == 200] == [["message"]]
        winner = passwords[next(i for i, r in enumerate(responses) if r.status_code == 200)]
        assert (
            await client.post(
                "/api/v1/auth/login/json", json={"email": user["email"], "password": winner}
            )
        ).status_code == 200
        assert (
            await client.post(
                "/api/v1/auth/login/json", json={"email": user["email"], "password": TEST_PASSWORD}
            )
        ).status_code == 401

    await deliver_outbox(mail_settings, database)
    changed = [m for m in mailbox.to(user["email"]) if "was changed" in m["Subject"]]
    assert len(changed) == 1
    # Both earlier sign-ins are revoked; only the winner's check sign-in above is live.
    live = await fresh.val(
        "SELECT count(DISTINCT family_id) FROM refresh_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE u.email = $1 AND t.revoked_at IS NULL",
        user["email"],
    )
    assert live == 1
    assert (
        await fresh.val("SELECT count(*) FROM outbox_emails WHERE kind = 'password_changed'") == 1
    )


@pytest.mark.parametrize("round_", range(REPEAT))
async def test_parallel_verification_confirms_one_winner(
    client: httpx.AsyncClient,
    fresh: Fresh,
    database: Database,
    smtp: tuple[Mailbox, int],
    database_url: str,
    round_: int,
) -> None:
    mailbox, port = smtp
    user = await register(client)
    await deliver_outbox(
        make_settings(database_url, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False),
        database,
    )
    token = mailbox.link_token(user["email"], "/verify-email")

    responses = await burst(
        20, lambda _: client.post("/api/v1/auth/verify-email/confirm", json={"token": token})
    )

    assert statuses(responses) == {200: 1, 400: 19}
    assert (
        await fresh.val(
            "SELECT email_verified_at IS NOT NULL FROM users WHERE email = $1", user["email"]
        )
        is True
    )
    assert await fresh.val("SELECT count(*) FROM audit_events WHERE action = 'email_verified'") == 1


@pytest.mark.parametrize("round_", range(5))
async def test_parallel_reset_requests_send_one_mail(
    client: httpx.AsyncClient, fresh: Fresh, settings: Settings, database: Database, round_: int
) -> None:
    user = await register(client)
    responses = await burst(
        20,
        lambda _: client.post("/api/v1/auth/password-reset/request", json={"email": user["email"]}),
    )
    assert statuses(responses) == {202: 20}
    assert len({r.content for r in responses}) == 1
    await deliver_outbox(settings, database)  # the queued requests, then the one mail
    assert await fresh.val("SELECT count(*) FROM outbox_emails WHERE kind = 'password_reset'") == 1
    assert await fresh.val("SELECT count(*) FROM password_reset_tokens") == 1
