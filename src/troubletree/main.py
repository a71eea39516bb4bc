"""The FastAPI application: routers, error handlers, start-up, and the built web app at /."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
import mimetypes
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import FileResponse, Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from troubletree.accounts.router import account_router, invites_router, platform_router
from troubletree.accounts.router import auth_router as register_router
from troubletree.apikeys.router import router as api_keys_router
from troubletree.attachments.router import router as attachments_router
from troubletree.attachments.router import session_files_router
from troubletree.auditlog.router import account_router as audit_router
from troubletree.auditlog.router import platform_router as platform_audit_router
from troubletree.auth.router import router as auth_router
from troubletree.core.config import Settings, get_settings
from troubletree.core.db import Database, get_database, resolve_database_url, set_database
from troubletree.core.errors import install_error_handlers
from troubletree.core.headers import SecurityHeadersMiddleware
from troubletree.core.health import router as health_router
from troubletree.core.jobs import build_job_app, run_worker
from troubletree.core.limits import BodyLimitMiddleware
from troubletree.core.observability import RequestMiddleware
from troubletree.core.offload import shared_pool
from troubletree.core.openapi import install_openapi
from troubletree.core.ratelimit import RateLimiter
from troubletree.feedback.router import router as feedback_router
from troubletree.feedback.router import session_router as feedback_session_router
from troubletree.feedback.router import tree_router as feedback_tree_router
from troubletree.insights.router import router as insights_router
from troubletree.integrations.router import (
    embed_pages,
    embed_settings_router,
    start_links_router,
)
from troubletree.sessions.router import router as sessions_router
from troubletree.sessions.router import start_router as tree_start_router
from troubletree.trees.router import router as trees_router
from troubletree.webhooks.router import router as webhooks_router

logger = logging.getLogger(__name__)

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


def operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


API_PREFIX = "/api/v1"
# FastAPI tries a request against the routes in this order, every route of every router before
# the one that matches (about 2 microseconds each, bench/README.md): the routers of the busiest
# requests (a technician's tree reads, the library, search, sessions and their steps) come
# first. Moving a router ahead is safe while it keeps its place among the routers that share
# its path prefix (the other /trees and /sessions routers follow these two): a path can only
# match routes whose literal prefix it starts with.
API_ROUTERS = (
    trees_router,
    sessions_router,
    register_router,
    auth_router,
    account_router,
    api_keys_router,
    audit_router,
    invites_router,
    platform_router,
    platform_audit_router,
    tree_start_router,
    feedback_router,
    feedback_session_router,
    feedback_tree_router,
    webhooks_router,
    start_links_router,
    embed_settings_router,
    session_files_router,
    attachments_router,
    insights_router,
)


class WebAppMount(Mount):
    """The web app at / for every path outside /api, so API paths keep their own 404 and 405."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and (
            scope["path"] == "/api" or scope["path"].startswith("/api/")
        ):
            return Match.NONE, {}
        return super().matches(scope)


mimetypes.add_type("application/manifest+json", ".webmanifest")

# The app shell and what decides which build a device runs (the service worker, its script and
# the PWA manifest) are checked again on every load, so a deploy is picked up at once.
NO_CACHE = frozenset({"", ".", "index.html", "sw.js", "registerSW.js", "manifest.webmanifest"})


class SPAStaticFiles(StaticFiles):
    """Serves the built web app; unknown paths fall back to index.html for client routes."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except StarletteHTTPException as exc:
            if exc.status_code != 404 or path.startswith(("api", "assets/")):
                raise
            # A client route: the app shell, never cached, so a deploy is picked up at once.
            return FileResponse(
                Path(str(self.directory)) / "index.html", headers={"Cache-Control": "no-cache"}
            )
        if path.startswith("assets/"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif path in NO_CACHE:
            response.headers["Cache-Control"] = "no-cache"
        return response


class TroubleTreeAPI(FastAPI):
    """FastAPI with the request middleware (request id, access log, metrics) and the security
    headers *outside* Starlette's error middleware, so the 500s it sends carry them too."""

    def build_middleware_stack(self) -> ASGIApp:
        hsts = self.state.settings.environment == "production"
        return SecurityHeadersMiddleware(
            RequestMiddleware(super().build_middleware_stack()), hsts=hsts
        )


def freeze_startup_objects() -> None:
    """Moves everything alive after start-up (modules, routes, schemas, settings) out of the
    garbage collector's reach. Without it every full collection walks those objects again,
    which showed as pauses of 100+ ms in the slowest 1% of requests under load."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Builds the app. Tests pass their own settings and an already-open database."""
    settings = settings or get_settings()
    settings.ensure_secret_key()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        db = database or Database(resolve_database_url(settings), settings)
        set_database(db)
        worker: asyncio.Task[Any] | None = None
        if settings.run_worker_in_process:
            worker = asyncio.create_task(
                run_worker(
                    build_job_app(settings, db), stalled_seconds=settings.job_stalled_seconds
                )
            )
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await worker
            app.state.cpu_pool.shutdown()
            if owned:
                await db.dispose()
                set_database(None)

    app = TroubleTreeAPI(
        title="TroubleTree",
        version="0.1.0",
        summary="Guided troubleshooting decision trees",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url="/api/redoc",
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(settings)
    app.state.cpu_pool = shared_pool(settings.export_workers, settings.export_queue_limit)
    if settings.trusted_proxies:
        # X-Forwarded-For (and -Proto) is believed only from TRUSTED_PROXIES, read from the right
        # past the trusted hops. Nobody is trusted by default (not uvicorn's 127.0.0.1), so
        # without proxies there is nothing to install; `serve` turns uvicorn's own copy off.
        trusted = [str(ipaddress.ip_network(p, strict=False)) for p in settings.trusted_proxies]
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Content-Disposition"],
        )
    # Added last, so it runs first: an oversized body is refused before anything reads it.
    app.add_middleware(BodyLimitMiddleware)
    install_error_handlers(app)
    install_openapi(app)
    # Each domain router is included on the app itself: FastAPI matches a request level by
    # level, so an extra /api/v1 router around them would cost every request a second walk.
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)

    app.include_router(health_router)
    app.include_router(embed_pages(WEB_DIST))

    @app.get("/api/health", tags=["health"], operation_id="health-check")
    async def health() -> dict[str, str]:
        await get_database().ping()
        return {"status": "ok"}

    if (WEB_DIST / "index.html").exists():
        app.router.routes.append(
            WebAppMount("/", app=SPAStaticFiles(directory=WEB_DIST, html=True), name="web")
        )
    return app


def served_app() -> FastAPI:
    """The app of one worker process of `troubletree serve --workers N` (uvicorn's factory):
    settings from the environment the supervisor prepared, logging as `serve` configures it,
    start-up objects frozen before the first request."""
    from troubletree.core.observability import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    app = create_app(settings)
    freeze_startup_objects()
    return app
