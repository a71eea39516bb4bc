# ruff: noqa: E501 - the SQL is kept verbatim, as PostgreSQL receives it from the app
"""The ceiling: the benchmarked endpoints as a raw ASGI app on asyncpg, with no framework.

It answers the same requests as the app with the same JSON, checking the same access token
(PyJWT, HS256, issuer and audience) and reading the caller with the app's own statement. Its
SQL is the app's: the statements below are the app's repositories' statements as PostgreSQL
receives them (read from its statement log), the search statements compiled once from the
app's own builders; it sends each of them once a request, with nothing around them that the
work does not need: no transaction for a request that only reads (one statement each, or
several that need no common snapshot), one transaction for a write, no ping before a pooled
connection is used. What it does not take from the app is everything between the socket and
the SQL: routing, dependency injection, validation, the ORM, response models. The domain's
pure functions (the navigator that replays a session's steps, the graph model parsed once per
version, the highlight splitter) are the work itself and are imported.

Run by bench/outside/run.py: `uvicorn ceiling:app --workers N --loop uvloop --http httptools`
with CEILING_DATABASE_URL and SECRET_KEY (the app's key: the same tokens work on both).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import jwt
import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from troubletree.sessions import navigator
from troubletree.sessions.navigator import StepEvent
from troubletree.trees.graph import CHOICE_KINDS, Graph
from troubletree.trees.search import highlight_parts

SECRET = os.environ["SECRET_KEY"]
ISSUER, AUDIENCE = "troubletree", "troubletree-api"
ACCESS_TTL = int(os.environ.get("ACCESS_TOKEN_TTL_SECONDS", 12 * 3600))
REFRESH_IDLE, REFRESH_ABSOLUTE = 604800, 2592000
HASHER = PasswordHasher(time_cost=3, memory_cost=65536)
JSON_HEADERS = [(b"content-type", b"application/json")]
UNANSWERED_KEPT_FOR = timedelta(hours=24)

CALLER = """SELECT users.id, users.is_active, users.full_name, users.email, memberships.account_id, memberships.role, EXISTS (SELECT *
FROM refresh_tokens
WHERE refresh_tokens.family_id = $1::UUID AND refresh_tokens.user_id = $2::UUID AND refresh_tokens.revoked_at IS NULL AND refresh_tokens.family_expires_at > $3::TIMESTAMP WITH TIME ZONE) AS live
FROM users LEFT OUTER JOIN memberships ON memberships.user_id = users.id
WHERE users.id = $2::UUID"""

_CARD_COLUMNS = """trees.id, trees.title, trees.description, trees.status, trees.usage_count, trees.draft_revision, trees.created_by, trees.created_at, trees.updated_at, categories.id AS category_id, categories.name AS category_name, tree_versions.id AS version_id, tree_versions.number AS version_number, tree_versions.published_at AS version_published_at"""
_CARD_FROM = """FROM trees LEFT OUTER JOIN categories ON categories.id = trees.category_id LEFT OUTER JOIN tree_versions ON tree_versions.id = trees.current_version_id"""

# The published version is read, parsed and encoded once per version (VERSION, below).
TREE_CARD = f"""SELECT {_CARD_COLUMNS} \n{_CARD_FROM} \nWHERE trees.account_id = $1::UUID AND trees.id = $2::UUID AND trees.deleted_at IS NULL"""

TAG_NAMES_OF_TREE = """SELECT tags.name \nFROM tags JOIN tree_tags ON tree_tags.tag_id = tags.id \nWHERE tree_tags.tree_id = $1::UUID ORDER BY lower(tags.name)"""
TAG_NAMES_OF = """SELECT tree_tags.tree_id, tags.name \nFROM tree_tags JOIN tags ON tags.id = tree_tags.tag_id \nWHERE tree_tags.tree_id = any($1::UUID[]) ORDER BY lower(tags.name)"""

LIBRARY = f"""SELECT {_CARD_COLUMNS}, trees.updated_at AS sort_key \n{_CARD_FROM} \nWHERE trees.account_id = $1::UUID AND trees.deleted_at IS NULL AND trees.status = $2::VARCHAR ORDER BY trees.updated_at DESC, trees.id DESC \n LIMIT $3::INTEGER"""

_HISTORY = """SELECT troubleshooting_sessions.id, troubleshooting_sessions.tree_id, troubleshooting_sessions.technician_id, troubleshooting_sessions.created_by, troubleshooting_sessions.status, troubleshooting_sessions.outcome, troubleshooting_sessions.created_at, troubleshooting_sessions.completed_at, trees.title, users.full_name, tree_versions.number, troubleshooting_sessions.outcome_label, troubleshooting_sessions.abandon_reason, troubleshooting_sessions.answer_count \nFROM troubleshooting_sessions JOIN trees ON trees.id = troubleshooting_sessions.tree_id JOIN users ON users.id = troubleshooting_sessions.technician_id JOIN tree_versions ON tree_versions.id = troubleshooting_sessions.tree_version_id \nWHERE troubleshooting_sessions.account_id = $1::UUID AND troubleshooting_sessions.technician_id = $2::UUID AND (troubleshooting_sessions.answer_count > $3::INTEGER OR troubleshooting_sessions.status != $4::VARCHAR AND troubleshooting_sessions.created_at >= $5::TIMESTAMP WITH TIME ZONE){after} ORDER BY troubleshooting_sessions.created_at DESC, troubleshooting_sessions.id DESC \n LIMIT {limit}"""
HISTORY = _HISTORY.format(after="", limit="$6::INTEGER")
HISTORY_AFTER = _HISTORY.format(
    after=" AND (troubleshooting_sessions.created_at, troubleshooting_sessions.id) < ($6::TIMESTAMP WITH TIME ZONE, $7::UUID)",
    limit="$8::INTEGER",
)

SESSION_LOCK = """SELECT troubleshooting_sessions.id, troubleshooting_sessions.account_id, troubleshooting_sessions.tree_id, troubleshooting_sessions.tree_version_id, troubleshooting_sessions.technician_id, troubleshooting_sessions.created_by, troubleshooting_sessions.status, troubleshooting_sessions.variables, troubleshooting_sessions.notes, troubleshooting_sessions.outcome, troubleshooting_sessions.resolution_note, troubleshooting_sessions.revision, troubleshooting_sessions.created_at, troubleshooting_sessions.started_at, troubleshooting_sessions.completed_at, troubleshooting_sessions.updated_at, troubleshooting_sessions.outcome_label, troubleshooting_sessions.abandon_reason, troubleshooting_sessions.abandon_note, troubleshooting_sessions.answer_count
FROM troubleshooting_sessions
WHERE troubleshooting_sessions.account_id = $1::UUID AND troubleshooting_sessions.id = $2::UUID FOR UPDATE"""
STEPS = """SELECT session_steps.seq, session_steps.kind, session_steps.version_id, session_steps.node_id, session_steps.option_id, session_steps.answer_label, session_steps.to_version_id, session_steps.to_node_id, session_steps.path_index, session_steps.note, session_steps.created_at
FROM session_steps
WHERE session_steps.session_id = $1::UUID ORDER BY session_steps.seq"""
INSERT_STEP = """INSERT INTO session_steps (session_id, seq, kind, version_id, node_id, option_id, answer_label, to_version_id, to_node_id, path_index, note, created_by, created_at) VALUES ($1::UUID, $2::INTEGER, $3::VARCHAR, $4::UUID, $5::VARCHAR, $6::VARCHAR, $7::VARCHAR, $8::UUID, $9::VARCHAR, $10::INTEGER, $11::VARCHAR, $12::UUID, $13::TIMESTAMP WITH TIME ZONE) RETURNING session_steps.id"""
SAVE_SESSION = """UPDATE troubleshooting_sessions SET answer_count=$1::INTEGER, revision=$2::INTEGER, updated_at=$3::TIMESTAMP WITH TIME ZONE WHERE troubleshooting_sessions.id = $4::UUID"""
VERSION = """SELECT tree_versions.id, tree_versions.tree_id, tree_versions.number, tree_versions.title, tree_versions.graph, tree_versions.changelog, tree_versions.published_by, tree_versions.published_at
FROM tree_versions JOIN trees ON trees.id = tree_versions.tree_id
WHERE trees.account_id = $1::UUID AND tree_versions.id = $2::UUID"""

RUNNABLE_TREE = """SELECT trees.id, trees.account_id, trees.title, trees.description, trees.category_id, trees.status, trees.draft_revision, trees.current_version_id, trees.usage_count, trees.created_by, trees.updated_at, trees.deleted_at, trees.created_at
FROM trees
WHERE trees.account_id = $1::UUID AND trees.id = $2::UUID AND trees.deleted_at IS NULL"""
INSERT_SESSION = """INSERT INTO troubleshooting_sessions (id, account_id, tree_id, tree_version_id, technician_id, created_by, status, variables, notes, outcome, resolution_note, outcome_label, abandon_reason, abandon_note, answer_count, search_text, revision, created_at, started_at, completed_at, updated_at) VALUES ($1::UUID, $2::UUID, $3::UUID, $4::UUID, $5::UUID, $6::UUID, $7::VARCHAR, $8::JSONB, $9::VARCHAR, $10::VARCHAR, $11::VARCHAR, $12::VARCHAR, $13::VARCHAR, $14::VARCHAR, $15::INTEGER, $16::VARCHAR, $17::INTEGER, $18::TIMESTAMP WITH TIME ZONE, $19::TIMESTAMP WITH TIME ZONE, $20::TIMESTAMP WITH TIME ZONE, $21::TIMESTAMP WITH TIME ZONE)"""
TREE_USE = """UPDATE trees SET usage_count=(trees.usage_count + $1::INTEGER) WHERE trees.account_id = $2::UUID AND trees.id = $3::UUID RETURNING trees.usage_count"""
SEARCH_TEXT = """UPDATE troubleshooting_sessions SET search_text=lower(concat_ws($1::VARCHAR, (SELECT coalesce(string_agg(anon_1.value, $2::VARCHAR), $3::VARCHAR) AS coalesce_1
FROM jsonb_each_text(troubleshooting_sessions.variables) AS anon_1), troubleshooting_sessions.notes, troubleshooting_sessions.resolution_note, (SELECT coalesce(string_agg(session_steps.note, $4::VARCHAR), $5::VARCHAR) AS coalesce_3
FROM session_steps
WHERE session_steps.session_id = $6::UUID))) WHERE troubleshooting_sessions.id = $7::UUID"""

HANDOFFS = """SELECT escalation_handoffs.session_id, escalation_handoffs.status \nFROM escalation_handoffs \nWHERE escalation_handoffs.account_id = $1::UUID AND escalation_handoffs.session_id = any($2::UUID[])"""
WEBHOOK_ENDPOINTS = """SELECT webhook_endpoints.id, webhook_endpoints.url
FROM webhook_endpoints
WHERE webhook_endpoints.account_id = $1::UUID AND webhook_endpoints.is_active IS true AND webhook_endpoints.events @> $2::VARCHAR(40)[]"""

USER_BY_EMAIL = """SELECT users.id, users.email, users.password_hash, users.full_name, users.is_superuser, users.is_active, users.email_verified_at, users.password_changed_at, users.updated_at, users.created_at
FROM users
WHERE users.email = $1"""
INSERT_REFRESH = """INSERT INTO refresh_tokens (id, user_id, family_id, parent_id, generation, token_hash, created_at, expires_at, family_expires_at, rotated_at, revoked_at, revoked_reason, created_ip, user_agent) VALUES ($1::UUID, $2::UUID, $3::UUID, $4::UUID, $5::INTEGER, $6::VARCHAR, $7::TIMESTAMP WITH TIME ZONE, $8::TIMESTAMP WITH TIME ZONE, $9::TIMESTAMP WITH TIME ZONE, $10::TIMESTAMP WITH TIME ZONE, $11::TIMESTAMP WITH TIME ZONE, $12::VARCHAR, $13::VARCHAR, $14::VARCHAR)"""
AUDIT = """INSERT INTO audit_events (account_id, actor_id, action, subject, data, ip, created_at) VALUES ((SELECT memberships.account_id
FROM memberships
WHERE memberships.user_id = $1), $2::UUID, $3::VARCHAR, $4::VARCHAR, $5::JSONB, $6::VARCHAR, $7::TIMESTAMP WITH TIME ZONE) RETURNING audit_events.id"""


def _compiled_search() -> tuple[list[tuple[str, list[str], dict[str, Any]]], str]:
    """The app's three search statements compiled once for asyncpg: (SQL, the names of its
    positional parameters in order, the constant values), plus the probe's cap."""
    from sqlalchemy.dialects.postgresql import asyncpg as dialect

    from troubletree.trees.repository import search as queries

    out = []
    for stmt in (
        queries.SEARCH_SETTINGS,
        queries.search_probe(True),
        queries.search_statement(True, None, False, queries.NO_FILTERS),
    ):
        compiled = stmt.compile(dialect=dialect.dialect())
        names = list(compiled.positiontup or [])
        out.append((str(compiled), names, dict(compiled.params)))
    return out, str(queries.NODE_SCAN_CAP)


