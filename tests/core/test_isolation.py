"""Tenant isolation, swept over the whole OpenAPI document: no caller of account A (its admin,
engineer, technician, or an API key) can read, change or learn anything of account B.

Account B gets one of every resource a path parameter names (a published tree with versions,
category, tag, sessions with steps, an attachment and feedback, members, an invite, an API key,
a webhook with a delivery). Then, as every role of A:

- every operation with path parameters gets B's ids (and a body built from its request schema,
  id fields filled with B's ids too) and must answer 404, or the listed exception, exactly as it
  answers for ids that exist nowhere (same status, same error code: nothing learned);
- every operation without path parameters that takes ids or tokens in its body gets B's;
- every list, search and report (GET without path parameters) is asked plainly, filtered by B's
  ids and searched for B's words (and a misspelling of them);
- no answer contains any of B's ids, names, titles or emails;
- afterwards B's rows are unchanged (a fingerprint of every row of B in every table) and no row
  of anyone else mentions one of B's ids.

A path parameter, body id field or table the fixture does not know fails the test, so a new
route cannot escape the sweep. B's admin first reads every GET with path parameters with the
same ids (2xx): the ids are real, so a 404 from A means the account filter held.
"""

# ruff: noqa: S608 - the fingerprint queries are built from table names of the catalog only

from __future__ import annotations

import copy
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from tests.apikeys.helpers import create_key
from tests.conftest import AppFactory, Fresh, client_for, make_settings
from tests.helpers import bearer, login, register, unique_email
from tests.sessions.helpers import printer_graph
from troubletree.integrations.service import make_token

V1 = "/api/v1"
MARK = "Zebraquark"  # every name, title and address of account B carries this word
ROLES = ("admin", "engineer", "technician", "api_key")
METHODS = ("get", "put", "post", "patch", "delete")

# --------------------------------------------------------------------------- expected answers

ADMIN_ONLY = "admins only (require_role(admin)): refused before any lookup"
AUTHORS_ONLY = "admins and engineers only (Author): refused before any lookup"
PEOPLE_ONLY = "a signed-in admin, not an API key (SignedInAdmin): refused before any lookup"
PLATFORM = "platform superusers only: refused before any lookup (A has none)"

# (method, path) -> {role: (status, reason)}: every answer other than 404 that a role of A may
# get for B's ids. Anything else not 404 fails, and the answer must match the one for ids that
# exist nowhere.
_GATES: dict[str, dict[str, tuple[int, str, str]]] = {
    "admin": {
        "engineer": (403, "role_required", ADMIN_ONLY),
        "technician": (403, "role_required", ADMIN_ONLY),
    },
    "author": {"technician": (403, "role_required", AUTHORS_ONLY)},
    "person": {
        "engineer": (403, "role_required", ADMIN_ONLY),
        "technician": (403, "role_required", ADMIN_ONLY),
        "api_key": (403, "api_key_not_allowed", PEOPLE_ONLY),
    },
    "platform": {
        "admin": (403, "superuser_required", PLATFORM),
        "engineer": (403, "superuser_required", PLATFORM),
        "technician": (403, "superuser_required", PLATFORM),
        "api_key": (403, "api_key_not_allowed", PLATFORM),
    },
}
_GATED = {
    "admin": [
        ("PATCH", "/api/v1/account/members/{user_id}"),
        ("DELETE", "/api/v1/account/members/{user_id}"),
        ("DELETE", "/api/v1/account/invites/{invite_id}"),
        ("DELETE", "/api/v1/trees/{tree_id}"),
        ("GET", "/api/v1/webhooks/{webhook_id}"),
        ("PATCH", "/api/v1/webhooks/{webhook_id}"),
        ("DELETE", "/api/v1/webhooks/{webhook_id}"),
        ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"),
        ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"),
    ],
    "author": [
        ("POST", "/api/v1/trees"),
        ("PATCH", "/api/v1/trees/categories/{category_id}"),
        ("DELETE", "/api/v1/trees/categories/{category_id}"),
        ("PUT", "/api/v1/trees/{tree_id}"),
        ("POST", "/api/v1/trees/{tree_id}/archive"),
        ("POST", "/api/v1/trees/{tree_id}/unarchive"),
        ("POST", "/api/v1/trees/{tree_id}/duplicate"),
        ("POST", "/api/v1/trees/{tree_id}/validate"),
        ("POST", "/api/v1/trees/{tree_id}/publish"),
        ("POST", "/api/v1/trees/{tree_id}/versions/{number}/restore"),
        ("GET", "/api/v1/trees/{tree_id}/export"),
        ("GET", "/api/v1/trees/{tree_id}/feedback-counts"),
        ("GET", "/api/v1/trees/{tree_id}/insights"),
        ("GET", "/api/v1/trees/{tree_id}/insights/technicians"),
        ("POST", "/api/v1/start-links"),
    ],
    "person": [("DELETE", "/api/v1/account/api-keys/{key_id}")],
    "platform": [
        ("DELETE", "/api/v1/platform/invites/{invite_id}"),
        ("PUT", "/api/v1/platform/accounts/{account_id}/plan"),
    ],
}
# (method, path) -> {role: (status, error code, reason)}: every answer other than 404 that a
# role of A may get for B's ids. Anything else fails, and the answer must be the one for ids
# that exist nowhere (same status, same code).
EXCEPTIONS: dict[tuple[str, str], dict[str, tuple[int, str | None, str]]] = {
    op: dict(_GATES[gate]) for gate, ops in _GATED.items() for op in ops
}
_UNKNOWN_CATEGORY = (
    422,
    "unknown_category",
    "a body's category_id outside the account is a bad field, as one that exists nowhere",
)
for _role in ("admin", "engineer", "api_key"):
    EXCEPTIONS[("POST", "/api/v1/trees")][_role] = _UNKNOWN_CATEGORY
