"""Probes for load balancers and orchestrators, and the Prometheus scrape endpoint.

- `/healthz`: the process answers (no database): restart it when this fails.
- `/readyz`: the database answers and its schema is at the migrations' head: send it traffic
  only when this is 200; 503 with the error body (and the reason) otherwise.
- `/metrics`: Prometheus text format, behind `Authorization: Bearer $METRICS_TOKEN`; 404 when
  METRICS_TOKEN is unset (the endpoint does not exist), 401 when the token is wrong.
`/api/health` (main.py) stays as it was: the API and its database, for the web app and monitors.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from troubletree.core.db import Database, get_database
from troubletree.core.errors import AppError, NotFound, Unauthorized, error_responses
from troubletree.core.migrate import head_revisions
from troubletree.core.observability import DB_POOL, EXPORTS_IN_FLIGHT, JOBS, render_metrics

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class NotReady(AppError):
    status_code = 503
    code = "not_ready"
    message = "The service is not ready to take requests."

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": "5"})


@router.get("/healthz", operation_id="health-alive")
async def healthz() -> dict[str, str]:
    """The process is alive (nothing else is checked)."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="health-ready", responses=error_responses(503))
async def readyz() -> dict[str, str]:
    """The database is reachable and migrated to the head revision this code expects."""
    try:
        async with get_database().engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except Exception as exc:
        logger.warning("readiness: the database does not answer: %s", type(exc).__name__)
        raise NotReady("The database does not answer.") from exc
    found = frozenset(str(r[0]) for r in rows)
    if found != head_revisions():
        raise NotReady(
            f"The database is at revision {', '.join(sorted(found)) or 'none'}; this version "
            f"needs {', '.join(sorted(head_revisions()))}. Run `troubletree migrate`."
        )
    return {"status": "ready"}


async def _collect(database: Database, request: Request) -> None:
    pool = database.engine.pool
    stats = {
        "in_use": getattr(pool, "checkedout", lambda: 0)(),
        "idle": getattr(pool, "checkedin", lambda: 0)(),
        "size": getattr(pool, "size", lambda: 0)(),
        "overflow": max(0, getattr(pool, "overflow", lambda: 0)()),
    }
    for state, value in stats.items():
        DB_POOL.labels(state).set(value)
    EXPORTS_IN_FLIGHT.set(request.app.state.cpu_pool.in_flight)
    async with database.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs"
                    " GROUP BY queue_name, status"
                )
            )
        ).all()
    JOBS.clear()
    for queue, status, count in rows:
        JOBS.labels(queue, status).set(count)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if not token:
        raise NotFound("Not Found")
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Unauthorized("A valid metrics token is required.")
    await _collect(get_database(), request)
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)
