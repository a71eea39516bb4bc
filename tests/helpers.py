"""Small factories: register, sign in, and headers, all through the public API (what a
registration created is read from the database: the API tells nobody)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from troubletree.accounts.models import Account, Membership
from troubletree.accounts.schemas import AccountRead, MembershipRead
from troubletree.auth.models import User
from troubletree.auth.schemas import UserRead
from troubletree.core.db import get_database, replace_database


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.com"


async def register(
    client: httpx.AsyncClient,
    email: str | None = None,
    *,
    password: str = TEST_PASSWORD,
    expect: int = 202,
    **extra: Any,
) -> dict[str, Any]:
    """Registers through the API. Its 202 tells nothing (README, "No account enumeration"), so
    on success the result is what the address has now, read from the database in the shape of
    `GET /auth/me`: `{user, account, membership, message}` plus `email` and `password`."""
    body = {"email": email or unique_email(), "password": password, "full_name": "Test User"}
    body.update(extra)
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    if expect == 202:
        data.update(await registered(str(body["email"])))
    data["password"] = password
    data["email"] = body["email"]
    return data


async def registered(email: str) -> dict[str, Any]:
    """The user of an address with their account and membership, as `GET /auth/me` shows them."""
    async with get_database().sessionmaker() as db:
        user = (await db.execute(select(User).where(User.email == email))).scalar_one()
        membership = (
            await db.execute(select(Membership).where(Membership.user_id == user.id))
        ).scalar_one()
        account = await db.get(Account, membership.account_id)
        return {
            "user": UserRead.model_validate(user).model_dump(mode="json"),
            "account": AccountRead.model_validate(account).model_dump(mode="json"),
            "membership": MembershipRead.model_validate(membership).model_dump(mode="json"),
        }


async def login(
    client: httpx.AsyncClient, email: str, password: str = TEST_PASSWORD
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login/json", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any] | str) -> dict[str, str]:
    token = tokens if isinstance(tokens, str) else tokens["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def signed_in(
    client: httpx.AsyncClient, **extra: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """A new user with a new account (admin), signed in: (registration, headers)."""
    user = await register(client, **extra)
    tokens = await login(client, user["email"])
    return user, bearer(tokens)


def error_code(response: httpx.Response) -> str:
    detail = response.json()["detail"]
    return str(detail["code"] if isinstance(detail, dict) else detail[0]["code"])


def error_field(response: httpx.Response) -> str:
    """The field the (first) error names."""
    detail = response.json()["detail"]
    return str(detail["field"] if isinstance(detail, dict) else detail[0]["field"])


@contextlib.contextmanager
def scratch_database(database_url: str, prefix: str) -> Iterator[str]:
    """A new empty database `tt_test_<prefix>_*` next to the test database, dropped after."""
    name = f"tt_test_{prefix}_{secrets.token_hex(4)}"
    server = replace_database(database_url, "postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield replace_database(database_url, name)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
