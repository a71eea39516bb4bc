"""Accounts, members and roles, account and platform invites."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from tests.conftest import TEST_PASSWORD, AppFactory, Fresh, client_for
from tests.helpers import bearer, error_code, login, register, signed_in, unique_email
from tests.trees.factories import create_tree


async def invite(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    role: str = "technician",
    max_uses: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/account/invites",
        headers=headers,
        json={"role": role, "max_uses": max_uses, **extra},
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def join(
    client: httpx.AsyncClient, code: str, **extra: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    member = await register(client, invite_code=code, **extra)
    return member, bearer(await login(client, member["email"]))


class TestAccount:
    async def test_account_shows_plan_and_usage(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client, account_name="Helpdesk North")
        response = await client.get("/api/v1/account", headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == "Helpdesk North" and body["slug"] == "helpdesk-north"
        assert body["plan"] == {"code": "free", "name": "Free", "max_trees": 3, "max_members": 5}
        assert body["usage"] == {"trees": 0, "max_trees": 3, "members": 1, "max_members": 5}

    async def test_usage_counts_live_trees(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        await create_tree(client, headers, title="Wi-Fi drops")
        await create_tree(client, headers, title="Printer jams")
        usage = (await client.get("/api/v1/account", headers=headers)).json()["usage"]
        assert usage == {"trees": 2, "max_trees": 3, "members": 1, "max_members": 5}

    async def test_same_name_gets_a_distinct_slug(self, client: httpx.AsyncClient) -> None:
        a = await register(client, account_name="Same Name")
        b = await register(client, account_name="Same Name")
        assert a["account"]["slug"] != b["account"]["slug"]


class TestInvites:
    async def test_invite_grants_exactly_its_role(self, client: httpx.AsyncClient) -> None:
        admin, headers = await signed_in(client)
        created = await invite(client, headers, role="engineer")
        assert len(created["code"]) >= 32 and created["link"].endswith(created["code"])
        member, _ = await join(client, created["code"])
        assert member["membership"]["role"] == "engineer"
        assert member["account"]["id"] == admin["account"]["id"]

    async def test_role_in_register_body_is_refused(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        created = await invite(client, headers, role="technician")
        response = await client.post(
            "/api/v1/auth/register",
            json={
                "email": unique_email(),
                "password": TEST_PASSWORD,
                "full_name": "Sneaky",
                "invite_code": created["code"],
                "role": "admin",
            },
        )
        assert response.status_code == 422 and error_code(response) == "field_not_allowed"

    async def test_only_a_hash_is_stored(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        _, headers = await signed_in(client)
        created = await invite(client, headers)
        rows = await fresh.fetch("SELECT * FROM account_invites")
        assert all(created["code"] not in str(value) for value in rows[0].values())

    async def test_list_and_revoke(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        created = await invite(client, headers, max_uses=5)
        listed = (await client.get("/api/v1/account/invites", headers=headers)).json()
        assert [i["id"] for i in listed] == [created["id"]]
        assert "code" not in listed[0] and listed[0]["is_usable"] is True
        revoked = await client.delete(f"/api/v1/account/invites/{created['id']}", headers=headers)
        assert revoked.status_code == 200 and revoked.json()["is_usable"] is False
        response = await client.post(
            "/api/v1/auth/register",
            json={
                "email": unique_email(),
                "password": TEST_PASSWORD,
                "full_name": "Late",
                "invite_code": created["code"],
            },
        )
        assert response.status_code == 404 and error_code(response) == "invite_invalid"

    async def test_expired_invite_is_invalid(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        created = await invite(client, headers, expires_in_hours=1)
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=1, seconds=1)):
            response = await client.post(
                "/api/v1/auth/register",
                json={
                    "email": unique_email(),
                    "password": TEST_PASSWORD,
                    "full_name": "Late",
                    "invite_code": created["code"],
                },
            )
        assert response.status_code == 404 and error_code(response) == "invite_invalid"

    async def test_a_known_address_takes_no_use(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        admin, headers = await signed_in(client)
        created = await invite(client, headers, max_uses=1)
        taken = await register(client, admin["email"], full_name="Dup", invite_code=created["code"])
        assert taken["message"].startswith("Check your email")
        assert taken["membership"]["role"] == "admin"  # still the account they had
        assert await fresh.val("SELECT use_count FROM account_invites") == 0
        await join(client, created["code"])
        assert await fresh.val("SELECT use_count FROM account_invites") == 1

    async def test_a_failed_registration_burns_no_use(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        created = await invite(client, headers, max_uses=1)
        weak = await client.post(
            "/api/v1/auth/register",
            json={
                "email": unique_email(),
                "password": "short",
                "full_name": "Weak",
                "invite_code": created["code"],
            },
        )
        assert weak.status_code == 422
        assert await fresh.val("SELECT use_count FROM account_invites") == 0

    async def test_invite_refusals_do_not_depend_on_the_address(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        """A spent invite, and an account at its member limit, refuse a known address exactly
        as they refuse a new one: the answer never tells whether the address has an account."""
        admin, headers = await signed_in(client)  # free plan: 5 members
        spent = await invite(client, headers, max_uses=1)
        await join(client, spent["code"])
        roomy = await invite(client, headers, max_uses=10)
        for _ in range(3):
            await join(client, roomy["code"])

        async def answers(code: str) -> set[tuple[int, bytes]]:
            seen = set()
            for email in (admin["email"], unique_email()):
                r = await client.post(
                    "/api/v1/auth/register",
                    json={
                        "email": email,
                        "password": TEST_PASSWORD,
                        "full_name": "X",
                        "invite_code": code,
                    },
                )
                seen.add((r.status_code, r.content))
            return seen

        exhausted = await answers(spent["code"])
        assert [status for status, _ in exhausted] == [409]
        full = await answers(roomy["code"])
        assert [status for status, _ in full] == [403]
        assert await fresh.val("SELECT count(*) FROM users") == 5
        assert await fresh.val("SELECT sum(use_count) FROM account_invites") == 4

    async def test_preview(self, client: httpx.AsyncClient) -> None:
        await signed_in(client, account_name="Field Team")
        _, headers = await signed_in(client, account_name="Preview Co")
        created = await invite(client, headers, role="engineer")
        response = await client.post("/api/v1/invites/preview", json={"code": created["code"]})
        assert response.json() == {"account_name": "Preview Co", "role": "engineer"}
        unknown = await client.post("/api/v1/invites/preview", json={"code": "nope"})
        assert unknown.status_code == 404

    async def test_member_limit_of_the_plan(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)  # free plan: 5 members
        created = await invite(client, headers, max_uses=10)
        for _ in range(4):
            await join(client, created["code"])
        response = await client.post(
            "/api/v1/auth/register",
            json={
                "email": unique_email(),
                "password": TEST_PASSWORD,
                "full_name": "Sixth",
                "invite_code": created["code"],
            },
        )
        assert response.status_code == 403 and error_code(response) == "member_limit_reached"


class TestMembers:
    async def test_admin_changes_roles_and_last_admin_is_kept(
        self, client: httpx.AsyncClient
    ) -> None:
        admin, headers = await signed_in(client)
        member, member_headers = await join(client, (await invite(client, headers))["code"])
        member_id = member["user"]["id"]

        promoted = await client.patch(
            f"/api/v1/account/members/{member_id}", json={"role": "admin"}, headers=headers
        )
        assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
        # The promoted admin demotes the original one; then nobody can demote the last admin.
        demoted = await client.patch(
            f"/api/v1/account/members/{admin['user']['id']}",
            json={"role": "engineer"},
            headers=member_headers,
        )
        assert demoted.status_code == 200
        last = await client.patch(
            f"/api/v1/account/members/{member_id}",
            json={"role": "technician"},
            headers=member_headers,
        )
        assert last.status_code == 409 and error_code(last) == "last_admin"
        removal = await client.delete(
            f"/api/v1/account/members/{member_id}", headers=member_headers
        )
        assert removal.status_code == 409

    async def test_role_change_applies_at_once(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        member, member_headers = await join(
            client, (await invite(client, headers, "admin"))["code"]
        )
        assert (
            await client.get("/api/v1/account/invites", headers=member_headers)
        ).status_code == 200
        await client.patch(
            f"/api/v1/account/members/{member['user']['id']}",
            json={"role": "technician"},
            headers=headers,
        )
        # Same access token, new role: roles come from the database on every request.
        response = await client.get("/api/v1/account/invites", headers=member_headers)
        assert response.status_code == 403 and error_code(response) == "role_required"

    async def test_removed_member_is_signed_out_and_disabled(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, headers = await signed_in(client)
        member, member_headers = await join(client, (await invite(client, headers))["code"])
        response = await client.delete(
            f"/api/v1/account/members/{member['user']['id']}", headers=headers
        )
        assert response.status_code == 204
        assert (await client.get("/api/v1/auth/me", headers=member_headers)).status_code == 401
        assert (
            await fresh.val(
                "SELECT count(*) FROM refresh_tokens t JOIN users u ON "
                "u.id = t.user_id WHERE u.email = $1 AND t.revoked_at IS NULL",
                member["email"],
            )
            == 0
        )
        listed = (await client.get("/api/v1/account/members", headers=headers)).json()
        assert [m["email"] for m in listed] != [] and member["email"] not in {
            m["email"] for m in listed
        }

    @pytest.mark.parametrize("role", ["engineer", "technician"])
    async def test_non_admins_cannot_manage(self, client: httpx.AsyncClient, role: str) -> None:
        admin, headers = await signed_in(client)
        _, member_headers = await join(client, (await invite(client, headers, role))["code"])
        calls = [
            client.get("/api/v1/account/invites", headers=member_headers),
            client.post("/api/v1/account/invites", json={"role": "admin"}, headers=member_headers),
            client.patch(
                f"/api/v1/account/members/{admin['user']['id']}",
                json={"role": "technician"},
                headers=member_headers,
            ),
            client.delete(f"/api/v1/account/members/{admin['user']['id']}", headers=member_headers),
        ]
        for call in calls:
            response = await call
            assert response.status_code == 403, response.text
        # Everyone may see who is in their account.
        assert (
            await client.get("/api/v1/account/members", headers=member_headers)
        ).status_code == 200


class TestTenantIsolation:
    async def test_foreign_ids_answer_404(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        a_admin, a_headers = await signed_in(client)
        a_member, _ = await join(client, (await invite(client, a_headers))["code"])
        a_invite = await invite(client, a_headers)
        _, b_headers = await signed_in(client)

        calls = [
            client.patch(
                f"/api/v1/account/members/{a_member['user']['id']}",
                json={"role": "admin"},
                headers=b_headers,
            ),
            client.delete(f"/api/v1/account/members/{a_member['user']['id']}", headers=b_headers),
            client.delete(f"/api/v1/account/invites/{a_invite['id']}", headers=b_headers),
            client.patch(
                f"/api/v1/account/members/{uuid.uuid4()}", json={"role": "admin"}, headers=b_headers
            ),
        ]
        for call in calls:
            response = await call
            assert response.status_code == 404, response.text
        assert (
            await fresh.val(
                "SELECT role FROM memberships m JOIN users u ON u.id = m.user_id "
                "WHERE u.email = $1",
                a_member["email"],
            )
            == "technician"
        )
        assert (
            await fresh.val(
                "SELECT revoked_at FROM account_invites WHERE id = $1", uuid.UUID(a_invite["id"])
            )
            is None
        )
        members = (await client.get("/api/v1/account/members", headers=b_headers)).json()
        assert a_admin["email"] not in {m["email"] for m in members}
        invites = (await client.get("/api/v1/account/invites", headers=b_headers)).json()
        assert invites == []

    async def test_account_header_or_query_cannot_switch_tenant(
        self, client: httpx.AsyncClient
    ) -> None:
        a, _ = await signed_in(client, account_name="Tenant A")
        _, b_headers = await signed_in(client, account_name="Tenant B")
        response = await client.get(
            f"/api/v1/account?account_id={a['account']['id']}",
            headers={**b_headers, "X-Account-Id": a["account"]["id"]},
        )
        assert response.json()["name"] == "Tenant B"


class TestPlatform:
    async def _root(self, client: httpx.AsyncClient, fresh: Fresh) -> dict[str, str]:
        email = unique_email("root")
        await register(client, email)
        await fresh.execute("UPDATE users SET is_superuser = true WHERE email = $1", email)
        return bearer(await login(client, email))

    async def test_platform_invites_need_a_superuser(self, client: httpx.AsyncClient) -> None:
        _, headers = await signed_in(client)
        response = await client.post("/api/v1/platform/invites", json={}, headers=headers)
        assert response.status_code == 403 and error_code(response) == "superuser_required"

    async def test_create_list_revoke_platform_invite(
        self, make_app: AppFactory, fresh: Fresh
    ) -> None:
        async with client_for(make_app(signup_mode="invite")) as client:
            async with client_for(make_app()) as open_client:
                root = await self._root(open_client, fresh)
            created = await client.post(
                "/api/v1/platform/invites",
                headers=root,
                json={"max_uses": 2, "note": "beta customers"},
            )
            assert created.status_code == 201
            code = created.json()["code"]
            assert len(code.replace("-", "")) == 15  # 15 symbols of 31: 74 bits
            listed = (await client.get("/api/v1/platform/invites", headers=root)).json()
            assert listed[0]["note"] == "beta customers" and "code" not in listed[0]
            await register(client, platform_invite_code=code)
            await client.delete(f"/api/v1/platform/invites/{created.json()['id']}", headers=root)
            response = await client.post(
                "/api/v1/auth/register",
                json={
                    "email": unique_email(),
                    "password": TEST_PASSWORD,
                    "full_name": "X",
                    "platform_invite_code": code,
                },
            )
            assert response.status_code == 404 and error_code(response) == "invite_invalid"

    async def test_superuser_moves_an_account_between_plans(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        root = await self._root(client, fresh)
        customer, headers = await signed_in(client)
        response = await client.put(
            f"/api/v1/platform/accounts/{customer['account']['id']}/plan",
            json={"plan_code": "team"},
            headers=root,
        )
        assert response.status_code == 200
        assert (await client.get("/api/v1/account", headers=headers)).json()["plan"][
            "code"
        ] == "team"
        unknown = await client.put(
            f"/api/v1/platform/accounts/{customer['account']['id']}/plan",
            json={"plan_code": "gold"},
            headers=root,
        )
        assert unknown.status_code == 404 and error_code(unknown) == "plan_not_found"
        plans = (await client.get("/api/v1/platform/plans", headers=headers)).json()
        assert [p["code"] for p in plans] == ["free", "team", "enterprise"]