_BATCH = "a sync batch answers 200 with one result per event (each refused: compared)"
EXCEPTIONS[("POST", "/api/v1/sessions/sync")] = {role: (200, None, _BATCH) for role in ROLES}

# Answers that repeat a field of the request (the caller's own input, not something learned):
# (method, path) -> the field. The rest of the answer must equal the one for an unknown id.
ECHOES = {("POST", "/api/v1/sessions/sync"): "session_id"}

# Operations without path parameters and without anything of another account in their input:
# not part of the body sweep (their GETs are still swept as lists).
_OWN = "acts on the caller's own sign-in or profile"
_CREATES = "creates a row of the caller's account from names and settings only"
_TOKEN = "takes a mailed single-use token of one user (tests/auth cover them)"
NOT_SWEPT: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/register"): "signs up: no caller",
    ("POST", "/api/v1/auth/login"): "signs in: no caller",
    ("POST", "/api/v1/auth/login/json"): "signs in: no caller",
    ("POST", "/api/v1/auth/refresh"): _OWN,
    ("POST", "/api/v1/auth/logout"): _OWN,
    ("POST", "/api/v1/auth/logout-all"): _OWN,
    ("POST", "/api/v1/auth/password"): _OWN,
    ("PATCH", "/api/v1/auth/me"): _OWN,
    ("POST", "/api/v1/auth/verify-email/send"): _OWN,
    ("POST", "/api/v1/auth/password-reset/request"): "mails a link to an address: no caller",
    ("POST", "/api/v1/auth/password-reset/confirm"): _TOKEN,
    ("POST", "/api/v1/auth/password-reset/check"): _TOKEN,
    ("POST", "/api/v1/auth/verify-email/check"): _TOKEN,
    ("POST", "/api/v1/auth/verify-email/confirm"): _TOKEN,
    ("POST", "/api/v1/invites/preview"): "an invite code is meant to be shown to outsiders",
    ("PATCH", "/api/v1/account"): _CREATES,
    ("POST", "/api/v1/account/invites"): _CREATES,
    ("POST", "/api/v1/account/api-keys"): _CREATES,
    ("POST", "/api/v1/platform/invites"): "platform superusers only, no account data",
    ("POST", "/api/v1/trees/categories"): _CREATES,
    ("POST", "/api/v1/trees/import"): _CREATES,
    ("POST", "/api/v1/trees/logic/check"): "evaluates an expression, reads nothing",
    ("POST", "/api/v1/trees/from-template"): _CREATES,
    ("POST", "/api/v1/webhooks"): _CREATES,
    ("PUT", "/api/v1/integrations/embed"): _CREATES,
}

# Secrets of B an operation takes in its body (besides ids): (method, path) -> field -> kind.
TOKENS = {("POST", "/api/v1/start-links/open"): {"token": "start_link"}}

