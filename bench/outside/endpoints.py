"""The endpoints measured, as the requests wrk sends (the same request to the app and the
ceiling; `{id}` in a path is replaced by ids read from a file, one per request in turn)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

from data import BenchData


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    method: str
    path: str
    body: str = ""
    signed_in: bool = True
    # Requests that need a fresh row each (the step endpoint answers in its own sessions).
    per_request_ids: bool = False
    # Reads give the same JSON on both sides byte for byte once decoded; writes differ in ids
    # and times, so only their shape (the keys) is compared.
    read_only: bool = True


def endpoints(data: BenchData) -> list[Endpoint]:
    return [
        Endpoint(
            "tree_demo", "GET a published tree (demo)", "GET", f"/api/v1/trees/{data.demo_tree_id}"
        ),
        Endpoint("tree_200", "GET a 200-node tree", "GET", f"/api/v1/trees/{data.big_tree_id}"),
        Endpoint(
            "step",
            "POST a step",
            "POST",
            "/api/v1/sessions/{id}/steps",
            json.dumps({"option_id": "again"}),
            per_request_ids=True,
            read_only=False,
        ),
        Endpoint("history_first", "GET history, first page", "GET", "/api/v1/sessions?limit=25"),
        Endpoint(
            "history_deep",
            f"GET history, page {data.sessions // 2 // 25:,} of {data.sessions:,}",
            "GET",
            f"/api/v1/sessions?limit=25&cursor={quote(data.deep_cursor)}",
        ),
        Endpoint("library", "GET the library list", "GET", "/api/v1/trees"),
        Endpoint(
            "search", "GET search", "GET", f"/api/v1/trees/search?q={quote(data.search_query)}"
        ),
        Endpoint(
            "start",
            "POST a session (start)",
            "POST",
            "/api/v1/sessions",
            json.dumps({"tree_id": data.demo_tree_id, "variables": {"printer_model": "LJ 4"}}),
            read_only=False,
        ),
        Endpoint(
            "login",
            "POST login (argon2)",
            "POST",
            "/api/v1/auth/login/json",
            json.dumps({"email": data.technician_email, "password": data.technician_password}),
            signed_in=False,
            read_only=False,
        ),
    ]
