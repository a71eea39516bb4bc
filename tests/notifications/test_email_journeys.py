"""Email journeys over a real SMTP server on loopback (aiosmtpd), delivered by the job worker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from tests.conftest import TEST_PASSWORD, Fresh, Mailbox, deliver_outbox, make_settings
from tests.helpers import bearer, error_code, login, register, unique_email
from troubletree.core.db import Database

Deliver = Callable[[], Awaitable[None]]


@pytest.fixture
def mailbox(smtp: tuple[Mailbox, int]) -> Mailbox:
    return smtp[0]


@pytest.fixture
def deliver(smtp: tuple[Mailbox, int], database: Database, database_url: str) -> Deliver:
    settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=smtp[1], smtp_starttls=False
    )

    async def run() -> None:
        await deliver_outbox(settings, database)

    return run


async def test_register_verify_sign_in_refresh_reset_logout(
    client: httpx.AsyncClient, mailbox: Mailbox, deliver: Deliver, fresh: Fresh
) -> None:
    email = unique_email("journey")
    await register(client, email)
    await deliver()
    assert mailbox.to(email)[0]["Subject"] == "Confirm your TroubleTree email address"

    verify = mailbox.link_token(email, "/verify-email")
    confirmed = await client.post("/api/v1/auth/verify-email/confirm", json={"token": verify})
    assert confirmed.status_code == 200
    again = await client.post("/api/v1/auth/verify-email/confirm", json={"token": verify})
    assert again.status_code == 400 and error_code(again) == "verification_token_invalid"

    tokens = await login(client, email)
    me = (await client.get("/api/v1/auth/me", headers=bearer(tokens))).json()
    assert me["user"]["email_verified_at"] is not None
    rotated = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert rotated.status_code == 200

    requested = await client.post("/api/v1/auth/password-reset/request", json={"email": email})
    assert requested.status_code == 202
    await deliver()
    reset = mailbox.link_token(email, "/reset-password")
    done = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": reset, "new_password": "a brand new passphrase"},
    )
    assert done.status_code == 200
    assert set(done.json()) == {"message"}  # no session in the answer
    await deliver()
    assert mailbox.to(email)[-1]["Subject"] == "Your TroubleTree password was changed"

    # Every earlier sign-in ended with the reset.
    stale = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]}
    )
    assert stale.status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=bearer(tokens))).status_code == 401

    new_tokens = await login(client, email, "a brand new passphrase")
    out = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": new_tokens["refresh_token"]}
    )
    assert out.status_code == 204
    assert (
        await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": new_tokens["refresh_token"]}
        )
    ).status_code == 401
    raw_tokens = [verify, reset, tokens["refresh_token"], new_tokens["refresh_token"]]
    dump = (
        str(await fresh.fetch("SELECT * FROM refresh_tokens"))
        + str(await fresh.fetch("SELECT * FROM password_reset_tokens"))
        + str(await fresh.fetch("SELECT * FROM email_verification_tokens"))
    )
    assert not any(raw in dump for raw in raw_tokens)  # only hashes are stored


async def test_reset_request_answers_the_same_for_unknown_addresses(
    client: httpx.AsyncClient, deliver: Deliver, mailbox: Mailbox
) -> None:
    user = await register(client)
    known = await client.post("/api/v1/auth/password-reset/request", json={"email": user["email"]})
    unknown = await client.post(
        "/api/v1/auth/password-reset/request", json={"email": unique_email("nobody")}
    )
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    await deliver()
    assert [m["Subject"] for m in mailbox.messages if "Reset" in m["Subject"]] == [
        "Reset your TroubleTree password"
    ]


async def test_one_reset_mail_a_minute_and_a_new_link_voids_the_old(
    client: httpx.AsyncClient, deliver: Deliver, mailbox: Mailbox
) -> None:
    user = await register(client)
    email = user["email"]
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=True) as traveller:
        await client.post("/api/v1/auth/password-reset/request", json={"email": email})
        await client.post("/api/v1/auth/password-reset/request", json={"email": email})
        await deliver()
        first = mailbox.link_token(email, "/reset-password")
        assert len([m for m in mailbox.to(email) if "Reset" in m["Subject"]]) == 1

        traveller.shift(timedelta(seconds=61))
        await client.post("/api/v1/auth/password-reset/request", json={"email": email})
        await deliver()
        second = mailbox.link_token(email, "/reset-password")
        assert second != first
        old = await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": first, "new_password": "another passphrase"},
        )
        assert old.status_code == 400
        new = await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": second, "new_password": "another passphrase"},
        )
        assert new.status_code == 200


async def test_reset_link_expires_after_30_minutes(
    client: httpx.AsyncClient, deliver: Deliver, mailbox: Mailbox
) -> None:
    user = await register(client)
    await client.post("/api/v1/auth/password-reset/request", json={"email": user["email"]})
    await deliver()
    token = mailbox.link_token(user["email"], "/reset-password")
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=30, seconds=1)):
        response = await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "new_password": "too late passphrase"},
        )
    assert response.status_code == 400 and error_code(response) == "reset_token_invalid"


async def test_reset_with_a_weak_password_keeps_the_link(
    client: httpx.AsyncClient, deliver: Deliver, mailbox: Mailbox
) -> None:
    user = await register(client)
    await client.post("/api/v1/auth/password-reset/request", json={"email": user["email"]})
    await deliver()
    token = mailbox.link_token(user["email"], "/reset-password")
    weak = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "password123"}
    )
    assert weak.status_code == 422 and error_code(weak) == "weak_password"
    ok = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "a much better passphrase"},
    )
    assert ok.status_code == 200


async def test_verification_resend_is_limited_and_verified_users_get_409(
    client: httpx.AsyncClient, deliver: Deliver, mailbox: Mailbox
) -> None:
    user = await register(client)
    headers = bearer(await login(client, user["email"]))
    soon = await client.post("/api/v1/auth/verify-email/send", headers=headers)
    assert soon.status_code == 202 and "less than a minute" in soon.json()["message"]
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61)):
        later = await client.post("/api/v1/auth/verify-email/send", headers=headers)
        assert later.json()["message"] == "A verification link is on its way."
    await deliver()
    assert len(mailbox.to(user["email"])) == 2
    token = mailbox.link_token(user["email"], "/verify-email")
    await client.post("/api/v1/auth/verify-email/confirm", json={"token": token})
    done = await client.post("/api/v1/auth/verify-email/send", headers=headers)
    assert done.status_code == 409 and error_code(done) == "email_already_verified"


async def test_verification_link_for_an_old_address_verifies_nothing(
    client: httpx.AsyncClient, deliver: Deliver, mailbox: Mailbox, fresh: Fresh
) -> None:
    user = await register(client)
    await deliver()
    token = mailbox.link_token(user["email"], "/verify-email")
    await fresh.execute(
        "UPDATE users SET email = $1 WHERE email = $2", unique_email("moved"), user["email"]
    )
    response = await client.post("/api/v1/auth/verify-email/confirm", json={"token": token})
    assert response.status_code == 400


async def test_without_smtp_the_message_is_logged_and_kept(
    client: httpx.AsyncClient,
    database: Database,
    database_url: str,
    fresh: Fresh,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await register(client)
    with caplog.at_level("WARNING", logger="troubletree.notifications.service"):
        await deliver_outbox(make_settings(database_url), database)
    assert "/verify-email#token=" in caplog.text
    token = caplog.text.split("/verify-email#token=", 1)[1].split()[0]
    row = (
        await fresh.fetch(
            "SELECT delivered_via, sent_at, body_text FROM outbox_emails WHERE to_address = $1",
            user["email"],
        )
    )[0]
    assert row["delivered_via"] == "log" and row["sent_at"] is not None
    # Sent: the outbox keeps the message but not a working link.
    assert token not in row["body_text"] and "/verify-email#token=[sent]" in row["body_text"]


async def test_smtp_failure_is_recorded_and_retried(
    client: httpx.AsyncClient,
    database: Database,
    database_url: str,
    fresh: Fresh,
    smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp
    user = await register(client)
    # A port nobody listens on: the attempt fails and the job is scheduled again with backoff.
    await deliver_outbox(
        make_settings(
            database_url,
            smtp_host="127.0.0.1",
            smtp_port=1,
            smtp_starttls=False,
            smtp_timeout_seconds=2,
        ),
        database,
    )
    row = (await fresh.fetch("SELECT attempts, last_error, sent_at FROM outbox_emails"))[0]
    assert row["attempts"] == 1 and row["last_error"] and row["sent_at"] is None
    job = (await fresh.fetch("SELECT status, attempts, scheduled_at FROM procrastinate_jobs"))[0]
    assert job["status"] == "todo" and job["attempts"] == 1 and job["scheduled_at"] is not None
    # Once the server is back and the backoff has passed, the retry delivers it.
    await fresh.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
    await deliver_outbox(
        make_settings(database_url, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False),
        database,
    )
    assert len(mailbox.to(user["email"])) == 1
    assert await fresh.val("SELECT delivered_via FROM outbox_emails") == "smtp"


async def test_sign_in_with_password_after_journey_still_uses_cookie(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client)
    response = await client.post(
        "/api/v1/auth/login/json", json={"email": user["email"], "password": TEST_PASSWORD}
    )
    assert "tt_refresh" in response.headers["set-cookie"]
    cleared = await client.post("/api/v1/auth/logout")
    assert cleared.status_code == 204
    assert (
        'tt_refresh=""' in cleared.headers["set-cookie"]
        or "Max-Age=0" in cleared.headers["set-cookie"]
    )


async def _check(client: httpx.AsyncClient, kind: str, token: str) -> str:
    response = await client.post(f"/api/v1/auth/{kind}/check", json={"token": token})
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def test_a_link_tells_its_state_before_it_is_used(
    client: httpx.AsyncClient, deliver: Deliver, mailbox: Mailbox, fresh: Fresh
) -> None:
    user = await register(client)
    email = user["email"]
    await deliver()
    verify = mailbox.link_token(email, "/verify-email")
    assert await _check(client, "verify-email", verify) == "valid"
    assert await _check(client, "verify-email", verify) == "valid"  # checking uses nothing
    assert (
        await client.post("/api/v1/auth/verify-email/confirm", json={"token": verify})
    ).status_code == 200
    assert await _check(client, "verify-email", verify) == "used"
    assert await _check(client, "verify-email", "not-a-token") == "invalid"
    # A verification token is no reset token.
    assert await _check(client, "password-reset", verify) == "invalid"

    start = datetime.now(UTC)
    with time_machine.travel(start, tick=True) as traveller:
        await client.post("/api/v1/auth/password-reset/request", json={"email": email})
        await deliver()
        first = mailbox.link_token(email, "/reset-password")
        assert await _check(client, "password-reset", first) == "valid"
        traveller.shift(timedelta(minutes=30, seconds=1))
        assert await _check(client, "password-reset", first) == "expired"
        await client.post("/api/v1/auth/password-reset/request", json={"email": email})
        await deliver()
        second = mailbox.link_token(email, "/reset-password")
        # A newer link replaces the older one: the older is no longer known.
        assert await _check(client, "password-reset", first) == "invalid"
        assert await _check(client, "password-reset", second) == "valid"
    bad = await client.post("/api/v1/auth/password-reset/check", json={"token": ""})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "token"


async def test_sent_mails_keep_no_working_link(
    client: httpx.AsyncClient, deliver: Deliver, mailbox: Mailbox, fresh: Fresh
) -> None:
    user = await register(client)
    email = user["email"]
    await client.post("/api/v1/auth/password-reset/request", json={"email": email})
    queued = await fresh.fetch(
        "SELECT body_text FROM outbox_emails WHERE to_address = $1 ORDER BY id", email
    )
    assert all("#token=" in row["body_text"] for row in queued)
    await deliver()
    tokens = [mailbox.link_token(email, path) for path in ("/verify-email", "/reset-password")]
    kept = await fresh.fetch(
        "SELECT body_text, sent_at FROM outbox_emails WHERE to_address = $1 ORDER BY id", email
    )
    assert len(kept) == 2 and all(row["sent_at"] is not None for row in kept)
    for row in kept:
        assert "#token=[sent]" in row["body_text"]
        assert not any(token in row["body_text"] for token in tokens)
    # The links in the delivered mails still work: only the stored copy is blanked.
    assert await _check(client, "password-reset", tokens[1]) == "valid"