# Body and query fields that carry an id chosen by the client, not one of a resource: a fresh
# random value, the same in both requests.
CLIENT_CHOSEN = {"client_id": "an idempotency key the client makes up"}
_CHOSEN: dict[str, str] = {}


# --------------------------------------------------------------------------- account B


@dataclass
class Tenant:
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)  # path/body field name -> value
    tokens: dict[str, str] = field(default_factory=dict)  # secrets of B (start link token)
    account_id: str = ""

    def all_ids(self) -> set[str]:
        found: set[str] = set()
        for value in self.ids.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and _is_uuid(item):
                    found.add(item)
        return found


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def _ok(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


async def _member(
    client: httpx.AsyncClient, admin_h: dict[str, str], role: str, name: str
) -> tuple[dict[str, Any], dict[str, str]]:
    invite = await _ok(
        await client.post(
            f"{V1}/account/invites", headers=admin_h, json={"role": role, "max_uses": 1}
        )
    )
    user = await register(
        client,
        unique_email(name.lower().replace(" ", "-")),
        invite_code=invite["code"],
        full_name=name,
    )
    return user, bearer(await login(client, user["email"]))


async def _team(client: httpx.AsyncClient, name: str) -> tuple[Tenant, dict[str, Any]]:
    admin = await register(
        client,
        unique_email(f"{name.lower()}-admin"),
        full_name=f"{name} Admin",
        account_name=f"{name} Ltd",
    )
    tenant = Tenant(account_id=admin["account"]["id"])
    tenant.headers["admin"] = bearer(await login(client, admin["email"]))
    people = {"admin": admin}
    for role in ("engineer", "technician"):
        people[role], tenant.headers[role] = await _member(
            client, tenant.headers["admin"], role, f"{name} {role.title()}"
        )
    key, tenant.headers["api_key"] = await create_key(client, tenant.headers["admin"], "admin")
    tenant.ids["key_id"] = key["id"]
    return tenant, people


async def _build(client: httpx.AsyncClient, fresh: Fresh, name: str) -> Tenant:
    """An account with one of every resource, all named after `name`."""
    tenant, people = await _team(client, name)
    admin_h, tech_h = tenant.headers["admin"], tenant.headers["technician"]
    await fresh.execute(
        "UPDATE accounts SET plan_id = (SELECT id FROM plans WHERE code = 'enterprise') "
        "WHERE id = $1",
        uuid.UUID(tenant.account_id),
    )
    category = await _ok(
        await client.post(
            f"{V1}/trees/categories", headers=admin_h, json={"name": f"{name} printers"}
        )
    )
    graph = printer_graph()
    graph["nodes"][0]["title"] = f"Does the {name} {{{{device}}}} power on?"
    tree = await _ok(
        await client.post(
            f"{V1}/trees",
            headers=admin_h,
            json={
                "title": f"{name} printer will not print",
                "description": f"{name} runbook",
                "category_id": category["id"],
                "tags": [f"{name.lower()}-tag"],
                "graph": graph,
            },
        )
    )
    tree_url = f"{V1}/trees/{tree['id']}"
    await _ok(await client.post(f"{tree_url}/publish", headers=admin_h, json={}))
    tree = await _ok(await client.get(tree_url, headers=admin_h), 200)
    graph["nodes"][3]["title"] = f"{name} test page"
    tree = await _ok(
        await client.put(
            tree_url,
            headers=admin_h,
            json={"base_revision": tree["draft_revision"], "graph": graph},
        ),
        200,
    )
    await _ok(await client.post(f"{tree_url}/publish", headers=admin_h, json={}))
    tree = await _ok(await client.get(tree_url, headers=admin_h), 200)
    webhook = await _ok(
        await client.post(
            f"{V1}/webhooks",
            headers=admin_h,
            json={
                "url": f"http://127.0.0.1:9/{name.lower()}",
                "events": ["session.completed"],
                "description": f"{name} hook",
            },
        )
    )
    sessions_url = f"{V1}/sessions"
    variables = {"device": f"{name} P1", "ticket": f"{name}-7"}
    body = {"tree_id": tree["id"], "variables": variables}
    done = await _ok(await client.post(sessions_url, headers=tech_h, json=body))
    for option in ("yes", "ok"):
        done = await _ok(
            await client.post(
                f"{sessions_url}/{done['id']}/steps", headers=tech_h, json={"option_id": option}
            ),
            200,
        )
    await _ok(
        await client.post(
            f"{sessions_url}/{done['id']}/complete",
            headers=tech_h,
            json={"resolution_note": f"{name} fixed"},
        ),
        200,
    )
    session = await _ok(await client.post(sessions_url, headers=tech_h, json=body))
    session = await _ok(
        await client.post(
            f"{sessions_url}/{session['id']}/steps",
            headers=tech_h,
            json={"option_id": "yes", "note": f"{name} note"},
        ),
        200,
    )
    attachment = await _ok(
        await client.post(
            f"{sessions_url}/{session['id']}/attachments",
            headers=tech_h,
            files={"file": (f"{name}.png", _png(), "image/png")},
        )
    )
    feedback = await _ok(
        await client.post(
            f"{sessions_url}/{session['id']}/feedback",
            headers=tech_h,
            json={"node_id": "q1", "kind": "unclear", "comment": f"{name} unclear"},
        )
    )
    await _ok(
        await client.post(
            f"{V1}/feedback/{feedback['id']}/replies",
            headers=admin_h,
            json={"body": f"{name} reply"},
        ),
        200,
    )
    invite = await _ok(
        await client.post(
            f"{V1}/account/invites", headers=admin_h, json={"role": "technician", "max_uses": 3}
        )
    )
    link = await _ok(
        await client.post(
            f"{V1}/start-links",
            headers=admin_h,
            json={"tree_id": tree["id"], "variables": variables, "notes": f"{name} link"},
        )
    )
    await client.get(f"{V1}/trees/search", headers=tech_h, params={"q": f"{name}nothing"})
    deliveries = await _ok(
        await client.get(f"{V1}/webhooks/{webhook['id']}/deliveries", headers=admin_h), 200
    )
    versions = await fresh.fetch(
        "SELECT id, number FROM tree_versions WHERE tree_id = $1 ORDER BY number",
        uuid.UUID(tree["id"]),
    )
    tag_id = await fresh.val(
        "SELECT id FROM tags WHERE account_id = $1", uuid.UUID(tenant.account_id)
    )
    tenant.tokens["start_link"] = link["token"]
    tenant.ids.update(
        account_id=tenant.account_id,
        user_id=people["technician"]["user"]["id"],
        technician_id=people["technician"]["user"]["id"],
        actor_id=people["admin"]["user"]["id"],
        created_by=people["admin"]["user"]["id"],
        engineer_id=people["engineer"]["user"]["id"],
        tree_id=tree["id"],
        version_id=str(versions[0]["id"]),
        latest_version_id=str(versions[-1]["id"]),
        number=versions[0]["number"],
        category_id=category["id"],
        tag_ids=[str(tag_id)],
        session_id=session["id"],
        # A session id chosen by the client (offline start): B's, to try to take it over.
        id=done["id"],
        seq=1,
        attachment_id=attachment["id"],
        variant="file",
        feedback_id=feedback["id"],
        invite_id=invite["id"],
        webhook_id=webhook["id"],
        delivery_id=deliveries["items"][0]["id"],
        # Real values where a body needs one, so a missing filter would let the write through.
        base_revision=tree["draft_revision"],
        session_revision=session["revision"],
    )
    return tenant


# --------------------------------------------------------------------------- requests


@dataclass
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method.upper(), self.path)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def params(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]


