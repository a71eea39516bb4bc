"""The audit log: after a scripted scenario it holds exactly the expected rows, each admin sees
their own account's only, superusers see all; filters, keyset pages and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.apikeys.helpers import create_key, revoke_key
from tests.conftest import (
    TEST_PASSWORD,
    AppFactory,
    Fresh,
    Mailbox,
    client_for,
    deliver_outbox,
    make_settings,
)
from tests.helpers import bearer, error_code, error_field, login, register, signed_in
from tests.trees.factories import GRAPH, create_tree, member
from troubletree.core.db import Database

EVENTS = "/api/v1/account/audit-events"
PLATFORM = "/api/v1/platform/audit-events"


async def all_events(
    client: httpx.AsyncClient, headers: dict[str, str], url: str = EVENTS, **params: Any
) -> list[dict[str, Any]]:
    """Every page of the log, newest first, by following `next_cursor`."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, headers=headers, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def actions(items: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(action, actor email), oldest first."""
    return [(e["action"], e["actor_email"]) for e in reversed(items)]


Deliver = Callable[[], Awaitable[None]]


@pytest.fixture
def deliver(smtp: tuple[Mailbox, int], database: Database, database_url: str) -> Deliver:
    settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=smtp[1], smtp_starttls=False
    )

    async def run() -> None:
        await deliver_outbox(settings, database)

    return run


