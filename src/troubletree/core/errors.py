"""One error hierarchy and one JSON shape for every error the API returns.

    {"detail": {"code": "invite_exhausted", "message": "...", "field": "invite_code"}}

Validation errors carry a list of such objects. `code` values are stable: clients branch on them.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from troubletree.core.availability import RETRY_AFTER_SECONDS, is_database_unavailable, outage

logger = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    detail: ErrorBody | list[ErrorBody]


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."
    # When true the request's transaction is committed even though the request fails, so a
    # security decision (a revoked refresh-token family, say) survives the error response.
    commit_transaction = False

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.message
        if code:
            self.code = code
        self.field = field
        self.headers = headers
        self.extra = extra or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            detail["field"] = self.field
        detail.update(self.extra)
        return {"detail": detail}


class BadRequest(AppError):
    status_code = 400


class Unauthorized(AppError):
    status_code = 401
    code = "not_authenticated"
    message = "Sign in to continue."

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message = "You are not allowed to do this."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class Unprocessable(AppError):
    status_code = 422
    code = "invalid"
    message = "The request is not valid."


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many attempts. Try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


# Responses declared on routes so OpenAPI documents the error shape.
def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse} for code in codes}


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        items = []
        for err in exc.errors():
            err_type = str(err.get("type", "invalid"))
            code = "invalid_json" if err_type == "json_invalid" else err_type
            if err_type == "extra_forbidden":
                code = "field_not_allowed"
            message = str(err.get("msg", "Invalid value."))
            message = message.removeprefix("Value error, ")
            items.append({"code": code, "message": message, "field": _field_of(err.get("loc", ()))})
        return JSONResponse({"detail": items}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        return JSONResponse(
            {"detail": {"code": code, "message": message}},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def _database_error(_: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL unreachable: 503 with Retry-After, the outage logged once (no traceback).
        if is_database_unavailable(exc):
            outage.failed(exc)
            return JSONResponse(
                {
                    "detail": {
                        "code": "database_unavailable",
                        "message": "The service is briefly unavailable. Try again shortly.",
                    }
                },
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        # Text PostgreSQL cannot store (a NUL byte, say) that slipped past validation is bad
        # input, not a server fault. Everything else is unexpected.
        # (SQLAlchemy wraps the driver's error; a hot statement, core/hot.py, raises it as is.)
        orig = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else exc
        sqlstate = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
        if isinstance(exc, DBAPIError | asyncpg.PostgresError) and sqlstate in {"22021", "22P05"}:
            return JSONResponse(
                {
                    "detail": {
                        "code": "invalid_text",
                        "message": "The text contains characters "
                        "that cannot be stored (such as NUL).",
                    }
                },
                status_code=422,
            )
        driver = isinstance(
            exc,
            DBAPIError
            | asyncpg.PostgresError
            | asyncpg.InterfaceError
            | asyncpg.InternalClientError,
        )
        logger.exception("database error" if driver else "unhandled error", exc_info=exc)
        return JSONResponse(
            {"detail": {"code": "internal_error", "message": "Something went wrong on our side."}},
            status_code=500,
        )

    # Errors on the way to the database: the driver's, the pool's, and the socket's (an OSError
    # is treated as an outage only when raised inside the database driver).
    for kind in (
        DBAPIError,
        PoolTimeout,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
        OSError,
    ):
        app.add_exception_handler(kind, _database_error)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            {"detail": {"code": "internal_error", "message": "Something went wrong on our side."}},
            status_code=500,
        )