def operations(schema: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method, path, spec)
        for path, item in schema["paths"].items()
        for method, spec in item.items()
        if method in METHODS
    ]


class Builder:
    """Requests for one operation from the document: ids from a table of values (B's, or
    random ones that exist nowhere), bodies from the request schema's required fields."""

    def __init__(self, schema: dict[str, Any], values: dict[str, Any], tokens: dict[str, str]):
        self.components = schema["components"]["schemas"]
        self.values = values
        self.tokens = tokens
        self.unknown: set[str] = set()

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[1]]
        if "anyOf" in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"]
            return self.resolve(options[0]) if options else node
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.resolve(node["allOf"][0])
        return node

    def id_for(self, name: str, where: str) -> Any:
        if name in CLIENT_CHOSEN:
            return _CHOSEN.setdefault(name, str(uuid.uuid4()))
        if name in self.values:
            return self.values[name]
        self.unknown.add(f"{where} {name}")
        return None

    def value(self, name: str, node: dict[str, Any], where: str) -> Any:
        node = self.resolve(node)
        kind = node.get("type")
        if "enum" in node:
            return node["enum"][0]
        if node.get("format") == "uuid":
            return self.id_for(name, where)
        if kind == "array":
            item = self.resolve(node.get("items", {}))
            if item.get("format") == "uuid":
                return self.id_for(name, where)
            return [self.value(name, item, where)] if node.get("minItems") else []
        if kind == "object":
            return self.obj(node, where)
        if kind == "integer":
            if name == "base_revision":
                return self.values["base_revision"]
            return int(node.get("minimum", 1))
        if kind == "boolean":
            return False
        return f"{MARK.lower()}-probe"[: int(node.get("maxLength", 40))]

    def obj(self, node: dict[str, Any], where: str) -> dict[str, Any]:
        body: dict[str, Any] = {}
        required = set(node.get("required", []))
        for name, prop in node.get("properties", {}).items():
            resolved = self.resolve(prop)
            carries_id = resolved.get("format") == "uuid" or (
                resolved.get("type") == "array"
                and self.resolve(resolved.get("items", {})).get("format") == "uuid"
            )
            if name in required or (carries_id and name not in CLIENT_CHOSEN):
                body[name] = self.value(name, prop, f"{where}.{name}")
        return body

    def carries_input(self, op: Operation) -> bool:
        """Whether the operation's body or query takes ids or tokens of an account."""
        probe = Builder({"components": {"schemas": self.components}}, {}, {})
        probe.build(op)
        return bool(probe.unknown) or op.key in TOKENS

    def build(self, op: Operation, *, filters: bool = False) -> dict[str, Any]:
        """httpx request arguments. `filters`: optional id query parameters filled too."""
        path = op.path
        for param in op.params("path"):
            value = self.id_for(param["name"], f"{op.label} path")
            path = path.replace("{" + param["name"] + "}", str(value))
        query: dict[str, Any] = {}
        for param in op.params("query"):
            node = self.resolve(param["schema"])
            if param.get("required") or (filters and node.get("format") == "uuid"):
                query[param["name"]] = self.query_value(op, param["name"], node)
        request: dict[str, Any] = {"method": op.method.upper(), "url": path, "params": query}
        content = op.spec.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            request["json"] = self.obj(
                self.resolve(content["application/json"]["schema"]), f"{op.label} body"
            )
        elif "multipart/form-data" in content:
            request["files"] = {"file": ("probe.png", _png(), "image/png")}
        elif "application/x-www-form-urlencoded" in content:
            request["data"] = {}
        return request

    def query_value(self, op: Operation, name: str, node: dict[str, Any]) -> Any:
        if name in QUERY_VALUES:
            return QUERY_VALUES[name]
        return self.value(name, node, f"{op.label} query")


