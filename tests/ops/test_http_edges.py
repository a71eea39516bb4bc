"""What every response carries (security headers, request id), body limits, CORS, probes and
metrics, checked through the app as a client sees it."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from tests.conftest import AppFactory, client_for
from tests.helpers import signed_in
from troubletree.core import health
from troubletree.core.config import Settings
from troubletree.core.db import Database
from troubletree.core.limits import DEFAULT_BODY_LIMIT, GRAPH_BODY_LIMIT
from troubletree.main import WEB_DIST

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
CSP_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
)


def _asset() -> str:
    assets = sorted((WEB_DIST / "assets").glob("*.js")) if WEB_DIST.exists() else []
    if not assets:
        if os.environ.get("CI"):
            pytest.fail("the web app is not built: CI builds it before the tests (make test-py)")
        pytest.skip("the web app is not built (make web-build)")
    return "/assets/" + assets[0].name


async def _requests(client: httpx.AsyncClient) -> dict[str, httpx.Response]:
    _, auth = await signed_in(client)
    return {
        "app shell": await client.get("/"),
        "client route": await client.get("/sessions/some-client-route"),
        "hashed asset": await client.get(_asset()),
        "health": await client.get("/api/health"),
        "healthz": await client.get("/healthz"),
        "401": await client.get("/api/v1/account"),
        "404": await client.get("/api/v1/nothing-here"),
        "422": await client.get("/api/v1/sessions?limit=0", headers=auth),
        "413": await client.post(
            "/api/v1/auth/login/json", content=b"x" * (DEFAULT_BODY_LIMIT + 1)
        ),
        "openapi": await client.get("/api/openapi.json"),
        "docs": await client.get("/api/docs"),
    }


async def test_every_kind_of_response_carries_the_security_headers(
    client: httpx.AsyncClient,
) -> None:
    responses = await _requests(client)
    expected = {
        "app shell": 200,
        "client route": 200,
        "hashed asset": 200,
        "health": 200,
        "healthz": 200,
        "401": 401,
        "404": 404,
        "422": 422,
        "413": 413,
        "openapi": 200,
        "docs": 200,
    }
    assert {k: r.status_code for k, r in responses.items()} == expected
    for kind, response in responses.items():
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (kind, name)
        assert "camera=(self)" in response.headers["permissions-policy"], kind
        assert "geolocation=()" in response.headers["permissions-policy"], kind
        csp = response.headers["content-security-policy"]
        for part in CSP_PARTS if kind != "docs" else CSP_PARTS[2:]:
            assert part in csp, (kind, part)
        assert "unsafe-inline" not in csp or kind == "docs", kind
        assert "strict-transport-security" not in response.headers, kind  # not in production
        assert "server" not in response.headers, kind
        assert len(response.headers["x-request-id"]) >= 16, kind


async def test_production_adds_hsts(make_app: AppFactory) -> None:
    app = make_app(environment="production", secret_key="p" * 48, cookie_secure=True)
    async with client_for(app) as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=63072000")


async def test_an_embed_route_can_name_who_may_frame_it(app: FastAPI) -> None:

    @app.get("/api/embed-example")
    async def embed(request: Request) -> dict[str, str]:
        request.state.frame_ancestors = "https://help.example.com"
        return {}

    async with client_for(app) as client:
        response = await client.get("/api/embed-example")
    assert response.status_code == 200, response.text
    assert "frame-ancestors https://help.example.com" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers


class TestRequestId:
    async def test_a_valid_id_is_kept_and_returned(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
        assert response.headers["x-request-id"] == "lb-1234.abc"

    @pytest.mark.parametrize("bad", ["x" * 129, "has space", "semi;colon", "<script>"])
    async def test_an_invalid_id_is_replaced(self, client: httpx.AsyncClient, bad: str) -> None:
        response = await client.get("/healthz", headers={"X-Request-ID": bad})
        assert response.headers["x-request-id"] != bad
        assert len(response.headers["x-request-id"]) == 32


class TestBodyLimits:
    async def test_a_declared_length_over_the_limit_is_refused_unread(
        self, client: httpx.AsyncClient
    ) -> None:
        read = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal read
            for _ in range(64):
                read += 1
                yield b"x" * 65536

        response = await client.post(
            "/api/v1/auth/login/json",
            content=body(),
            headers={"Content-Length": str(DEFAULT_BODY_LIMIT * 4)},
        )
        assert response.status_code == 413
        assert response.json() == {
            "detail": {
                "code": "body_too_large",
                "message": f"The request body is larger than this endpoint accepts "
                f"({DEFAULT_BODY_LIMIT} bytes).",
                "limit": DEFAULT_BODY_LIMIT,
            }
        }
        assert read <= 1  # nothing past the first chunk was asked for

    async def test_a_chunked_body_over_the_limit_is_refused_as_it_streams(
        self, client: httpx.AsyncClient
    ) -> None:
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(200):  # 12.5 MiB offered, no Content-Length
                sent += 1
                yield b"x" * 65536

        response = await client.post("/api/v1/auth/login/json", content=body())
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert response.json()["detail"]["code"] == "body_too_large"
        assert sent <= DEFAULT_BODY_LIMIT // 65536 + 2  # stopped right past the limit

    async def test_the_limit_comes_before_authentication(self, client: httpx.AsyncClient) -> None:
        response = await client.put("/api/v1/account", content=b"{" * (DEFAULT_BODY_LIMIT + 1))
        assert response.status_code == 413

    async def test_under_the_limit_passes(self, client: httpx.AsyncClient) -> None:
        padding = "x" * (DEFAULT_BODY_LIMIT - 200)
        response = await client.post(
            "/api/v1/auth/login/json",
            json={"email": "nobody@example.com", "password": "wrong", "pad": padding},
        )
        assert response.status_code in {401, 422}  # read and judged, not refused for size

    async def test_a_tree_save_may_be_larger(self, client: httpx.AsyncClient) -> None:
        _, auth = await signed_in(client)
        title = "t" * (3 * DEFAULT_BODY_LIMIT)
        graph = {"start": "a", "nodes": [{"id": "a", "kind": "solution", "title": "Done"}]}
        response = await client.post(
            "/api/v1/trees", headers=auth, json={"title": title[:200], "graph": graph, "x": title}
        )
        assert response.status_code != 413
        too_big = b"{" * (GRAPH_BODY_LIMIT + 1)
        response = await client.post("/api/v1/trees", headers=auth, content=too_big)
        assert response.status_code == 413
        assert response.json()["detail"]["limit"] == GRAPH_BODY_LIMIT


class TestCors:
    async def test_no_cors_headers_by_default(self, client: httpx.AsyncClient) -> None:
        response = await client.options(
            "/api/v1/trees",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in response.headers

    async def test_only_configured_origins_are_allowed(self, make_app: AppFactory) -> None:
        app = make_app(cors_origins=["https://support.example.com"])
        async with client_for(app) as client:
            allowed = await client.options(
                "/api/v1/trees",
                headers={
                    "Origin": "https://support.example.com",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization,content-type",
                },
            )
            refused = await client.options(
                "/api/v1/trees",
                headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
            )
            simple = await client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://support.example.com"
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        assert "access-control-allow-origin" not in simple.headers

    def test_origins_from_a_comma_list(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example/")
        assert Settings().cors_origins == ["https://a.example", "https://b.example"]


class TestProbes:
    async def test_healthz_and_readyz(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/readyz")).json() == {"status": "ready"}

    async def test_readyz_is_503_when_migrations_are_behind(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The code expects a revision the database has not reached (as after a deploy whose
        # migration has not run yet).
        monkeypatch.setattr(health, "head_revisions", lambda: frozenset({"2099_future"}))
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        detail = response.json()["detail"]
        assert detail["code"] == "not_ready"
        assert "2099_future" in detail["message"]

    async def test_readyz_is_503_when_the_database_does_not_answer(
        self, client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        dead = Database("postgresql://postgres@127.0.0.1:1/none", settings)  # nothing listens
        monkeypatch.setattr(health, "get_database", lambda: dead)
        response = await client.get("/readyz")
        await dead.dispose()
        assert response.status_code == 503
        assert response.json()["detail"]["code"] == "not_ready"
        assert (await client.get("/healthz")).status_code == 200


class TestMetrics:
    async def test_absent_without_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/metrics")
        assert response.status_code == 404
        assert response.json()["detail"]["code"] == "not_found"

    async def test_needs_the_token_and_reports_routes_pool_and_jobs(
        self, make_app: AppFactory
    ) -> None:
        app = make_app(metrics_token="m" * 32)
        async with client_for(app) as client:
            await client.get("/api/v1/trees/00000000-0000-0000-0000-000000000000")
            assert (await client.get("/metrics")).status_code == 401
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            response = await client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})
        assert response.status_code == 200
        text = response.text
        assert (
            'troubletree_http_requests_total{method="GET",route="/api/v1/trees/{tree_id}",'
            'status="401"}' in text
        )
        assert "troubletree_http_request_duration_seconds_bucket" in text
        assert 'troubletree_db_pool_connections{state="size"} 60.0' in text
        assert 'troubletree_db_pool_connections{state="in_use"}' in text
        assert "00000000-0000" not in text  # labels are templates, never raw paths


def test_openapi_has_no_default_validation_schema(app: FastAPI) -> None:
    schema = app.openapi()
    text = json.dumps(schema)
    assert "HTTPValidationError" not in text
    session_list = schema["paths"]["/api/v1/sessions"]["get"]["responses"]["422"]
    ref = session_list["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/ErrorResponse"
