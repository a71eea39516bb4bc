"""Credentials and sessions: /api/v1/auth/... (register and me live in accounts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.auth import service
from troubletree.auth.dependencies import BearerToken, Client, Person
from troubletree.auth.models import EmailVerificationToken, PasswordResetToken
from troubletree.auth.schemas import (
    LoginJSON,
    MessageResponse,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    TokenCheck,
    TokenPair,
    TokenStatus,
    VerifyEmailConfirm,
)
from troubletree.core.client import ClientInfo
from troubletree.core.config import Settings
from troubletree.core.db import DB, SettingsDep
from troubletree.core.errors import error_responses
from troubletree.core.ratelimit import Limiter, RateLimiter

router = APIRouter(prefix="/auth", tags=["auth"])

REFRESH_COOKIE = "tt_refresh"
REFRESH_COOKIE_PATH = "/api/v1/auth"
RESET_REQUESTED = "If that address has an account, a reset link is on its way."


def _set_refresh_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=settings.refresh_absolute_ttl_seconds,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )


def _clear_refresh_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )


@dataclass(frozen=True)
class _SignIn:
    """Signs a user in for this request: checks the password (rate limited), starts a sign-in
    and sets its refresh cookie on the response."""

    db: AsyncSession
    settings: Settings
    limiter: RateLimiter
    client: ClientInfo
    response: Response

    async def __call__(self, email: str, password: str) -> TokenPair:
        user = await service.authenticate(
            self.db, self.settings, self.limiter, email=email, password=password, client=self.client
        )
        tokens = await service.start_session(self.db, self.settings, user, self.client)
        _set_refresh_cookie(self.response, self.settings, tokens.refresh_token)
        return tokens


async def _sign_in(
    db: DB, settings: SettingsDep, limiter: Limiter, client: Client, response: Response
) -> _SignIn:
    return _SignIn(db, settings, limiter, client, response)


SignIn = Annotated[_SignIn, Depends(_sign_in)]


@router.post("/login", responses=error_responses(401, 422, 429))
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], sign_in: SignIn
) -> TokenPair:
    """OAuth2 password form (`username` is the email): the Authorize button of /api/docs."""
    return await sign_in(form.username, form.password)


@router.post("/login/json", responses=error_responses(401, 422, 429))
async def login_json(body: LoginJSON, sign_in: SignIn) -> TokenPair:
    return await sign_in(body.email, body.password)


@router.post("/refresh", responses=error_responses(401, 422, 429))
async def refresh_tokens(
    db: DB,
    settings: SettingsDep,
    limiter: Limiter,
    client: Client,
    response: Response,
    body: RefreshRequest | None = None,
    tt_refresh: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> TokenPair:
    """Rotates the refresh token from the body, or else from the HttpOnly cookie."""
    raw = (body.refresh_token if body else None) or tt_refresh
    tokens = await service.refresh(db, settings, limiter, raw, client)
    _set_refresh_cookie(response, settings, tokens.refresh_token)
    return tokens


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(422))
async def logout(
    db: DB,
    settings: SettingsDep,
    response: Response,
    body: RefreshRequest | None = None,
    tt_refresh: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> None:
    """Ends this sign-in (its refresh family). Idempotent."""
    await service.logout(db, (body.refresh_token if body else None) or tt_refresh)
    _clear_refresh_cookie(response, settings)


@router.post(
    "/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403)
)
async def logout_all(
    user: Person, db: DB, settings: SettingsDep, client: Client, response: Response
) -> None:
    """Ends every sign-in of the caller, on every device."""
    await service.logout_all(db, user, client)
    _clear_refresh_cookie(response, settings)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 422, 429),
)
async def change_password(
    body: PasswordChange,
    user: Person,
    token: BearerToken,
    db: DB,
    settings: SettingsDep,
    limiter: Limiter,
    client: Client,
) -> None:
    """Changes your password (the current one is needed). Your other sign-ins end; this one
    stays."""
    assert token is not None  # a Person signed in with it
    await service.change_password(
        db, settings, limiter, user, token, body.current_password, body.new_password, client
    )


@router.post(
    "/password-reset/request",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(422, 429),
)
async def request_password_reset(
    body: PasswordResetRequest, db: DB, settings: SettingsDep, limiter: Limiter, client: Client
) -> MessageResponse:
    """Always 202 with the same body, whether or not the address has an account."""
    await service.request_password_reset(db, settings, limiter, body.email, client)
    return MessageResponse(message=RESET_REQUESTED)


@router.post("/password-reset/confirm", responses=error_responses(400, 422))
async def confirm_password_reset(
    body: PasswordResetConfirm, db: DB, settings: SettingsDep, client: Client
) -> MessageResponse:
    """Sets the new password and signs out every device; no session is returned."""
    await service.confirm_password_reset(db, settings, body.token, body.new_password, client)
    return MessageResponse(message="Your password was changed. Sign in with the new password.")


@router.post("/password-reset/check", responses=error_responses(422, 429))
async def check_password_reset(
    body: TokenCheck, db: DB, settings: SettingsDep, limiter: Limiter, client: Client
) -> TokenStatus:
    """Whether a reset link still works (`valid`, `used`, `expired`, `invalid`), so its page
    can say so before a new password is typed. Uses nothing up."""
    return await service.check_one_time_token(
        db, settings, limiter, PasswordResetToken, body.token, client
    )


@router.post(
    "/verify-email/send",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401, 403, 409),
)
async def send_verification_email(user: Person, db: DB, settings: SettingsDep) -> MessageResponse:
    """Mails a new verification link (at most one a minute)."""
    sent = await service.send_verification(db, settings, user)
    return MessageResponse(
        message="A verification link is on its way."
        if sent
        else "A verification link was sent less than a minute ago. Check your inbox."
    )


@router.post("/verify-email/check", responses=error_responses(422, 429))
async def check_email_verification(
    body: TokenCheck, db: DB, settings: SettingsDep, limiter: Limiter, client: Client
) -> TokenStatus:
    """Whether a verification link still works; uses nothing up."""
    return await service.check_one_time_token(
        db, settings, limiter, EmailVerificationToken, body.token, client
    )


@router.post("/verify-email/confirm", responses=error_responses(400, 422))
async def confirm_email_verification(
    body: VerifyEmailConfirm, db: DB, client: Client
) -> MessageResponse:
    await service.confirm_verification(db, body.token, client)
    return MessageResponse(message="Your email address is verified.")