# Query parameters that need a real value rather than one made from their schema.
QUERY_VALUES: dict[str, Any] = {"from": "1", "to": "live", "format": "json", "expires": 0}

# Bodies that need real values to get past validation, so that a missing account filter would
# let the call through (base_revision and the option of B's current node are filled from B).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/sessions/{session_id}/steps"): {"option_id": "ok"},
    ("PUT", "/api/v1/sessions/{session_id}/steps/{seq}/note"): {"note": f"{MARK} probe"},
    ("POST", "/api/v1/sessions/{session_id}/feedback"): {"node_id": "q2", "kind": "wrong"},
    ("POST", "/api/v1/sessions/{session_id}/complete"): {"outcome": "resolved"},
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): {"is_active": False},
    ("PATCH", "/api/v1/account/members/{user_id}"): {"role": "admin"},
    ("POST", "/api/v1/sessions/sync"): {
        "events": [
            {"type": "step", "client_id": str(uuid.uuid4()), "node_id": "q2", "option_id": "ok"}
        ]
    },
}


def _request(builder: Builder, op: Operation, filters: bool = False) -> dict[str, Any]:
    request = builder.build(op, filters=filters)
    if op.key in BODIES:
        request["json"] = {**request.get("json", {}), **BODIES[op.key]}
    for name, kind in TOKENS.get(op.key, {}).items():
        request["json"][name] = builder.tokens[kind]
    for name in ("base_revision",):
        if name in request.get("json", {}) and "{session_id}" in op.path:
            request["json"][name] = builder.values["session_revision"]
    return request