class TestScriptedScenario:
    async def test_exactly_the_expected_rows(
        self,
        make_app: AppFactory,
        fresh: Fresh,
        smtp: tuple[Mailbox, int],
        deliver: Deliver,
    ) -> None:
        mailbox = smtp[0]
        app = make_app(refresh_reuse_grace_seconds=0, api_key_use_interval_seconds=3600)
        async with client_for(app) as client:
            admin_user = await register(client)
            admin_email = admin_user["email"]
            tokens = await login(client, admin_email)
            admin = bearer(tokens)
            bad = await client.post(
                "/api/v1/auth/login/json", json={"email": admin_email, "password": "wrong"}
            )
            assert bad.status_code == 401
            stranger = await client.post(
                "/api/v1/auth/login/json",
                json={"email": "nobody@example.com", "password": "wrong"},
            )
            assert stranger.status_code == 401
            engineer_user, engineer = await member(client, admin, "engineer")
            eng_email = engineer_user["email"]

            tree = await create_tree(client, engineer, "Router reboots", graph=GRAPH)
            saved = await client.put(
                f"/api/v1/trees/{tree['id']}",
                headers=engineer,
                json={"base_revision": 1, "title": "Router keeps rebooting"},
            )
            assert saved.status_code == 200, saved.text
            published = await client.post(
                f"/api/v1/trees/{tree['id']}/publish", headers=engineer, json={}
            )
            assert published.status_code == 201
            archived = await client.post(f"/api/v1/trees/{tree['id']}/archive", headers=admin)
            assert archived.status_code == 200, archived.text
            demoted = await client.patch(
                f"/api/v1/account/members/{engineer_user['user']['id']}",
                headers=admin,
                json={"role": "technician"},
            )
            assert demoted.status_code == 200

            key_row, key = await create_key(client, admin, "admin")
            for _ in range(3):  # three uses within the interval: one `api_key_used` row
                assert (await client.get("/api/v1/trees", headers=key)).status_code == 200
            await revoke_key(client, admin, key_row["id"])
            deleted = await client.delete(f"/api/v1/trees/{tree['id']}", headers=admin)
            assert deleted.status_code == 204
            removed = await client.delete(
                f"/api/v1/account/members/{engineer_user['user']['id']}", headers=admin
            )
            assert removed.status_code == 204

            # A refresh token presented twice: the second is a replay.
            refresh = {"refresh_token": tokens["refresh_token"]}
            assert (await client.post("/api/v1/auth/refresh", json=refresh)).status_code == 200
            replay = await client.post("/api/v1/auth/refresh", json=refresh)
            assert error_code(replay) == "refresh_token_reused"

            admin = bearer(await login(client, admin_email))
            changed = await client.post(
                "/api/v1/auth/password",
                headers=admin,
                json={"current_password": TEST_PASSWORD, "new_password": "another long secret"},
            )
            assert changed.status_code == 204
            reset = await client.post(
                "/api/v1/auth/password-reset/request", json={"email": admin_email}
            )
            assert reset.status_code == 202
            await deliver()
            token = mailbox.link_token(admin_email, "/reset-password")
            confirmed = await client.post(
                "/api/v1/auth/password-reset/confirm",
                json={"token": token, "new_password": "a third long secret"},
            )
            assert confirmed.status_code == 200
            admin = bearer(await login(client, admin_email, "a third long secret"))

            # Another account's admin, whose own log holds only their own rows.
            other_user, other = await signed_in(client)

            events = await all_events(client, admin, limit=4)
            assert actions(events) == [
                ("user_registered", admin_email),
                ("sign_in", admin_email),
                ("sign_in_failed", admin_email),
                ("account_invite_created", admin_email),
                ("account_invite_redeemed", eng_email),
                ("sign_in", eng_email),
                ("tree_created", eng_email),
                ("tree_saved", eng_email),
                ("tree_published", eng_email),
                ("tree_archived", admin_email),
                ("member_role_changed", admin_email),
                ("api_key_created", admin_email),
                ("api_key_used", admin_email),
                ("api_key_revoked", admin_email),
                ("tree_deleted", admin_email),
                ("member_removed", admin_email),
                ("refresh_token_reused", admin_email),
                ("sign_in", admin_email),
                ("password_changed", admin_email),
                ("password_reset_requested", admin_email),
                ("password_reset", admin_email),
                ("sign_in", admin_email),
            ]
            account_id = admin_user["account"]["id"]
            assert {e["account_id"] for e in events} == {account_id}
            by_action = {e["action"]: e for e in events}
            assert by_action["sign_in_failed"]["data"] == {"reason": "wrong_password"}
            assert by_action["member_role_changed"]["data"] == {
                "old_role": "engineer",
                "new_role": "technician",
            }
            assert by_action["api_key_used"]["api_key_id"] == key_row["id"]
            assert by_action["api_key_used"]["data"]["route"] == "/api/v1/trees"
            assert by_action["api_key_used"]["data"]["method"] == "GET"
            assert by_action["tree_saved"]["subject"] == tree["id"]
            assert all(e["ip"] == "127.0.0.1" for e in events)

            # Nothing of the first account is visible to the other admin, whatever the filter.
            assert actions(await all_events(client, other)) == [
                ("user_registered", other_user["email"]),
                ("sign_in", other_user["email"]),
            ]
            foreign = await all_events(client, other, actor_id=admin_user["user"]["id"])
            assert foreign == []

            # The platform sees both accounts and the sign-in with an unknown address.
            await fresh.execute(
                "UPDATE users SET is_superuser = true WHERE email = $1", other_user["email"]
            )
            everything = await all_events(client, other, PLATFORM)
            assert len(everything) == len(events) + 3
            unknown = [e for e in everything if e["account_id"] is None]
            assert [(e["action"], e["actor_id"], e["data"]) for e in unknown] == [
                ("sign_in_failed", None, {"reason": "unknown_email"})
            ]
            assert "nobody@example.com" not in str(everything)
            narrowed = await all_events(client, other, PLATFORM, account_id=account_id)
            assert narrowed == events
            # The database holds exactly these rows.
            assert await fresh.val("SELECT count(*) FROM audit_events") == len(everything)


async def _two_accounts(
    client: httpx.AsyncClient,
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any], dict[str, str]]:
    a, a_headers = await signed_in(client)
    b, b_headers = await signed_in(client)
    return a, a_headers, b, b_headers


