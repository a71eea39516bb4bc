"""Sign-in, tokens, refresh rotation, sign-out, reset and verification through the HTTP API."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import time_machine

from tests.conftest import TEST_PASSWORD, AppFactory, Fresh, client_for
from tests.helpers import bearer, error_code, login, register, signed_in, unique_email
from troubletree.core.config import Settings

# --------------------------------------------------------------------------- register


class TestRegister:
    async def test_creates_account_with_user_as_admin(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        data = await register(client, account_name="Acme Support")
        assert data["account"]["name"] == "Acme Support"
        assert data["membership"]["role"] == "admin"
        assert data["user"]["email_verified_at"] is None
        plan = await fresh.val(
            "SELECT p.code FROM accounts a JOIN plans p ON p.id = a.plan_id WHERE a.id = $1",
            uuid.UUID(data["account"]["id"]),
        )
        assert plan == "free"

    @pytest.mark.parametrize(
        "field", ["role", "account_id", "is_superuser", "email_verified_at", "is_active"]
    )
    async def test_rejects_privileged_fields(
        self, client: httpx.AsyncClient, fresh: Fresh, field: str
    ) -> None:
        email = unique_email()
        response = await client.post(
            "/api/v1/auth/register",
            json={
                "email": email,
                "password": TEST_PASSWORD,
                "full_name": "Mallory",
                field: True,
            },
        )
        assert response.status_code == 422
        assert response.json()["detail"][0] == {
            "code": "field_not_allowed",
            "message": "Extra inputs are not permitted",
            "field": field,
        }
        assert await fresh.val("SELECT count(*) FROM users WHERE email = $1", email) == 0

    @pytest.mark.parametrize(
        ("password", "why"),
        [
            ("short1", "at least"),
            ("password123", "too common"),
            ("aaaaaaaaaaaa", "too common"),
        ],
    )
    async def test_refuses_weak_passwords(
        self, client: httpx.AsyncClient, password: str, why: str
    ) -> None:
        response = await client.post(
            "/api/v1/auth/register",
            json={
                "email": unique_email(),
                "password": password,
                "full_name": "Weak",
            },
        )
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert detail["code"] == "weak_password" and detail["field"] == "password"
        assert why in detail["message"]

    async def test_a_new_address_gets_202_and_a_verification_mail(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        data = await register(client)
        assert data["message"].startswith("Check your email")
        mails = await fresh.fetch(
            "SELECT kind, to_address FROM outbox_emails ORDER BY id",
        )
        assert [(m["kind"], m["to_address"]) for m in mails] == [("verify_email", data["email"])]

    async def test_a_taken_address_answers_alike_creates_nothing_and_tells_its_owner(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        owner = await register(client)
        again = {"email": owner["email"].upper(), "password": "another good passphrase"}
        answers = [
            await client.post("/api/v1/auth/register", json={**again, "full_name": "Again"})
            for _ in range(2)
        ]
        new = await client.post(
            "/api/v1/auth/register",
            json={"email": unique_email(), "password": TEST_PASSWORD, "full_name": "New"},
        )
        assert {(r.status_code, r.content) for r in answers} == {(new.status_code, new.content)}
        assert new.status_code == 202
        assert await fresh.val("SELECT count(*) FROM users") == 2
        assert await fresh.val("SELECT count(*) FROM accounts") == 2
        # The owner's password stays; the one typed by the second registration signs nobody in.
        await login(client, owner["email"])
        wrong = await client.post("/api/v1/auth/login/json", json=again)
        assert wrong.status_code == 401
        # One mail to the owner (at most one a minute), with links to sign in and to reset.
        mails = await fresh.fetch(
            "SELECT subject, body_text FROM outbox_emails "
            "WHERE to_address = $1 AND kind = 'registration_attempt'",
            owner["email"],
        )
        assert len(mails) == 1
        assert "http://testserver/sign-in" in mails[0]["body_text"]
        assert "http://testserver/forgot-password" in mails[0]["body_text"]
        events = await fresh.fetch(
            "SELECT action FROM audit_events WHERE action = 'registration_attempted'"
        )
        assert len(events) == 1

    @pytest.mark.parametrize(
        "body",
        [
            {"email": "not-an-email", "password": TEST_PASSWORD, "full_name": "X"},
            {"email": "a@example.com", "password": TEST_PASSWORD, "full_name": ""},
            {"email": "a@example.com", "password": TEST_PASSWORD, "full_name": "x" * 201},
            {"password": TEST_PASSWORD, "full_name": "X"},
        ],
    )
    async def test_bad_input_is_422_with_fields(
        self, client: httpx.AsyncClient, body: dict[str, str]
    ) -> None:
        response = await client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 422
        assert all({"code", "message", "field"} <= set(d) for d in response.json()["detail"])

    async def test_malformed_json_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/register",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert error_code(response) == "invalid_json"

    async def test_invite_mode_needs_platform_code(self, make_app: AppFactory) -> None:
        async with client_for(make_app(signup_mode="invite")) as client:
            response = await client.post(
                "/api/v1/auth/register",
                json={
                    "email": unique_email(),
                    "password": TEST_PASSWORD,
                    "full_name": "X",
                },
            )
            assert response.status_code == 403
            assert error_code(response) == "platform_invite_required"

    async def test_closed_mode_refuses_new_accounts(self, make_app: AppFactory) -> None:
        async with client_for(make_app(signup_mode="closed")) as client:
            response = await client.post(
                "/api/v1/auth/register",
                json={
                    "email": unique_email(),
                    "password": TEST_PASSWORD,
                    "full_name": "X",
                },
            )
            assert response.status_code == 403
            assert error_code(response) == "signup_closed"


# --------------------------------------------------------------------------- sign-in


class TestLogin:
    async def test_json_and_form_sign_in(self, client: httpx.AsyncClient) -> None:
        user = await register(client)
        tokens = await login(client, user["email"])
        assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
        form = await client.post(
            "/api/v1/auth/login", data={"username": user["email"], "password": TEST_PASSWORD}
        )
        assert form.status_code == 200
        me = await client.get("/api/v1/auth/me", headers=bearer(form.json()))
        assert me.status_code == 200
        assert me.json()["user"]["email"] == user["email"]
        assert me.json()["membership"]["role"] == "admin"

    async def test_refresh_cookie_is_httponly_strict_and_path_scoped(
        self, make_app: AppFactory
    ) -> None:
        async with client_for(make_app(cookie_secure=True)) as client:
            user = await register(client)
            response = await client.post(
                "/api/v1/auth/login/json", json={"email": user["email"], "password": TEST_PASSWORD}
            )
            cookie = response.headers["set-cookie"]
            assert cookie.startswith("tt_refresh=" + response.json()["refresh_token"])
            for part in ("HttpOnly", "Secure", "SameSite=strict", "Path=/api/v1/auth"):
                assert part.lower() in cookie.lower()

    async def test_unknown_email_and_wrong_password_look_the_same(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await register(client)
        wrong = await client.post(
            "/api/v1/auth/login/json", json={"email": user["email"], "password": "wrong password!"}
        )
        unknown = await client.post(
            "/api/v1/auth/login/json", json={"email": unique_email(), "password": "wrong password!"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.content == unknown.content
        assert error_code(wrong) == "invalid_credentials"

    async def test_disabled_user_cannot_sign_in(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user = await register(client)
        await fresh.execute("UPDATE users SET is_active = false WHERE email = $1", user["email"])
        response = await client.post(
            "/api/v1/auth/login/json", json={"email": user["email"], "password": TEST_PASSWORD}
        )
        assert response.status_code == 401

    async def test_two_sign_ins_are_two_families(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user = await register(client)
        await login(client, user["email"])
        await login(client, user["email"])
        families = await fresh.val(
            "SELECT count(DISTINCT family_id) FROM refresh_tokens t JOIN users u "
            "ON u.id = t.user_id WHERE u.email = $1",
            user["email"],
        )
        assert families == 2

    async def test_profile_update_ignores_nothing_and_rejects_privileges(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user, headers = await signed_in(client)
        ok = await client.patch("/api/v1/auth/me", json={"full_name": "New Name"}, headers=headers)
        assert ok.status_code == 200 and ok.json()["full_name"] == "New Name"
        bad = await client.patch("/api/v1/auth/me", json={"is_superuser": True}, headers=headers)
        assert bad.status_code == 422
        assert (
            await fresh.val("SELECT is_superuser FROM users WHERE email = $1", user["email"])
            is False
        )


# --------------------------------------------------------------------------- access tokens


def _forge(claims: dict[str, object], key: str, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TestAccessTokens:
    @pytest.fixture
    async def tokens(self, client: httpx.AsyncClient) -> dict[str, str]:
        user = await register(client)
        return await login(client, user["email"])

    def _claims(self, settings: Settings, token: str) -> dict[str, object]:
        return dict(jwt.decode(token, options={"verify_signature": False}))

    async def test_valid_token_works(
        self, client: httpx.AsyncClient, tokens: dict[str, str]
    ) -> None:
        assert (await client.get("/api/v1/auth/me", headers=bearer(tokens))).status_code == 200

    async def test_forged_tokens_are_401(
        self, client: httpx.AsyncClient, settings: Settings, tokens: dict[str, str]
    ) -> None:
        claims = self._claims(settings, tokens["access_token"])
        header, payload, signature = tokens["access_token"].split(".")
        tampered = dict(claims, sub=str(uuid.uuid4()))
        forged = {
            "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
            "wrong_key": _forge(claims, "another-key-" + "x" * 40),
            "tampered_claims": f"{header}.{_b64(tampered)}.{signature}",
            "expired_by_a_second": _forge(
                dict(claims, exp=int(datetime.now(UTC).timestamp()) - 1),
                settings.secret_key,
            ),
            "wrong_audience": _forge(dict(claims, aud="someone-else"), settings.secret_key),
            "wrong_type": _forge(dict(claims, typ="refresh"), settings.secret_key),
            "hs512": _forge(claims, settings.secret_key, "HS512"),
            "garbage": "not.a.token",
        }
        for name, token in forged.items():
            response = await client.get("/api/v1/auth/me", headers=bearer(token))
            assert response.status_code == 401, name
            assert response.headers["www-authenticate"] == "Bearer"

    async def test_other_tokens_are_not_access_tokens(
        self, client: httpx.AsyncClient, settings: Settings, database: object, smtp: object
    ) -> None:
        from tests.conftest import Mailbox, deliver_outbox, make_settings

        mailbox, port = smtp  # type: ignore[misc]
        assert isinstance(mailbox, Mailbox)
        user = await register(client)
        tokens = await login(client, user["email"])
        await client.post("/api/v1/auth/password-reset/request", json={"email": user["email"]})
        await deliver_outbox(
            make_settings(
                settings.database_url or "",
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_starttls=False,
            ),
            database,  # type: ignore[arg-type]
        )
        reset = mailbox.link_token(user["email"], "/reset-password")
        verify = mailbox.link_token(user["email"], "/verify-email")
        for token in (tokens["refresh_token"], reset, verify):
            assert (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 401

    async def test_no_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/auth/me")
        assert response.status_code == 401
        assert error_code(response) == "not_authenticated"

    async def test_logout_ends_the_access_token_at_once(
        self, client: httpx.AsyncClient, tokens: dict[str, str]
    ) -> None:
        response = await client.post(
            "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
        )
        assert response.status_code == 204
        me = await client.get("/api/v1/auth/me", headers=bearer(tokens))
        assert me.status_code == 401 and error_code(me) == "session_ended"


# --------------------------------------------------------------------------- refresh


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


class TestRefresh:
    async def test_serial_rotation_builds_one_chain(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user = await register(client)
        chain = [(await login(client, user["email"]))["refresh_token"]]
        for _ in range(3):
            response = await _refresh(client, chain[-1])
            assert response.status_code == 200
            chain.append(response.json()["refresh_token"])
        assert len(set(chain)) == 4
        rows = await fresh.fetch(
            "SELECT t.id, t.parent_id, t.family_id, t.generation, t.rotated_at, t.revoked_at "
            "FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1 "
            "ORDER BY generation",
            user["email"],
        )
        assert [r["generation"] for r in rows] == [0, 1, 2, 3]
        assert len({r["family_id"] for r in rows}) == 1
        assert [r["parent_id"] for r in rows[1:]] == [r["id"] for r in rows[:-1]]
        assert [r["rotated_at"] is None for r in rows] == [False, False, False, True]
        assert all(r["revoked_at"] is None for r in rows)

    async def test_refresh_from_cookie(self, client: httpx.AsyncClient) -> None:
        user = await register(client)
        await login(client, user["email"])  # the client keeps the cookie (Secure is off in tests)
        response = await client.post("/api/v1/auth/refresh")
        assert response.status_code == 200
        assert client.cookies.get("tt_refresh") == response.json()["refresh_token"]

    async def test_no_token_at_all_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/auth/refresh", json={})
        assert response.status_code == 401 and error_code(response) == "invalid_refresh_token"

    async def test_repeat_inside_grace_returns_same_successor(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await register(client)
        rt0 = (await login(client, user["email"]))["refresh_token"]
        first = await _refresh(client, rt0)
        second = await _refresh(client, rt0)
        assert second.status_code == 200
        assert first.json()["refresh_token"] == second.json()["refresh_token"]
        # The successor still works: nothing was revoked.
        assert (await _refresh(client, first.json()["refresh_token"])).status_code == 200

    async def test_replay_after_window_revokes_whole_family(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user = await register(client)
        start = datetime.now(UTC)
        with time_machine.travel(start, tick=True) as traveller:
            chain = [(await login(client, user["email"]))["refresh_token"]]
            for _ in range(3):
                traveller.shift(timedelta(seconds=10.1))
                chain.append((await _refresh(client, chain[-1])).json()["refresh_token"])
            traveller.shift(timedelta(seconds=10.1))
            replay = await _refresh(client, chain[0])
        assert replay.status_code == 401
        assert error_code(replay) == "refresh_token_reused"
        # Read from another connection: the revocation was committed with the 401.
        rows = await fresh.fetch(
            "SELECT revoked_at, revoked_reason FROM refresh_tokens t JOIN users u "
            "ON u.id = t.user_id WHERE u.email = $1",
            user["email"],
        )
        assert len(rows) == 4
        assert all(
            r["revoked_at"] is not None and r["revoked_reason"] == "reuse_detected" for r in rows
        )
        events = await fresh.val(
            "SELECT count(*) FROM audit_events WHERE action = 'refresh_token_reused'"
        )
        assert events == 1
        # Every token of the family, the newest included, is dead and mints nothing.
        for token in reversed(chain):
            assert (await _refresh(client, token)).status_code == 401
        assert await fresh.val("SELECT count(*) FROM refresh_tokens") == 4

    async def test_grand_parent_replay_inside_window_is_reuse(
        self, client: httpx.AsyncClient
    ) -> None:
        """Only the immediate parent of an unused successor is forgiven."""
        user = await register(client)
        rt0 = (await login(client, user["email"]))["refresh_token"]
        rt1 = (await _refresh(client, rt0)).json()["refresh_token"]
        rt2 = (await _refresh(client, rt1)).json()["refresh_token"]
        replay = await _refresh(client, rt0)
        assert replay.status_code == 401 and error_code(replay) == "refresh_token_reused"
        assert (await _refresh(client, rt2)).status_code == 401

    async def test_strict_policy_with_window_zero(self, make_app: AppFactory) -> None:
        async with client_for(make_app(refresh_reuse_grace_seconds=0)) as client:
            user = await register(client)
            rt0 = (await login(client, user["email"]))["refresh_token"]
            rt1 = (await _refresh(client, rt0)).json()["refresh_token"]
            again = await _refresh(client, rt0)
            assert again.status_code == 401 and error_code(again) == "refresh_token_reused"
            assert (await _refresh(client, rt1)).status_code == 401

    async def test_disabled_user_cannot_refresh(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user = await register(client)
        rt = (await login(client, user["email"]))["refresh_token"]
        await fresh.execute("UPDATE users SET is_active = false WHERE email = $1", user["email"])
        assert (await _refresh(client, rt)).status_code == 401

    async def test_idle_expiry(self, client: httpx.AsyncClient) -> None:
        user = await register(client)
        rt = (await login(client, user["email"]))["refresh_token"]
        with time_machine.travel(datetime.now(UTC) + timedelta(days=7, seconds=1)):
            response = await _refresh(client, rt)
        assert response.status_code == 401 and error_code(response) == "refresh_token_expired"

    async def test_absolute_expiry_despite_daily_use(self, client: httpx.AsyncClient) -> None:
        user = await register(client)
        start = datetime.now(UTC)
        rt = (await login(client, user["email"]))["refresh_token"]
        for day in range(1, 31):
            with time_machine.travel(start + timedelta(days=day)):
                response = await _refresh(client, rt)
                assert response.status_code == 200, day
                rt = response.json()["refresh_token"]
        with time_machine.travel(start + timedelta(days=30, seconds=1)):
            response = await _refresh(client, rt)
        assert response.status_code == 401 and error_code(response) == "refresh_token_expired"

    async def test_logout_all_revokes_every_family(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user = await register(client)
        first = await login(client, user["email"])
        second = await login(client, user["email"])
        response = await client.post("/api/v1/auth/logout-all", headers=bearer(second))
        assert response.status_code == 204
        for tokens in (first, second):
            assert (await _refresh(client, tokens["refresh_token"])).status_code == 401
        live = await fresh.val("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL")
        assert live == 0

    async def test_logout_is_idempotent(self, client: httpx.AsyncClient) -> None:
        user = await register(client)
        rt = (await login(client, user["email"]))["refresh_token"]
        for _ in range(2):
            response = await client.post("/api/v1/auth/logout", json={"refresh_token": rt})
            assert response.status_code == 204
        assert (await _refresh(client, rt)).status_code == 401


# --------------------------------------------------------------------------- abuse limits


class TestLimits:
    async def test_login_per_ip_limit_answers_429_with_retry_after(
        self, make_app: AppFactory
    ) -> None:
        async with client_for(make_app(rate_limit_login_ip="3/minute")) as client:
            user = await register(client)
            statuses = []
            for _ in range(4):
                r = await client.post(
                    "/api/v1/auth/login/json",
                    json={"email": user["email"], "password": "wrong pass!"},
                )
                statuses.append(r.status_code)
            assert statuses == [401, 401, 401, 429]
            assert int(r.headers["retry-after"]) >= 1
            assert error_code(r) == "rate_limited"

    async def test_account_limit_holds_across_addresses_and_both_sign_in_forms(
        self, make_app: AppFactory
    ) -> None:
        app = make_app(rate_limit_login_account="6/hour")
        async with client_for(app) as client:
            user = await register(client)
        for i in range(6):
            async with client_for(app, ip=f"10.0.0.{i + 1}") as c:
                if i % 2:
                    r = await c.post(
                        "/api/v1/auth/login",
                        data={"username": user["email"], "password": "wrong pass!"},
                    )
                else:
                    r = await c.post(
                        "/api/v1/auth/login/json",
                        json={"email": user["email"], "password": "wrong pass!"},
                    )
                assert r.status_code == 401
        async with client_for(app, ip="10.0.1.1") as c:
            r = await c.post(
                "/api/v1/auth/login/json", json={"email": user["email"], "password": TEST_PASSWORD}
            )
            assert r.status_code == 429  # even the right password waits for the window

    async def test_forwarded_for_is_ignored_from_untrusted_peers(
        self, make_app: AppFactory
    ) -> None:
        app = make_app(rate_limit_login_ip="2/minute")
        async with client_for(app, ip="203.0.113.5") as client:
            for i in range(2):
                await client.post(
                    "/api/v1/auth/login/json",
                    json={"email": unique_email(), "password": "x" * 12},
                    headers={"X-Forwarded-For": f"198.51.100.{i}"},
                )
            r = await client.post(
                "/api/v1/auth/login/json",
                json={"email": unique_email(), "password": "x" * 12},
                headers={"X-Forwarded-For": "198.51.100.99"},
            )
            assert r.status_code == 429

    async def test_forwarded_for_is_used_from_a_trusted_proxy(self, make_app: AppFactory) -> None:
        app = make_app(rate_limit_login_ip="2/minute", trusted_proxies=["10.9.0.0/16"])
        async with client_for(app, ip="10.9.0.1") as proxy:
            for i in range(5):
                r = await proxy.post(
                    "/api/v1/auth/login/json",
                    json={"email": unique_email(), "password": "x" * 12},
                    headers={"X-Forwarded-For": f"198.51.100.{i}"},
                )
                assert r.status_code == 401  # each client address has its own budget

    async def test_register_limit(self, make_app: AppFactory) -> None:
        async with client_for(make_app(rate_limit_register_ip="2/hour")) as client:
            await register(client)
            await register(client)
            r = await client.post(
                "/api/v1/auth/register",
                json={"email": unique_email(), "password": TEST_PASSWORD, "full_name": "X"},
            )
            assert r.status_code == 429


class TestUnstorableText:
    async def test_nul_in_a_body_is_422_naming_the_field(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": unique_email(), "password": TEST_PASSWORD, "full_name": "a\x00b"},
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "full_name"

    async def test_nul_in_a_form_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/login", data={"username": "a\x00@example.com", "password": "x" * 12}
        )
        assert response.status_code in {401, 422}
        assert response.status_code != 500


def _redis_answers() -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
async def test_limits_in_redis_are_shared_by_replicas(make_app: AppFactory) -> None:
    """Two app instances (two replicas) count against one limit when REDIS_URL is set."""
    settings = {"redis_url": "redis://127.0.0.1:6379/15", "rate_limit_login_ip": "3/minute"}
    ip = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"  # fresh key every run
    email = unique_email()
    replicas = [client_for(make_app(**settings), ip=ip) for _ in range(2)]
    statuses = []
    for i in range(4):
        r = await replicas[i % 2].post(
            "/api/v1/auth/login/json", json={"email": email, "password": "wrong pass!"}
        )
        statuses.append(r.status_code)
    for replica in replicas:
        await replica.aclose()
    assert statuses == [401, 401, 401, 429]


async def test_unknown_email_costs_as_much_as_a_wrong_password(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both failures spend exactly one argon2 computation at the production cost: a wrong
    password verifies the stored hash, an unknown email hashes the attempt. Counted, not timed."""
    import argon2

    spent: list[tuple[str, int, int]] = []
    real_hash, real_verify = argon2.PasswordHasher.hash, argon2.PasswordHasher.verify

    def counted_hash(self: argon2.PasswordHasher, password: str, **kwargs: Any) -> str:
        spent.append(("hash", self.time_cost, self.memory_cost))
        return real_hash(self, password, **kwargs)

    def counted_verify(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        cost = argon2.extract_parameters(hash)
        spent.append(("verify", cost.time_cost, cost.memory_cost))
        return real_verify(self, hash, password)

    async with client_for(make_app(argon2_time_cost=3, argon2_memory_kib=65536)) as client:
        user = await register(client)
        monkeypatch.setattr(argon2.PasswordHasher, "hash", counted_hash)
        monkeypatch.setattr(argon2.PasswordHasher, "verify", counted_verify)
        for email, work in ((user["email"], "verify"), (unique_email(), "hash")):
            spent.clear()
            r = await client.post(
                "/api/v1/auth/login/json", json={"email": email, "password": "wrong pass!"}
            )
            assert r.status_code == 401
            assert spent == [(work, 3, 65536)]