def _random_values(values: dict[str, Any]) -> dict[str, Any]:
    """The same table with every id replaced by one that exists nowhere."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, list):
            out[name] = [str(uuid.uuid4()) for _ in value]
        elif isinstance(value, str) and _is_uuid(value):
            out[name] = str(uuid.uuid4())
        else:
            out[name] = value
    return out


def _code(response: httpx.Response) -> str | None:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return None
    if isinstance(detail, dict):
        return str(detail.get("code"))
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return str(detail[0].get("code"))
    return None


# --------------------------------------------------------------------------- fingerprint

# Rows of account B in tables without an account_id column: table -> condition ($1: B's id).
_B_USERS = "SELECT user_id FROM memberships WHERE account_id = $1"
_B_SESSIONS = "SELECT id FROM troubleshooting_sessions WHERE account_id = $1"
B_ROWS = {
    "accounts": "id = $1",
    "users": f"id IN ({_B_USERS})",
    "refresh_tokens": f"user_id IN ({_B_USERS})",
    "password_reset_tokens": f"user_id IN ({_B_USERS})",
    "email_verification_tokens": f"user_id IN ({_B_USERS})",
    "outbox_emails": f"user_id IN ({_B_USERS})",
    "tree_versions": "tree_id IN (SELECT id FROM trees WHERE account_id = $1)",
    "tree_tags": "tree_id IN (SELECT id FROM trees WHERE account_id = $1)",
    "session_steps": f"session_id IN ({_B_SESSIONS})",
    "session_receipts": f"session_id IN ({_B_SESSIONS})",
    "insight_open_sessions": f"session_id IN ({_B_SESSIONS})",
    "node_feedback_replies": "feedback_id IN (SELECT id FROM node_feedback WHERE account_id = $1)",
    "webhook_attempts": "delivery_id IN (SELECT id FROM webhook_deliveries WHERE account_id = $1)",
}
# Tables of no account: what is in them belongs to the platform or the job queue.
PLATFORM_TABLES = {
    "alembic_version": "the schema's revision",
    "plans": "the platform's plans",
    "platform_invites": "invites to the platform, made by superusers",
    "procrastinate_jobs": "the job queue: B's jobs name B's ids, and no new one may",
    "procrastinate_events": "the job queue's history",
    "procrastinate_periodic_defers": "the job queue's schedule",
    "procrastinate_workers": "the job queue's workers",
    "stored_file_removals": "storage keys waiting to be deleted",
}


async def _tables(fresh: Fresh) -> dict[str, str]:
    """Every table of the schema with the condition that selects B's rows in it."""
    rows = await fresh.fetch(
        "SELECT table_name, bool_or(column_name = 'account_id') AS scoped "
        "FROM information_schema.columns WHERE table_schema = 'public' GROUP BY table_name"
    )
    tables: dict[str, str] = {}
    unknown = []
    for row in rows:
        name = row["table_name"]
        if name in B_ROWS:
            tables[name] = B_ROWS[name]
        elif row["scoped"]:
            tables[name] = "account_id = $1"
        elif name in PLATFORM_TABLES:
            tables[name] = "false"
        else:
            unknown.append(name)
    assert not unknown, (
        f"tables {unknown} have no account_id and no rule in B_ROWS or PLATFORM_TABLES: "
        "say which rows of them belong to an account"
    )
    return tables


async def fingerprint(fresh: Fresh, tables: dict[str, str], account_id: str) -> dict[str, Any]:
    """Per table: how many rows of B and a hash of all of them, every column."""
    parts = [
        f"SELECT '{name}' AS name, count(*) AS n, "
        f"md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest "
        f"FROM {name} t WHERE {cond}"
        for name, cond in sorted(tables.items())
        if cond != "false"
    ]
    rows = await fresh.fetch(" UNION ALL ".join(parts), uuid.UUID(account_id))
    return {row["name"]: (row["n"], row["digest"]) for row in rows}


async def row_ids(fresh: Fresh, tables: dict[str, str], account_id: str) -> set[str]:
    """The id of every row of B (steps, replies, versions, ... not only those in paths)."""
    with_id = {
        row["table_name"]
        for row in await fresh.fetch(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'id' AND data_type = 'uuid'"
        )
    }
    parts = [
        f"SELECT id::text AS id FROM {name} t WHERE {cond}"
        for name, cond in sorted(tables.items())
        if name in with_id and cond != "false"
    ]
    rows = await fresh.fetch(" UNION ALL ".join(parts), uuid.UUID(account_id))
    return {row["id"] for row in rows}