class TestReading:
    async def test_filters(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        engineer_user, engineer = await member(client, admin, "engineer")
        await create_tree(client, engineer, "One")
        await create_tree(client, engineer, "Two")

        by_action = await all_events(client, admin, action="tree_created")
        assert [e["data"]["title"] for e in by_action] == ["Two", "One"]
        by_actor = await all_events(client, admin, actor_id=engineer_user["user"]["id"])
        assert [e["action"] for e in by_actor] == [
            "tree_created",
            "tree_created",
            "sign_in",
            "account_invite_redeemed",
        ]
        everything = await all_events(client, admin)
        middle = everything[2]["created_at"]
        newer = await all_events(client, admin, created_from=middle)
        older = await all_events(client, admin, created_to=middle)
        assert [e["id"] for e in newer + older] == [e["id"] for e in everything]
        assert await all_events(client, admin, created_from="2999-01-01") == []
        listed = (await client.get(f"{EVENTS}/actions", headers=admin)).json()
        assert listed == sorted({e["action"] for e in everything})

    async def test_pages_follow_each_other(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        for _ in range(5):
            await create_key(client, admin)
        whole = await all_events(client, admin)
        for size in (1, 2, 3):
            assert await all_events(client, admin, limit=size) == whole

    async def test_only_admins_read_it(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        _, engineer = await member(client, admin, "engineer")
        for url in (EVENTS, f"{EVENTS}/export", f"{EVENTS}/actions", PLATFORM):
            response = await client.get(url, headers=engineer)
            assert response.status_code == 403, url
        response = await client.get(PLATFORM, headers=admin)
        assert response.status_code == 403 and error_code(response) == "superuser_required"
        assert (await client.get(EVENTS)).status_code == 401

    async def test_an_admin_key_reads_it(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        _, key = await create_key(client, admin, "admin")
        _, technician_key = await create_key(client, admin, "technician")
        assert (await client.get(EVENTS, headers=key)).status_code == 200
        assert (await client.get(EVENTS, headers=technician_key)).status_code == 403

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"created_from": "2026-12-03", "created_to": "2026-12-01"}, "created_to"),
            ({"created_from": "yesterday"}, "created_from"),
            ({"actor_id": "someone"}, "actor_id"),
            ({"action": "DROP TABLE"}, "action"),
            ({"action": "x" * 65}, "action"),
            ({"limit": 0}, "limit"),
            ({"limit": 201}, "limit"),
            ({"cursor": "not-a-cursor"}, "cursor"),
        ],
    )
    async def test_bad_filters_name_the_field(
        self, client: httpx.AsyncClient, params: dict[str, Any], field: str
    ) -> None:
        _, admin = await signed_in(client)
        for url in (EVENTS, f"{EVENTS}/export"):
            if url.endswith("export") and field in {"limit", "cursor"}:
                continue
            response = await client.get(url, headers=admin, params=params)
            assert response.status_code == 422, (url, response.text)
            assert error_field(response) == field

    async def test_a_cursor_of_another_list_is_refused(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        for i in range(3):
            await create_tree(client, admin, f"Tree {i}")
        trees = await client.get("/api/v1/trees", headers=admin, params={"limit": 1})
        cursor = trees.json()["next_cursor"]
        response = await client.get(EVENTS, headers=admin, params={"cursor": cursor})
        assert response.status_code == 422 and error_code(response) == "invalid_cursor"


class TestExport:
    async def test_csv_holds_every_matching_row(self, client: httpx.AsyncClient) -> None:
        _, a, _, b = await _two_accounts(client)
        await create_tree(client, a, '=HYPERLINK("http://evil")')
        await create_tree(client, b, "Not A's")
        response = await client.get(f"{EVENTS}/export", headers=a)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        listed = await all_events(client, a)
        assert [int(r["id"]) for r in rows] == [e["id"] for e in listed]
        assert "Not A's" not in response.text
        created = next(r for r in rows if r["action"] == "tree_created")
        assert created["data"].startswith('{"title": "=HYPERLINK')  # inside JSON: inert
        only = await client.get(f"{EVENTS}/export", headers=a, params={"action": "sign_in"})
        assert [r["action"] for r in csv.DictReader(io.StringIO(only.text))] == ["sign_in"]

    async def test_a_formula_cell_is_quoted(self) -> None:
        from troubletree.auditlog.service import _cell

        assert _cell("=1+1") == "'=1+1"
        assert _cell("@SUM(A1)") == "'@SUM(A1)"
        assert _cell("-2") == "'-2"
        assert _cell("tree_saved") == "tree_saved"
        assert _cell(None) == ""

    async def test_long_exports_page_through(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from troubletree.auditlog import service

        monkeypatch.setattr(service, "EXPORT_BATCH", 2)
        _, admin = await signed_in(client)
        for _ in range(4):
            await create_key(client, admin)
        response = await client.get(f"{EVENTS}/export", headers=admin)
        ids = [int(r["id"]) for r in csv.DictReader(io.StringIO(response.text))]
        assert ids == [e["id"] for e in await all_events(client, admin)]
        assert len(ids) == 6 and len(set(ids)) == 6