SEARCH, _ = _compiled_search()


class HTTPError(Exception):
    def __init__(self, status: int, code: str) -> None:
        self.status = status
        self.code = code


# --------------------------------------------------------------------------- encoding


def dumps(value: Any) -> bytes:
    # asyncpg's UUID is its own type: written as text, as uuid.UUID is.
    return orjson.dumps(value, default=str, option=orjson.OPT_UTC_Z)


def tree_read(r: Any, tags: list[str]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "title": r["title"],
        "description": r["description"],
        "status": r["status"],
        "category": {"id": r["category_id"], "name": r["category_name"]}
        if r["category_id"]
        else None,
        "tags": tags,
        "usage_count": r["usage_count"],
        "draft_revision": r["draft_revision"],
        "current_version": {
            "id": r["version_id"],
            "number": r["version_number"],
            "published_at": r["version_published_at"],
        }
        if r["version_id"]
        else None,
        "created_by": r["created_by"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
    }


# --------------------------------------------------------------------------- caller


class Caller:
    __slots__ = ("account_id", "email", "full_name", "role", "user_id")

    def __init__(self, row: Any) -> None:
        self.user_id = row["id"]
        self.account_id = row["account_id"]
        self.role = row["role"]
        self.full_name = row["full_name"]
        self.email = row["email"]


def claims_of(headers: dict[bytes, bytes]) -> tuple[uuid.UUID, uuid.UUID]:
    auth = headers.get(b"authorization", b"").decode()
    if not auth.startswith("Bearer "):
        raise HTTPError(401, "not_authenticated")
    try:
        claims = jwt.decode(
            auth[7:],
            SECRET,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
        )
        if claims.get("typ") != "access":
            raise HTTPError(401, "invalid_token")
        return uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise HTTPError(401, "invalid_token") from exc


async def caller_of(conn: Any, headers: dict[bytes, bytes]) -> Caller:
    user_id, family_id = claims_of(headers)
    row = await conn.fetchrow(CALLER, family_id, user_id, datetime.now(UTC))
    if row is None or not row["is_active"] or not row["live"]:
        raise HTTPError(401, "invalid_token")
    if row["account_id"] is None:
        raise HTTPError(403, "no_account")
    return Caller(row)


# --------------------------------------------------------------------------- versions

_VERSIONS: dict[tuple[uuid.UUID, uuid.UUID], tuple[Graph, int, str]] = {}


async def version(
    conn: Any, account_id: uuid.UUID, version_id: uuid.UUID
) -> tuple[Graph, int, str]:
    key = (account_id, version_id)
    found = _VERSIONS.get(key)
    if found is None:
        row = await conn.fetchrow(VERSION, account_id, version_id)
        if row is None:
            raise HTTPError(404, "version_not_found")
        found = (Graph.model_validate_json(row["graph"]), row["number"], row["title"])
        _VERSIONS[key] = found
    return found


# --------------------------------------------------------------------------- endpoints


_PUBLISHED: dict[uuid.UUID, bytes] = {}


async def read_tree(pool: Any, headers: dict[bytes, bytes], tree_id: str) -> bytes:
    async with pool.acquire() as conn:
        caller = await caller_of(conn, headers)
        row = await conn.fetchrow(TREE_CARD, caller.account_id, uuid.UUID(tree_id))
        if row is None or (caller.role == "technician" and row["status"] != "published"):
            raise HTTPError(404, "tree_not_found")
        tags = [t["name"] for t in await conn.fetch(TAG_NAMES_OF_TREE, row["id"])]
        version_id = row["version_id"]
        published = _PUBLISHED.get(version_id) if version_id else b"null"
        if published is None:
            # The version as the API writes it (every field), encoded once per version.
            stored = await conn.fetchrow(VERSION, caller.account_id, version_id)
            head = dumps(
                {
                    "id": stored["id"],
                    "number": stored["number"],
                    "title": stored["title"],
                    "changelog": stored["changelog"],
                    "published_by": stored["published_by"],
                    "published_at": stored["published_at"],
                }
            )
            graph = Graph.model_validate_json(stored["graph"]).model_dump_json().encode()
            published = _PUBLISHED[version_id] = head[:-1] + b',"graph":' + graph + b"}"
    body = tree_read(row, tags)
    body["draft"] = None
    return dumps(body)[:-1] + b',"published":' + published + b"}"


async def library(pool: Any, headers: dict[bytes, bytes], query: dict[str, list[str]]) -> bytes:
    limit = int(query.get("limit", ["20"])[0])
    async with pool.acquire() as conn:
        caller = await caller_of(conn, headers)
        rows = await conn.fetch(LIBRARY, caller.account_id, "published", limit + 1)
        tags: dict[uuid.UUID, list[str]] = {r["id"]: [] for r in rows[:limit]}
        if tags:
            for t in await conn.fetch(TAG_NAMES_OF, list(tags)):
                tags[t["tree_id"]].append(t["name"])
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit and page:
        last = page[-1]
        next_cursor = _cursor("trees:updated", last["sort_key"].isoformat(), last["id"])
    return dumps({"items": [tree_read(r, tags[r["id"]]) for r in page], "next_cursor": next_cursor})


def _cursor(kind: str, key: Any, item_id: uuid.UUID) -> str:
    import base64

    raw = orjson.dumps([kind, key, str(item_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _uncursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    import base64

    kind, key, item_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    if kind != "sessions":
        raise HTTPError(422, "invalid_cursor")
    return datetime.fromisoformat(key), uuid.UUID(item_id)


async def history(pool: Any, headers: dict[bytes, bytes], query: dict[str, list[str]]) -> bytes:
    limit = int(query.get("limit", ["25"])[0])
    cursor = query.get("cursor", [None])[0]
    async with pool.acquire() as conn:
        caller = await caller_of(conn, headers)
        args: list[Any] = [
            caller.account_id,
            caller.user_id,
            0,
            "abandoned",
            datetime.now(UTC) - UNANSWERED_KEPT_FOR,
            limit + 1,
        ]
        if cursor:
            rows = await conn.fetch(HISTORY_AFTER, *args[:-1], *_uncursor(cursor), args[-1])
        else:
            rows = await conn.fetch(HISTORY, *args)
        page = rows[:limit]
        escalated = [r["id"] for r in page if r["outcome"] == "escalated"]
        handoffs = (
            dict(list(r) for r in await conn.fetch(HANDOFFS, caller.account_id, escalated))
            if escalated
            else {}
        )
    items = [
        {
            "id": r["id"],
            "tree_id": r["tree_id"],
            "tree_title": r["title"],
            "version_number": r["number"],
            "technician_id": r["technician_id"],
            "technician_name": r["full_name"],
            "created_by": r["created_by"],
            "status": r["status"],
            "outcome": r["outcome"],
            "outcome_label": r["outcome_label"],
            "abandon_reason": r["abandon_reason"],
            "never_answered": r["answer_count"] == 0,
            "answer_count": r["answer_count"],
            "created_at": r["created_at"],
            "completed_at": r["completed_at"],
            "match": None,
            "handoff_status": handoffs.get(r["id"]),
        }
        for r in page
    ]
    next_cursor = None
    if len(rows) > limit and page:
        next_cursor = _cursor("sessions", page[-1]["created_at"].isoformat(), page[-1]["id"])
    return dumps({"items": items, "next_cursor": next_cursor})


async def search(pool: Any, headers: dict[bytes, bytes], query: dict[str, list[str]]) -> bytes:
    q = query.get("q", [""])[0].strip()
    limit = int(query.get("limit", ["20"])[0])
    async with pool.acquire() as conn:
        caller = await caller_of(conn, headers)
        values = {"account_id": caller.account_id, "q": q, "need": limit + 1}
        settings, probe, statement = SEARCH
        async with conn.transaction():
            await conn.execute(settings[0], *[settings[2][n] for n in settings[1]])
            await conn.fetchrow(probe[0], *[values.get(n, probe[2].get(n)) for n in probe[1]])
            rows = await conn.fetch(
                statement[0], *[values.get(n, statement[2].get(n)) for n in statement[1]]
            )
    page = rows[:limit]
    items = [
        {
            "tree": {
                "id": r["id"],
                "title": r["title"],
                "description": r["description"],
                "status": r["status"],
                "category": {"id": r["category_id"], "name": r["category_name"]}
                if r["category_id"]
                else None,
                "tags": list(r["tags"]),
                "usage_count": r["usage_count"],
                "draft_revision": r["draft_revision"],
                "current_version": {
                    "id": r["version_id"],
                    "number": r["version_number"],
                    "published_at": r["version_published_at"],
                }
                if r["version_id"]
                else None,
                "created_by": r["created_by"],
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
            },
            "score": r["score"],
            "title_highlight": [p.__dict__ for p in highlight_parts(r["title_highlight"] or "")],
            "snippet": [p.__dict__ for p in highlight_parts(r["snippet"] or "")],
        }
        for r in page
    ]
    next_cursor = None
    if len(rows) > limit and page:
        last = page[-1]
        next_cursor = _cursor("search", [last["tier"], last["score"], last["usage"]], last["id"])
    return dumps({"items": items, "next_cursor": next_cursor, "did_you_mean": None})


def _step_args(session_id: uuid.UUID, user_id: uuid.UUID, s: StepEvent) -> list[Any]:
    return [
        session_id,
        s.seq,
        s.kind,
        s.version_id,
        s.node_id,
        s.option_id,
        s.answer_label,
        s.to_version_id,
        s.to_node_id,
        s.path_index,
        s.note,
        user_id,
        s.created_at,
    ]


def _steps(rows: list[Any]) -> list[StepEvent]:
    return [StepEvent(**dict(r)) for r in rows]


async def session_json(
    conn: Any, caller: Caller, session: dict[str, Any], steps: list[StepEvent]
) -> bytes:
    """SessionRead, as sessions/presenter.py builds it."""
    graph, number, title = await version(conn, caller.account_id, session["tree_version_id"])
    position = navigator.replay(steps)
    values = session["variables"]
    definitions = graph.variables
    path = []
    for i, entry in enumerate(position.path):
        node = navigator.node_of(
            (await version(conn, caller.account_id, entry.version_id))[0], entry.node_id
        )
        left = entry.left_by
        path.append(
            {
                "index": i,
                "version_id": entry.version_id,
                "node_id": entry.node_id,
                "kind": node.kind,
                "automatic": node.kind not in CHOICE_KINDS and not navigator.is_terminal(node),
                "title": navigator.interpolate(node.title, definitions, values),
                "step_seq": left.seq if left else None,
                "option_id": left.option_id if left else None,
                "answer_label": left.answer_label if left else None,
                "note": left.note if left else None,
                "arrived_at": entry.arrived_at,
                "seconds_spent": entry.seconds_spent,
            }
        )
    current = None
    can_complete = False
    if position.path and session["status"] in ("prepared", "in_progress"):
        entry = position.current
        node = navigator.node_of(
            (await version(conn, caller.account_id, entry.version_id))[0], entry.node_id
        )
        remembered = position.remembered.get((entry.version_id, entry.node_id))
        option_ids = {o.id for o in node.options}
        terminal = navigator.is_terminal(node)
        current = {
            "version_id": entry.version_id,
            "node_id": node.id,
            "kind": node.kind,
            "title": navigator.interpolate(node.title, definitions, values),
            "body": navigator.interpolate(node.body, definitions, values),
            "options": [
                {"id": o.id, "label": navigator.interpolate(o.label, definitions, values)}
                for o in node.options
            ],
            "suggested_option_id": remembered[0]
            if remembered and remembered[0] in option_ids
            else None,
            "is_terminal": terminal,
            "waiting_for": sorted(
                n for n in navigator.logic_inputs(node) if values.get(n) in (None, "")
            )
            if node.kind == "logic"
            else [],
        }
        can_complete = (
            session["status"] == "in_progress"
            and terminal
            and not navigator.missing_variables(definitions, values, "at_start", "before_complete")
        )
    return dumps(
        {
            "id": session["id"],
            "tree_id": session["tree_id"],
            "tree_title": title,
            "tree_version_id": session["tree_version_id"],
            "version_number": number,
            "technician": {
                "id": caller.user_id,
                "full_name": caller.full_name,
                "email": caller.email,
            },
            "created_by": session["created_by"],
            "status": session["status"],
            "outcome": session["outcome"],
            "outcome_label": session["outcome_label"],
            "outcome_labels": sorted({n.outcome_label for n in graph.nodes if n.outcome_label}),
            "abandon_reason": session["abandon_reason"],
            "abandon_note": session["abandon_note"],
            "never_answered": session["answer_count"] == 0,
            "answer_count": session["answer_count"],
            "resolution_note": session["resolution_note"],
            "notes": session["notes"],
            "variables": values,
            "variable_definitions": [v.model_dump(mode="json") for v in definitions],
            "missing_variables": {
                "at_start": [
                    v.name for v in navigator.missing_variables(definitions, values, "at_start")
                ],
                "before_complete": [
                    v.name
                    for v in navigator.missing_variables(definitions, values, "before_complete")
                ],
            },
            "revision": session["revision"],
            "created_at": session["created_at"],
            "started_at": session["started_at"],
            "completed_at": session["completed_at"],
            "updated_at": session["updated_at"],
            "path": path,
            "current": current,
            "can_complete": can_complete,
            # Only an escalated session has a hand-off (the app reads it then): these are not.
            "handoff": None,
        }
    )


async def record_step(
    pool: Any, headers: dict[bytes, bytes], session_id: str, body: bytes
) -> bytes:
    option_id = orjson.loads(body)["option_id"]
    sid = uuid.UUID(session_id)
    async with pool.acquire() as conn:
        caller = await caller_of(conn, headers)
        async with conn.transaction():
            row = await conn.fetchrow(SESSION_LOCK, caller.account_id, sid)
            if row is None or caller.user_id not in (row["technician_id"], row["created_by"]):
                raise HTTPError(404, "session_not_found")
            session = dict(row)
            session["variables"] = orjson.loads(session["variables"])
            await version(conn, caller.account_id, session["tree_version_id"])
            steps = _steps(await conn.fetch(STEPS, sid))
            position = navigator.replay(steps)
            here = position.current
            node = navigator.node_of(
                (await version(conn, caller.account_id, here.version_id))[0], here.node_id
            )
            option = next((o for o in node.options if o.id == option_id), None)
            if option is None or option.next is None or session["status"] != "in_progress":
                raise HTTPError(422, "invalid_option")
            now = datetime.now(UTC)
            step = StepEvent(
                seq=steps[-1].seq + 1 if steps else 0,
                kind="answer",
                version_id=here.version_id,
                node_id=node.id,
                option_id=option.id,
                answer_label=option.label[:200],
                to_version_id=here.version_id,
                to_node_id=option.next,
                path_index=None,
                note=None,
                created_at=now,
            )
            await conn.fetchrow(INSERT_STEP, *_step_args(sid, caller.user_id, step))
            session["answer_count"] += 1
            session["revision"] += 1
            session["updated_at"] = now
            await conn.execute(SAVE_SESSION, session["answer_count"], session["revision"], now, sid)
        return await session_json(conn, caller, session, [*steps, step])


async def start_session(pool: Any, headers: dict[bytes, bytes], body: bytes) -> bytes:
    given = orjson.loads(body)
    tree_id = uuid.UUID(given["tree_id"])
    async with pool.acquire() as conn:
        caller = await caller_of(conn, headers)
        async with conn.transaction():
            tree = await conn.fetchrow(RUNNABLE_TREE, caller.account_id, tree_id)
            if tree is None or tree["status"] != "published" or not tree["current_version_id"]:
                raise HTTPError(422, "tree_not_found")
            version_id = tree["current_version_id"]
            graph, _, _ = await version(conn, caller.account_id, version_id)
            values, problems = navigator.merge_variables(
                graph.variables, {}, given.get("variables") or {}
            )
            if problems or navigator.missing_variables(graph.variables, values, "at_start"):
                raise HTTPError(422, "variables_invalid")
            now = datetime.now(UTC)
            assert graph.start is not None
            start = StepEvent(
                seq=0,
                kind="start",
                version_id=None,
                node_id=None,
                option_id=None,
                answer_label=None,
                to_version_id=version_id,
                to_node_id=graph.start,
                path_index=None,
                note=None,
                created_at=now,
            )
            session = {
                "id": uuid.uuid4(),
                "account_id": caller.account_id,
                "tree_id": tree_id,
                "tree_version_id": version_id,
                "technician_id": caller.user_id,
                "created_by": caller.user_id,
                "status": "in_progress",
                "variables": values,
                "notes": "",
                "outcome": None,
                "resolution_note": None,
                "outcome_label": None,
                "abandon_reason": None,
                "abandon_note": None,
                "answer_count": 0,
                "revision": 1,
                "created_at": now,
                "started_at": now,
                "completed_at": None,
                "updated_at": now,
            }
            s = session
            await conn.execute(
                INSERT_SESSION,
                s["id"], s["account_id"], s["tree_id"], s["tree_version_id"], s["technician_id"],
                s["created_by"], s["status"], orjson.dumps(values).decode(), s["notes"], None,
                None, None, None, None, 0, "", 1, now, now, None, now,
            )  # fmt: skip
            await conn.fetchrow(INSERT_STEP, *_step_args(s["id"], caller.user_id, start))
            await conn.fetchval(TREE_USE, 1, caller.account_id, tree_id)
            if values:
                await conn.execute(SEARCH_TEXT, " ", " ", "", " ", "", s["id"], s["id"])
            # Webhook subscribers of the event (the bench account has none: nothing to queue).
            await conn.fetch(WEBHOOK_ENDPOINTS, caller.account_id, ["session.started"])
        return await session_json(conn, caller, session, [start])


async def login(pool: Any, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    given = orjson.loads(body)
    async with pool.acquire() as conn, conn.transaction():
        user = await conn.fetchrow(USER_BY_EMAIL, given["email"])
        stored = user["password_hash"] if user else None
        ok = False
        try:
            ok = await asyncio.to_thread(
                HASHER.verify, stored or "$argon2id$v=19$m=65536,t=3,p=4$", given["password"]
            )
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None or not user["is_active"]:
            raise HTTPError(401, "invalid_credentials")
        now = datetime.now(UTC)
        raw = secrets.token_urlsafe(32)
        family = uuid.uuid4()
        await conn.execute(
            INSERT_REFRESH,
            uuid.uuid4(), user["id"], family, None, 0,
            hashlib.sha256(raw.encode()).hexdigest(), now,
            now + timedelta(seconds=REFRESH_IDLE), now + timedelta(seconds=REFRESH_ABSOLUTE),
            None, None, None, "127.0.0.1", None,
        )  # fmt: skip
        await conn.fetchval(
            AUDIT, user["id"], user["id"], "sign_in", str(user["id"]),
            orjson.dumps({"family_id": str(family)}).decode(), "127.0.0.1", now,
        )  # fmt: skip
    access = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user["id"]),
            "sid": str(family),
            "typ": "access",
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "nbf": now - timedelta(seconds=1),
            "exp": now + timedelta(seconds=ACCESS_TTL),
        },
        SECRET,
        algorithm="HS256",
    )
    cookie = (
        f"tt_refresh={raw}; HttpOnly; Max-Age={REFRESH_IDLE}; Path=/api/v1/auth; "
        "SameSite=strict; Secure"
    )
    answer = {
        "access_token": access,
        "refresh_token": raw,
        "token_type": "bearer",
        "expires_in": ACCESS_TTL,
    }
    return dumps(answer), [(b"set-cookie", cookie.encode())]


# --------------------------------------------------------------------------- ASGI

_TREE = re.compile(r"/api/v1/trees/([0-9a-f-]{36})")
_STEP = re.compile(r"/api/v1/sessions/([0-9a-f-]{36})/steps")
_POOL: list[Any] = []


async def _no_reset(conn: Any) -> None:
    return None


async def _body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _POOL.append(
                    await asyncpg.create_pool(
                        os.environ["CEILING_DATABASE_URL"],
                        min_size=1,
                        max_size=20,  # the app's pool in the bench (DB_POOL_SIZE=20)
                        server_settings={"application_name": "ceiling", "timezone": "UTC"},
                        # No reset query when a connection goes back: nothing here leaves
                        # session state behind (the app's pool sends none either).
                        reset=_no_reset,
                    )
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await _POOL[0].close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    pool = _POOL[0]
    path, method = scope["path"], scope["method"]
    headers = dict(scope["headers"])
    query = parse_qs(scope["query_string"].decode())
    extra: list[tuple[bytes, bytes]] = []
    status = 200
    try:
        if path == "/healthz":
            body = b'{"status":"ok"}'
        elif method == "GET" and path == "/api/v1/trees":
            body = await library(pool, headers, query)
        elif method == "GET" and path == "/api/v1/trees/search":
            body = await search(pool, headers, query)
        elif method == "GET" and path == "/api/v1/sessions":
            body = await history(pool, headers, query)
        elif method == "POST" and path == "/api/v1/sessions":
            body = await start_session(pool, headers, await _body(receive))
            status = 201
        elif method == "POST" and path == "/api/v1/auth/login/json":
            body, extra = await login(pool, await _body(receive))
        elif method == "GET" and (m := _TREE.fullmatch(path)):
            body = await read_tree(pool, headers, m[1])
        elif method == "POST" and (m := _STEP.fullmatch(path)):
            body = await record_step(pool, headers, m[1], await _body(receive))
        else:
            raise HTTPError(404, "not_found")
    except HTTPError as exc:
        status = exc.status
        body = dumps({"detail": {"code": exc.code, "message": exc.code, "field": None}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*JSON_HEADERS, (b"content-length", str(len(body)).encode()), *extra],
        }
    )
    await send({"type": "http.response.body", "body": body})