async def foreign_mentions(
    fresh: Fresh, tables: dict[str, str], account_id: str, ids: set[str]
) -> dict[str, int]:
    """Rows outside B (any table) whose text holds one of B's ids."""
    pattern = "|".join(sorted(ids))
    parts = [
        f"SELECT '{name}' AS name, count(*) AS n FROM {name} t "
        f"WHERE NOT coalesce({cond}, false) AND t::text ~ $2"
        for name, cond in sorted(tables.items())
    ]
    rows = await fresh.fetch(" UNION ALL ".join(parts), uuid.UUID(account_id), pattern)
    return {row["name"]: row["n"] for row in rows if row["n"]}


# --------------------------------------------------------------------------- the sweep

STATS: Counter[str] = Counter()


def summary() -> str | None:
    """Printed by tests/core/conftest.py at the end of the run."""
    if not STATS:
        return None
    return (
        f"isolation: {STATS['operations']} operations x {STATS['roles']} roles, "
        f"{STATS['requests']} requests, {STATS['leaks']} leaks"
    )


@pytest.fixture
def iso_app(make_app: AppFactory, tmp_path: Path) -> FastAPI:
    return make_app(TROUBLETREE_DATA_DIR=tmp_path / "data")


@pytest.fixture
async def iso_client(iso_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(iso_app) as c:
        yield c


class Leaks:
    def __init__(self, tenant: Tenant, row_ids: set[str]) -> None:
        self.problems: list[str] = []
        self.ids = tenant.all_ids() | row_ids
        self.words = re.compile("|".join([re.escape(MARK), *map(re.escape, self.ids)]), re.I)

    def exposed(self, response: httpx.Response) -> list[str]:
        text = response.content.decode("utf-8", "replace")
        return sorted({m.group(0) for m in self.words.finditer(text)})

    def check_body(self, where: str, response: httpx.Response, echoed: str | None = None) -> None:
        STATS["requests"] += 1
        found = [word for word in self.exposed(response) if word != echoed]
        if found:
            self.problems.append(f"{where}: {response.status_code} shows B's {found[:3]}")
        if response.status_code >= 500:
            self.problems.append(f"{where}: {response.status_code} {response.text[:200]}")

    def fail(self, message: str) -> None:
        self.problems.append(message)


async def _send(
    client: httpx.AsyncClient, headers: dict[str, str], request: dict[str, Any]
) -> httpx.Response:
    request = copy.deepcopy(request)
    return await client.request(headers=headers, **request)


def _where(op: Operation, role: str, request: dict[str, Any]) -> str:
    extra = {k: request[k] for k in ("params", "json") if request.get(k)}
    return f"{op.label} as A's {role} {json.dumps(extra, default=str)[:200]}"


async def _signed_link(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """The query of a signed link to the tenant's attachment."""
    files = await client.get(
        f"{V1}/sessions/{tenant.ids['session_id']}/attachments", headers=tenant.headers["admin"]
    )
    params = httpx.URL(files.json()[0]["url"]).params
    return {"expires": int(params["expires"]), "signature": params["signature"]}


def _without(response: httpx.Response, request: dict[str, Any], echoed: str) -> str:
    """The answer with the echoed id of the request taken out."""
    return response.text.replace(str(request["json"][echoed]), "<echoed>")


def _is_list(op: Operation) -> bool:
    return op.method == "get" and not op.params("path")


def _platform(op: Operation) -> bool:
    return op.path.startswith(f"{V1}/platform/")


async def test_no_route_crosses_accounts(
    iso_app: FastAPI, iso_client: httpx.AsyncClient, fresh: Fresh, database_url: str
) -> None:
    client = iso_client
    schema = iso_app.openapi()
    ops = operations(schema)
    b = await _build(client, fresh, MARK)
    a = await _build(client, fresh, "Alpha")
    a_headers = a.headers
    # The signed file route takes A's own signature with B's attachment id (B's control read
    # uses B's own link).
    a_link, b_link = [await _signed_link(client, t) for t in (a, b)]
    QUERY_VALUES.update(a_link)

    b_build = Builder(schema, b.ids, b.tokens)
    nowhere = Builder(
        schema,
        _random_values(b.ids),
        # A start link token signed by the server, of a link that exists nowhere.
        {"start_link": make_token(make_settings(database_url), uuid.uuid4())},
    )
    tables = await _tables(fresh)
    leaks = Leaks(b, await row_ids(fresh, tables, b.account_id))

    # Every path parameter, and every id field of a body or query, has a value of B.
    path_names = {p["name"] for op in ops for p in op.params("path")}
    missing = sorted(name for name in path_names if name not in b.ids)
    for op in ops:
        b_build.build(op, filters=True)
    assert not missing and not b_build.unknown, (
        f"path parameters {missing} / fields {sorted(b_build.unknown)} have no value in account "
        "B: give B one of that resource in _build so the new route is swept"
    )

    swept = [op for op in ops if op.params("path")]
    body_ops = [op for op in ops if not op.params("path") and op.method != "get"]
    for op in body_ops:
        if op.key not in NOT_SWEPT and not b_build.carries_input(op):
            leaks.fail(f"{op.label}: takes no id of an account; list it in NOT_SWEPT with why")
    body_swept = [op for op in body_ops if op.key not in NOT_SWEPT and b_build.carries_input(op)]

    # B's admin reads every GET with B's ids: the ids are real.
    for op in swept:
        if op.method == "get" and not _platform(op):
            request = _request(b_build, op, True)
            if "signature" in request["params"]:
                request["params"].update(b_link)
            response = await _send(client, b.headers["admin"], request)
            assert response.is_success, f"control: {op.label} as B's admin: {response.text}"
    # ... and the lists show B's data to B, so the detector below would see it.
    library = await client.get(f"{V1}/trees", headers=b.headers["admin"])
    assert leaks.exposed(library), "control: B's library shows none of B's words"

    before = await fingerprint(fresh, tables, b.account_id)
    mentions_before = await foreign_mentions(fresh, tables, b.account_id, leaks.ids)

    for role in ROLES:
        headers = a_headers[role]
        for op in swept + body_swept:
            request = _request(b_build, op, filters=True)
            twin = _request(nowhere, op, filters=True)
            response = await _send(client, headers, request)
            baseline = await _send(client, headers, twin)
            where = _where(op, role, request)
            echoed = ECHOES.get(op.key)
            leaks.check_body(where, response, request["json"][echoed] if echoed else None)
            STATS["requests"] += 1
            expected = EXCEPTIONS.get(op.key, {}).get(role, (404, None, "not found"))
            got = (response.status_code, _code(response))
            if response.status_code != expected[0] or expected[1] not in (None, got[1]):
                leaks.fail(f"{where}: {got}, expected {expected}: {response.text[:160]}")
            elif got != (baseline.status_code, _code(baseline)):
                leaks.fail(f"{where}: {got} for B's ids but {baseline.status_code} for none")
            elif echoed and _without(response, request, echoed) != _without(baseline, twin, echoed):
                leaks.fail(f"{where}: answers B's id otherwise than an unknown one")
        # Plain and filtered lists first, searches for B's words last: the account's own
        # record of searches that found nothing (search/misses) then holds those words.
        lists = [op for op in ops if _is_list(op)]
        for op in lists:
            for filters in (False, True):
                request = _request(b_build, op, filters)
                if "q" not in request["params"]:
                    response = await _send(client, headers, request)
                    leaks.check_body(_where(op, role, request), response)
    for role in ROLES:
        for op in lists:
            for filters in (False, True):
                request = _request(b_build, op, filters)
                for q in (MARK, MARK.lower()[:-1] + "x", f"{MARK.lower()}-tag"):
                    if "q" in request["params"]:
                        request["params"]["q"] = q
                        response = await _send(client, a_headers[role], request)
                        leaks.check_body(_where(op, role, request), response)

    after = await fingerprint(fresh, tables, b.account_id)
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    if changed:
        leaks.fail(f"B's rows changed during the sweep: {changed}")
    mentions = await foreign_mentions(fresh, tables, b.account_id, leaks.ids)
    # Only the job queue may hold B's ids outside B's rows (B's own jobs), and no more of them.
    if mentions != mentions_before or set(mentions) - set(PLATFORM_TABLES):
        leaks.fail(f"rows outside B now mention B's ids: {mentions} (before {mentions_before})")

    STATS["operations"] = len(swept) + len(body_swept) + sum(1 for op in ops if _is_list(op))
    STATS["roles"] = len(ROLES)
    STATS["leaks"] = len(leaks.problems)
    assert not leaks.problems, "\n".join(leaks.problems)
