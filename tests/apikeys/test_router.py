"""API keys: created by a signed-in admin and shown once, stored hashed, accepted as a bearer
token by every authenticated endpoint with the key's role, revoked at once."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.apikeys.helpers import create_key, revoke_key
from tests.conftest import Fresh
from tests.helpers import bearer, error_code, error_field, login, register, signed_in
from tests.trees.factories import GRAPH, create_tree, member, published_tree

KEYS = "/api/v1/account/api-keys"


def authenticated_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every operation of the app that takes a bearer credential (its
    OpenAPI document lists each route the app serves, with its security), path parameters
    filled in: a fresh uuid, or 1 for a number."""
    found = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if not operation.get("security"):
                continue
            filled = path
            for param in operation.get("parameters", []):
                if param["in"] == "path":
                    is_uuid = param["schema"].get("format") == "uuid"
                    value = str(uuid.uuid4()) if is_uuid else "1"
                    filled = filled.replace("{" + param["name"] + "}", value)
            found.append((method.upper(), filled))
    return found


async def _send(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]) -> Any:
    body = None if method in {"GET", "DELETE"} else {}
    return await client.request(method, path, headers=headers, json=body)


class TestEveryEndpoint:
    async def test_a_revoked_key_answers_401_at_once_everywhere(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        _, admin = await signed_in(client)
        created, key = await create_key(client, admin, "admin")
        routes = authenticated_routes(app)
        assert len(routes) > 60  # the whole API, not a sample

        # While the key lives, no endpoint refuses it as a credential.
        for method, path in routes:
            response = await _send(client, method, path, key)
            assert response.status_code != 401, (method, path, response.text)

        await revoke_key(client, admin, created["id"])
        refused = []
        for method, path in routes:
            response = await _send(client, method, path, key)
            if response.status_code == 401 and error_code(response) == "api_key_revoked":
                refused.append((method, path))
        assert refused == routes

    async def test_an_unknown_key_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/trees", headers=bearer("tt_" + "x" * 43))
        assert response.status_code == 401 and error_code(response) == "invalid_api_key"
        assert response.headers["www-authenticate"] == "Bearer"


class TestRoles:
    async def test_a_technician_key_cannot_publish(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, admin = await signed_in(client)
        tree = await create_tree(client, admin, graph=GRAPH)
        _, technician = await create_key(client, admin, "technician")
        response = await client.post(
            f"/api/v1/trees/{tree['id']}/publish", headers=technician, json={}
        )
        assert response.status_code == 403 and error_code(response) == "role_required"
        assert await fresh.val("SELECT count(*) FROM tree_versions") == 0
        # ...nor save a draft, while it may run what is published.
        response = await client.put(
            f"/api/v1/trees/{tree['id']}", headers=technician, json={"base_revision": 1}
        )
        assert response.status_code == 403

    async def test_an_engineer_key_publishes_for_its_creator(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        user, admin = await signed_in(client)
        tree = await create_tree(client, admin, graph=GRAPH)
        created, engineer = await create_key(client, admin, "engineer")
        response = await client.post(
            f"/api/v1/trees/{tree['id']}/publish", headers=engineer, json={}
        )
        assert response.status_code == 201, response.text
        published = "SELECT actor_id, account_id, data FROM audit_events WHERE action = $1"
        row = (await fresh.fetch(published, "tree_published"))[0]
        assert str(row["actor_id"]) == user["user"]["id"]
        assert str(row["account_id"]) == user["account"]["id"]
        assert '"api_key_id": "' + created["id"] in row["data"]

    async def test_me_names_the_key_and_its_role(self, client: httpx.AsyncClient) -> None:
        user, admin = await signed_in(client)
        created, key = await create_key(client, admin, "technician")
        me = (await client.get("/api/v1/auth/me", headers=key)).json()
        assert me["user"]["id"] == user["user"]["id"]
        assert me["api_key"] == {"id": created["id"], "role": "technician"}
        assert (await client.get("/api/v1/auth/me", headers=admin)).json()["api_key"] is None

    async def test_a_technician_key_runs_a_session(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        tree = await published_tree(client, admin)
        _, key = await create_key(client, admin, "technician")
        response = await client.post(
            "/api/v1/sessions",
            headers=key,
            json={"tree_id": tree["id"], "variables": {"serial": "SN-1"}},
        )
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", KEYS),
            ("GET", KEYS),
            ("PATCH", "/api/v1/auth/me"),
            ("POST", "/api/v1/auth/logout-all"),
            ("POST", "/api/v1/auth/password"),
            ("GET", "/api/v1/platform/invites"),
        ],
    )
    async def test_what_only_a_person_may_do(
        self, client: httpx.AsyncClient, fresh: Fresh, method: str, path: str
    ) -> None:
        """A key cannot manage keys (a leaked key could not mint its own successors), change
        its creator's profile, password or sign-ins, or act as a superuser."""
        user, admin = await signed_in(client)
        await fresh.execute(
            "UPDATE users SET is_superuser = true WHERE id = $1", uuid.UUID(user["user"]["id"])
        )
        _, key = await create_key(client, admin, "admin")
        body = {"name": "x", "role": "admin"} if path == KEYS else {"full_name": "X"}
        response = await client.request(method, path, headers=key, json=body)
        assert response.status_code == 403 and error_code(response) == "api_key_not_allowed"

    async def test_only_admins_manage_keys(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        _, engineer = await member(client, admin, "engineer")
        response = await client.post(
            KEYS, headers=engineer, json={"name": "mine", "role": "technician"}
        )
        assert response.status_code == 403
        assert (await client.get(KEYS, headers=engineer)).status_code == 403


class TestLifecycle:
    async def test_shown_once_and_stored_hashed(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, admin = await signed_in(client)
        created, _ = await create_key(client, admin, "engineer", expires_in_days=30)
        raw = created["key"]
        assert raw.startswith("tt_") and len(raw) >= 40
        assert created["key_hint"] == raw[:10] and created["status"] == "active"
        listed = (await client.get(KEYS, headers=admin)).json()
        assert [k["id"] for k in listed] == [created["id"]]
        assert "key" not in listed[0] and raw not in str(listed)
        row = (await fresh.fetch("SELECT * FROM api_keys"))[0]
        assert row["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in str(dict(row))

    async def test_last_use_is_listed(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        _, key = await create_key(client, admin)
        assert (await client.get(KEYS, headers=admin)).json()[0]["last_used_at"] is None
        assert (await client.get("/api/v1/trees", headers=key)).status_code == 200
        listed = (await client.get(KEYS, headers=admin)).json()[0]
        assert listed["last_used_at"] is not None and listed["last_used_ip"] == "127.0.0.1"

    async def test_an_expired_key_is_401(self, client: httpx.AsyncClient, fresh: Fresh) -> None:
        _, admin = await signed_in(client)
        created, key = await create_key(client, admin, expires_in_days=1)
        await fresh.execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
            uuid.UUID(created["id"]),
        )
        response = await client.get("/api/v1/trees", headers=key)
        assert response.status_code == 401 and error_code(response) == "api_key_expired"
        assert (await client.get(KEYS, headers=admin)).json()[0]["status"] == "expired"

    async def test_revoking_twice_changes_nothing(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, admin = await signed_in(client)
        created, _ = await create_key(client, admin)
        await revoke_key(client, admin, created["id"])
        await revoke_key(client, admin, created["id"])
        count = "SELECT count(*) FROM audit_events WHERE action = 'api_key_revoked'"
        assert await fresh.val(count) == 1

    async def test_another_accounts_key_is_404(self, client: httpx.AsyncClient) -> None:
        _, admin_a = await signed_in(client)
        _, admin_b = await signed_in(client)
        created, key_a = await create_key(client, admin_a)
        response = await client.delete(f"{KEYS}/{created['id']}", headers=admin_b)
        assert response.status_code == 404 and error_code(response) == "api_key_not_found"
        assert (await client.get(KEYS, headers=admin_b)).json() == []
        assert (await client.get("/api/v1/trees", headers=key_a)).status_code == 200

    async def test_a_key_sees_only_its_account(self, client: httpx.AsyncClient) -> None:
        _, admin_a = await signed_in(client)
        _, admin_b = await signed_in(client)
        tree_b = await create_tree(client, admin_b, "B's tree")
        _, key_a = await create_key(client, admin_a)
        response = await client.get(f"/api/v1/trees/{tree_b['id']}", headers=key_a)
        assert response.status_code == 404
        assert (await client.get("/api/v1/trees", headers=key_a)).json()["items"] == []

    async def test_removing_the_creator_revokes_their_keys(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        _, admin = await signed_in(client)
        second, second_admin = await member(client, admin, "admin")
        created, key = await create_key(client, second_admin, "engineer")
        response = await client.delete(
            f"/api/v1/account/members/{second['user']['id']}", headers=admin
        )
        assert response.status_code == 204
        response = await client.get("/api/v1/trees", headers=key)
        assert response.status_code == 401
        listed = (await client.get(KEYS, headers=admin)).json()
        assert [(k["id"], k["status"]) for k in listed] == [(created["id"], "revoked")]
        reasons = await fresh.fetch(
            "SELECT data->>'reason' AS reason FROM audit_events WHERE action = 'api_key_revoked'"
        )
        assert [r["reason"] for r in reasons] == ["member_removed"]

    async def test_the_active_key_limit(
        self, client: httpx.AsyncClient, fresh: Fresh, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from troubletree.apikeys import service

        monkeypatch.setattr(service, "MAX_ACTIVE_KEYS", 2)
        _, admin = await signed_in(client)
        first, _ = await create_key(client, admin)
        await create_key(client, admin)
        response = await client.post(KEYS, headers=admin, json={"name": "third", "role": "admin"})
        assert response.status_code == 409 and error_code(response) == "api_key_limit"
        await revoke_key(client, admin, first["id"])
        await create_key(client, admin)
        assert await fresh.val("SELECT count(*) FROM api_keys") == 3


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "help desk", "role": "owner"}, "role"),
            ({"name": "", "role": "admin"}, "name"),
            ({"name": "   ", "role": "admin"}, "name"),
            ({"name": "x" * 101, "role": "admin"}, "name"),
            ({"name": "two\nlines", "role": "admin"}, "name"),
            ({"name": "help desk", "role": "admin", "expires_in_days": 0}, "expires_in_days"),
            ({"name": "help desk", "role": "admin", "expires_in_days": 99999}, "expires_in_days"),
            ({"name": "help desk", "role": "admin", "account_id": str(uuid.uuid4())}, "account_id"),
            ({"role": "admin"}, "name"),
        ],
    )
    async def test_names_the_field_and_writes_nothing(
        self, client: httpx.AsyncClient, fresh: Fresh, body: dict[str, Any], field: str
    ) -> None:
        _, admin = await signed_in(client)
        response = await client.post(KEYS, headers=admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
        assert await fresh.val("SELECT count(*) FROM api_keys") == 0
        assert (
            await fresh.val("SELECT count(*) FROM audit_events WHERE action LIKE 'api_key%'") == 0
        )

    async def test_a_bad_key_id_is_422(self, client: httpx.AsyncClient) -> None:
        _, admin = await signed_in(client)
        response = await client.delete(f"{KEYS}/not-a-uuid", headers=admin)
        assert response.status_code == 422 and error_field(response) == "key_id"


async def test_password_change_keeps_this_sign_in(client: httpx.AsyncClient, fresh: Fresh) -> None:
    user = await register(client)
    other = bearer(await login(client, user["email"]))
    this = bearer(await login(client, user["email"]))
    response = await client.post(
        "/api/v1/auth/password",
        headers=this,
        json={"current_password": "wrong", "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 422 and error_field(response) == "current_password"
    response = await client.post(
        "/api/v1/auth/password",
        headers=this,
        json={"current_password": user["password"], "new_password": "short"},
    )
    assert response.status_code == 422 and error_field(response) == "new_password"
    response = await client.post(
        "/api/v1/auth/password",
        headers=this,
        json={"current_password": user["password"], "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 204, response.text
    assert (await client.get("/api/v1/auth/me", headers=this)).status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=other)).status_code == 401
    await login(client, user["email"], "a brand new passphrase")
    count = "SELECT count(*) FROM audit_events WHERE action = 'password_changed'"
    assert await fresh.val(count) == 1
