"""/api/v1/account/audit-events (account admins, API keys with the admin role included) and
/api/v1/platform/audit-events (superusers)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from troubletree.accounts.dependencies import AccountAdmin
from troubletree.auditlog import service
from troubletree.auditlog.repository import AuditFilters
from troubletree.auditlog.schemas import AuditPage
from troubletree.auth.dependencies import SuperUser
from troubletree.core.db import DB
from troubletree.core.errors import error_responses

account_router = APIRouter(prefix="/account/audit-events", tags=["audit"])
platform_router = APIRouter(prefix="/platform/audit-events", tags=["audit"])

ACTION = r"^[a-z][a-z0-9_.]{0,63}$"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=200)]


async def audit_filters(
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(pattern=ACTION)] = None,
    created_from: Annotated[
        datetime | None, Query(description="From this moment (UTC if no zone).")
    ] = None,
    created_to: Annotated[datetime | None, Query(description="Before this moment.")] = None,
) -> AuditFilters:
    return service.check_filters(AuditFilters(actor_id, action, created_from, created_to))


async def platform_filters(
    filters: Annotated[AuditFilters, Depends(audit_filters)], account_id: uuid.UUID | None = None
) -> AuditFilters:
    return AuditFilters(
        filters.actor_id, filters.action, filters.created_from, filters.created_to, account_id
    )


Filters = Annotated[AuditFilters, Depends(audit_filters)]
PlatformFilters = Annotated[AuditFilters, Depends(platform_filters)]


def _csv(rows: object, name: str) -> StreamingResponse:
    return StreamingResponse(
        rows,  # type: ignore[arg-type]
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@account_router.get("", responses=error_responses(401, 403, 422))
async def list_audit_events(
    caller: AccountAdmin, db: DB, filters: Filters, cursor: Cursor = None, limit: Limit = 50
) -> AuditPage:
    """Your account's events, newest first. Pass `next_cursor` back as `cursor` for more."""
    return await service.list_account_events(db, caller, filters, cursor, limit)


@account_router.get("/actions", responses=error_responses(401, 403))
async def list_audit_actions(caller: AccountAdmin, db: DB) -> list[str]:
    """The distinct actions in your account's log (for the filter)."""
    return await service.list_account_actions(db, caller)


@account_router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **error_responses(401, 403, 422)},
)
async def export_audit_events(caller: AccountAdmin, filters: Filters) -> StreamingResponse:
    """Every event the filters match, newest first, as CSV."""
    return _csv(service.export_csv(filters, caller.account_id), "audit-log.csv")


@platform_router.get("", responses=error_responses(401, 403, 422))
async def list_platform_audit_events(
    _: SuperUser, db: DB, filters: PlatformFilters, cursor: Cursor = None, limit: Limit = 50
) -> AuditPage:
    """Every account's events (and those of no account, e.g. sign-ins with an unknown
    address), newest first; `account_id` narrows to one account."""
    return await service.list_platform_events(db, filters, cursor, limit)


@platform_router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **error_responses(401, 403, 422)},
)
async def export_platform_audit_events(_: SuperUser, filters: PlatformFilters) -> StreamingResponse:
    """Every event the filters match, newest first, as CSV."""
    return _csv(service.export_csv(filters, None), "platform-audit-log.csv")
