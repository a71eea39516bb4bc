"""One structured line per request, and no secret in any log line: a whole account journey
(register, verify, sign in, refresh, reset, invite, join) runs with every logger at DEBUG, and
each line, rendered as the JSON and the text formats would write it, is searched for the
passwords, tokens, codes and links it used."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import TEST_PASSWORD, Mailbox, deliver_outbox, make_settings
from tests.helpers import bearer, login, register, unique_email
from troubletree.core.db import Database
from troubletree.core.observability import ACCESS_LOGGER, JsonFormatter, TextFormatter

LINK = re.compile(r"/(verify-email|reset-password)[?#]token=([A-Za-z0-9_\-]+)")


def link_token(mailbox: Mailbox, address: str, path: str) -> str:
    for message in reversed(mailbox.to(address)):
        for found in LINK.finditer(mailbox.body(message)):
            if found.group(1) == path:
                return found.group(2)
    raise AssertionError(f"no {path} link mailed to {address}")


async def test_a_whole_journey_logs_no_secret(
    client: httpx.AsyncClient,
    smtp: tuple[Mailbox, int],
    database: Database,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailbox, port = smtp
    mail_settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False
    )
    new_password = "a brand new passphrase 7"
    secrets: set[str] = {TEST_PASSWORD, new_password}
    with caplog.at_level(logging.DEBUG):
        email = unique_email("logs")
        await register(client, email)
        await deliver_outbox(mail_settings, database)
        verify = link_token(mailbox, email, "verify-email")
        secrets.add(verify)
        confirmed = await client.post("/api/v1/auth/verify-email/confirm", json={"token": verify})
        assert confirmed.status_code == 200
        tokens = await login(client, email)
        secrets |= {tokens["access_token"], tokens["refresh_token"]}
        rotated = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert rotated.status_code == 200
        secrets |= {rotated.json()["access_token"], rotated.json()["refresh_token"]}
        await client.post("/api/v1/auth/password-reset/request", json={"email": email})
        await deliver_outbox(mail_settings, database)
        reset = link_token(mailbox, email, "reset-password")
        secrets.add(reset)
        done = await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": reset, "new_password": new_password},
        )
        assert done.status_code == 200
        admin = await login(client, email, new_password)
        secrets.add(admin["access_token"])
        invite = await client.post(
            "/api/v1/account/invites",
            headers=bearer(admin),
            json={"role": "technician", "max_uses": 1},
        )
        assert invite.status_code == 201, invite.text
        code = invite.json()["code"]
        secrets.add(code)
        member = await register(client, invite_code=code)
        secrets.add((await login(client, member["email"]))["access_token"])
        # A token in a query string (as an old link would carry it) stays out of the log too.
        await client.get(f"/api/v1/auth/me?token={verify}")
        await deliver_outbox(mail_settings, database)

    # The test's own HTTP client logs its URLs (httpx): that is the caller's log, not the server's.
    records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    access = [r for r in records if r.name == ACCESS_LOGGER]
    assert len(access) >= 11  # every request above
    lines = [f(r) for r in records for f in (JsonFormatter().format, TextFormatter().format)]
    leaks = [(secret[:6], line) for line in lines for secret in secrets if secret in line]
    assert leaks == []
    first = json.loads(JsonFormatter().format(access[0]))
    assert first["method"] == "POST" and first["route"] == "/api/v1/auth/register"
    assert first["status"] == 202 and isinstance(first["duration_ms"], float)
    routes = {r.__dict__["route"] for r in access}
    assert "/api/v1/account/invites" in routes
    invited = next(r for r in access if r.__dict__["route"] == "/api/v1/account/invites")
    assert invited.__dict__["account_id"]  # the caller's account, once known


def test_json_lines_carry_the_request_id() -> None:
    from troubletree.core.observability import RequestContext, _context

    token = _context.set(RequestContext("req-42", "acct-1"))
    try:
        record = logging.makeLogRecord({"name": "x", "msg": "hello %s", "args": ("you",)})
        line = json.loads(JsonFormatter().format(record))
    finally:
        _context.reset(token)
    assert line["message"] == "hello you"
    assert line["request_id"] == "req-42" and line["account_id"] == "acct-1"


async def test_database_errors_carry_no_parameter_values(database: Database) -> None:
    """What a failed statement's error (and so any log line quoting it) says: the statement,
    never the values bound to it, nor PostgreSQL's detail that would repeat them."""
    secret = "s3cret-" + TEST_PASSWORD.replace(" ", "-")
    insert = text("INSERT INTO once VALUES (:v)")
    async with database.engine.connect() as conn:
        await conn.execute(text("CREATE TEMP TABLE once (v text PRIMARY KEY)"))
        await conn.execute(insert, {"v": secret})
        with pytest.raises(DBAPIError) as failed:
            await conn.execute(insert, {"v": secret})
    assert "duplicate key" in str(failed.value)
    assert "parameters hidden" in str(failed.value)
    assert secret not in str(failed.value) and secret not in repr(failed.value)
