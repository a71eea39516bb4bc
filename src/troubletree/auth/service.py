"""Sign-in, refresh-token rotation, sign-out, password reset and email verification.

Services only flush; the request's `DB` dependency commits. A refresh that detects reuse raises
`RefreshTokenReused`, whose `commit_transaction` makes the family revocation persist although
the request fails.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.auth import repository
from troubletree.auth.exceptions import (
    ApiKeyExpired,
    ApiKeyRevoked,
    EmailAlreadyVerified,
    InvalidAccessToken,
    InvalidApiKey,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidResetToken,
    InvalidVerificationToken,
    RefreshFamilyExpired,
    RefreshFamilyRevoked,
    RefreshTokenReused,
    SignInEnded,
    WeakPassword,
    WrongCurrentPassword,
)
from troubletree.auth.models import (
    EmailVerificationToken,
    PasswordResetToken,
    RefreshToken,
    User,
)
from troubletree.auth.schemas import TokenPair, TokenStatus
from troubletree.core import audit, security
from troubletree.core.client import ClientInfo
from troubletree.core.clock import utcnow
from troubletree.core.config import Settings
from troubletree.core.db import get_database
from troubletree.core.ratelimit import RateLimiter
from troubletree.notifications import templates
from troubletree.notifications.service import queue_email, queue_password_reset, queued_recently

SUCCESSOR_PURPOSE = "refresh-successor"


# --------------------------------------------------------------------------- passwords


def check_new_password(
    settings: Settings, password: str, email: str | None = None, field: str = "password"
) -> None:
    problem = security.password_problem(password, settings, email=email)
    if problem:
        raise WeakPassword(problem, field)


async def hash_new_password(settings: Settings, password: str, email: str | None = None) -> str:
    """Checks the password policy and hashes (off the event loop)."""
    check_new_password(settings, password, email)
    return await security.hash_password(settings, password)


async def create_user(
    db: AsyncSession,
    *,
    email: str,
    password_hash: str,
    full_name: str,
    is_superuser: bool = False,
    verified: bool = False,
) -> User | None:
    """Inserts the user; None if the email is taken (the caller decides what that means)."""
    return await repository.insert_user(
        db,
        email=email,
        password_hash=password_hash,
        full_name=full_name,
        is_superuser=is_superuser,
        email_verified_at=utcnow() if verified else None,
    )


# --------------------------------------------------------------------------- sign-in


async def authenticate(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    client: ClientInfo,
) -> User:
    """Checks a password. Form and JSON sign-in share this one path. Three limits (README,
    "Sign-in throttling"):

    - per address, every attempt (`RATE_LIMIT_LOGIN_IP`);
    - per account and address, failures (`RATE_LIMIT_LOGIN_PAIR`): one address guessing one
      account is slowed down quickly, and only that pair;
    - per account, failures from any number of addresses (`RATE_LIMIT_LOGIN_ACCOUNT`). Once it
      is spent, only the user's usual addresses (a successful sign-in from there within
      `LOGIN_USUAL_ADDRESS_DAYS`) may still try: a distributed attack slows to a stop without
      locking the owner out.
    """
    account_key = email.strip().lower()
    await limiter.hit(settings.rate_limit_login_ip, "login-ip", client.ip)
    await limiter.check(settings.rate_limit_login_pair, "login-pair", account_key, client.ip)
    # A sign-in takes its database connection only once a hasher is free for it: waiting for
    # one while holding a connection would let a storm of sign-ins take the whole pool.
    async with security.hashing_turn(settings):
        user = await repository.get_user_by_email(db, email)
        if not await limiter.test(settings.rate_limit_login_account, "login-account", account_key):
            usual = user is not None and await repository.signed_in_from(
                db,
                user.id,
                client.ip,
                utcnow() - timedelta(days=settings.login_usual_address_days),
            )
            if not usual:
                await limiter.check(settings.rate_limit_login_account, "login-account", account_key)
        ok = await security.verify_password(
            settings, password, user.password_hash if user else None
        )
    if not ok or user is None or not user.is_active:
        await limiter.count(settings.rate_limit_login_pair, "login-pair", account_key, client.ip)
        await limiter.count(settings.rate_limit_login_account, "login-account", account_key)
        # One audit row either way (same work for a known and an unknown address); the
        # error commits it. An unknown address is not stored.
        if user is None:
            await audit.record(db, "sign_in_failed", ip=client.ip, reason="unknown_email")
        else:
            reason = "wrong_password" if not ok else "user_disabled"
            await audit.record_user_event(db, "sign_in_failed", user.id, client, reason=reason)
        raise InvalidCredentials()
    return user


def _access_token(settings: Settings, user_id: uuid.UUID, family_id: uuid.UUID) -> tuple[str, int]:
    return security.create_access_token(settings, user_id=user_id, family_id=family_id)


async def start_session(
    db: AsyncSession, settings: Settings, user: User, client: ClientInfo
) -> TokenPair:
    """A sign-in: a new refresh family and its first token."""
    now = utcnow()
    raw = security.new_token()
    family_id = uuid.uuid4()
    family_expires_at = now + timedelta(seconds=settings.refresh_absolute_ttl_seconds)
    await repository.add_refresh_token(
        db,
        RefreshToken(
            id=uuid.uuid4(),
            user_id=user.id,
            family_id=family_id,
            parent_id=None,
            generation=0,
            token_hash=security.token_hash(raw),
            expires_at=min(
                now + timedelta(seconds=settings.refresh_idle_ttl_seconds), family_expires_at
            ),
            family_expires_at=family_expires_at,
            created_ip=client.ip,
            user_agent=(client.user_agent or "")[:300] or None,
        ),
    )
    await audit.record_user_event(db, "sign_in", user.id, client, family_id=str(family_id))
    access, ttl = _access_token(settings, user.id, family_id)
    return TokenPair(access_token=access, refresh_token=raw, expires_in=ttl)


# --------------------------------------------------------------------------- refresh


def _successor(settings: Settings, raw: str) -> str:
    return security.derive_token(settings, SUCCESSOR_PURPOSE, raw)


async def refresh(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    raw: str | None,
    client: ClientInfo,
) -> TokenPair:
    """Rotates a refresh token.

    Exactly one presentation of a token mints its successor (a guarded UPDATE plus the unique
    parent link). A repeat within REFRESH_REUSE_GRACE_SECONDS of that rotation, while the
    successor is still unused, gets the same successor back (derived by HMAC from the presented
    token, so it is never stored). Any other reuse revokes the whole family.
    """
    await limiter.hit(settings.rate_limit_refresh_ip, "refresh-ip", client.ip)
    if not raw:
        raise InvalidRefreshToken()
    now = utcnow()
    token = await repository.get_refresh_token(db, security.token_hash(raw))
    if token is None or token.revoked_at is not None:
        raise InvalidRefreshToken()
    if token.family_expires_at <= now or token.expires_at <= now:
        await repository.revoke_family(db, token.family_id, "expired", now)
        raise RefreshFamilyExpired()
    user = await repository.get_user(db, token.user_id)
    if user is None or not user.is_active:
        await repository.revoke_family(db, token.family_id, "user_disabled", now)
        raise RefreshFamilyRevoked()

    successor = _successor(settings, raw)
    if await repository.claim_rotation(db, token.id, now):
        await repository.add_refresh_token(
            db,
            RefreshToken(
                id=uuid.uuid4(),
                user_id=token.user_id,
                family_id=token.family_id,
                parent_id=token.id,
                generation=token.generation + 1,
                token_hash=security.token_hash(successor),
                expires_at=min(
                    now + timedelta(seconds=settings.refresh_idle_ttl_seconds),
                    token.family_expires_at,
                ),
                family_expires_at=token.family_expires_at,
                created_ip=client.ip,
                user_agent=(client.user_agent or "")[:300] or None,
            ),
        )
    else:
        # Somebody rotated this token first (their transaction has committed: our UPDATE
        # waited for it). Inside the grace window, and while the successor is unused, answer
        # with the same successor; otherwise this is a replay.
        token = await repository.get_refresh_token(db, security.token_hash(raw))
        child = await repository.get_child(db, token.id) if token else None
        if token is None or token.revoked_at is not None:
            raise InvalidRefreshToken()
        # Re-read the clock: our UPDATE may have waited for the winner, whose rotation time can
        # be later than this request's start. A window of 0 forgives nothing.
        elapsed = (utcnow() - token.rotated_at).total_seconds() if token.rotated_at else None
        within_grace = (
            settings.refresh_reuse_grace_seconds > 0
            and elapsed is not None
            and elapsed < settings.refresh_reuse_grace_seconds
        )
        if not (
            within_grace
            and child is not None
            and child.rotated_at is None
            and child.revoked_at is None
        ):
            await repository.revoke_family(db, token.family_id, "reuse_detected", now)
            await audit.record_user_event(
                db,
                "refresh_token_reused",
                token.user_id,
                client,
                family_id=str(token.family_id),
                generation=token.generation,
            )
            raise RefreshTokenReused()
    access, ttl = _access_token(settings, token.user_id, token.family_id)
    return TokenPair(access_token=access, refresh_token=successor, expires_in=ttl)


async def logout(db: AsyncSession, raw: str | None) -> None:
    """Revokes the family of the presented token. Idempotent; unknown tokens are ignored."""
    if not raw:
        return
    token = await repository.get_refresh_token(db, security.token_hash(raw))
    if token is not None:
        await repository.revoke_family(db, token.family_id, "logout", utcnow())


async def logout_all(db: AsyncSession, user: User, client: ClientInfo) -> int:
    count = await repository.revoke_user_families(db, user.id, "logout_all", utcnow())
    await audit.record_user_event(db, "logout_all", user.id, client)
    return count


# --------------------------------------------------------------------------- current user


def access_claims(settings: Settings, token: str) -> security.AccessClaims:
    claims = security.decode_access_token(settings, token)
    if claims is None:
        raise InvalidAccessToken()
    return claims


def check_sign_in(user_is_active: bool, live: bool) -> None:
    """An existing, active user whose sign-in (refresh family) is still live: sign-out,
    sign-out everywhere and a password reset end access tokens at once."""
    if not user_is_active:
        raise InvalidAccessToken()
    if not live:
        raise SignInEnded()


def check_signed_in(user: User | None, live: bool) -> User:
    check_sign_in(user is not None and user.is_active, live)
    assert user is not None
    return user


async def user_from_access_token(db: AsyncSession, settings: Settings, token: str) -> User:
    claims = access_claims(settings, token)
    found = await repository.get_user_with_live_family(
        db, claims.user_id, claims.family_id, utcnow()
    )
    return check_signed_in(found[0] if found else None, bool(found and found[1]))


# --------------------------------------------------------------------------- API keys

API_KEY_PREFIX = "tt_"


def is_api_key(token: str) -> bool:
    """API keys start with `tt_`; access tokens are JWTs (`eyJ...`)."""
    return token.startswith(API_KEY_PREFIX)


async def use_api_key(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    raw: str,
    client: ClientInfo,
    request_line: tuple[str, str],
) -> repository.ApiKeyCaller:
    """The key a request presents, checked against the database on every request (so a
    revoked key answers 401 at once), counted against RATE_LIMIT_API_KEY, and its use noted
    (`note_api_key_use`)."""
    key = await repository.get_api_key_caller(db, security.token_hash(raw))
    if key is None or not key.user_is_active:
        raise InvalidApiKey()
    if key.revoked_at is not None:
        raise ApiKeyRevoked()
    now = utcnow()
    if key.expires_at is not None and key.expires_at <= now:
        raise ApiKeyExpired()
    await note_api_key_use(settings, key, client, request_line, now)
    await limiter.hit(settings.rate_limit_api_key, "api-key", str(key.key_id))
    return key


async def note_api_key_use(
    settings: Settings,
    key: repository.ApiKeyCaller,
    client: ClientInfo,
    request_line: tuple[str, str],
    now: datetime,
) -> None:
    """At most once per API_KEY_USE_INTERVAL_SECONDS per key: the key's `last_used_at` and one
    `api_key_used` audit row (address, and `request_line`: method and route template of the
    first request of that interval). Written in a short transaction of its own, so a use is
    recorded whatever the request's outcome (a refused publish, a 429), and requests in
    between write nothing."""
    used_before = now - timedelta(seconds=settings.api_key_use_interval_seconds)
    if key.last_used_at is not None and key.last_used_at >= used_before:
        return
    async with get_database().sessionmaker() as db, db.begin():
        if await repository.claim_api_key_use(db, key.key_id, now, used_before, client.ip):
            await audit.record(
                db,
                "api_key_used",
                account_id=key.account_id,
                actor_id=key.user_id,
                subject=str(key.key_id),
                ip=client.ip,
                api_key_id=str(key.key_id),
                method=request_line[0],
                route=request_line[1],
            )


# --------------------------------------------------------------------------- password reset


def _link(settings: Settings, path: str, token: str) -> str:
    """The emailed link. The token rides in the fragment, which browsers never send to a server,
    so no access log or proxy along the way keeps it; the web page reads it from there."""
    return f"{settings.link_base_url}{path}#token={token}"


async def check_one_time_token(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    model: type[repository.OneTimeToken],
    raw: str,
    client: ClientInfo,
) -> TokenStatus:
    """What a link's page shows before the user types anything: whether the link still works.
    Reads only; the token is used by its confirm call."""
    await limiter.hit(settings.rate_limit_token_check_ip, "token-check-ip", client.ip)
    token = await repository.find_token(db, model, security.token_hash(raw))
    if token is None:
        return TokenStatus(status="invalid")
    if token.used_at is not None:
        return TokenStatus(status="used")
    if token.expires_at <= utcnow():
        return TokenStatus(status="expired")
    return TokenStatus(status="valid")


async def _issue(
    db: AsyncSession, token: repository.OneTimeToken, now: datetime, ttl_seconds: int
) -> str:
    """Stores a new one-time token (its hash only) and returns the raw token for the link."""
    raw = security.new_token()
    token.token_hash = security.token_hash(raw)
    token.created_at = now
    token.expires_at = now + timedelta(seconds=ttl_seconds)
    await repository.add_one_time_token(db, token)
    return raw


def _recently(at: datetime | None, now: datetime, seconds: int) -> bool:
    return at is not None and (now - at).total_seconds() < seconds


async def request_password_reset(
    db: AsyncSession, settings: Settings, limiter: RateLimiter, email: str, client: ClientInfo
) -> None:
    """Always the same answer, in the same time: the request only queues a job (one insert,
    whether or not the address has an account), and the job does the rest (`send_reset_link`).
    """
    await limiter.hit(settings.rate_limit_reset_ip, "reset-ip", client.ip)
    await queue_password_reset(db, email, client.ip, client.user_agent)


async def send_reset_link(
    db: AsyncSession, settings: Settings, email: str, client: ClientInfo
) -> None:
    """The job behind a reset request: a link to an active user's address, at most one a
    minute per address; nothing for an unknown address."""
    user = await repository.get_user_by_email(db, email)
    if user is None or not user.is_active:
        return
    user = await repository.lock_user(db, user.id)  # serialise concurrent requests per user
    now = utcnow()
    if user is None or _recently(
        await repository.latest_token_at(db, PasswordResetToken, user.id),
        now,
        settings.email_resend_interval_seconds,
    ):
        return
    await repository.void_reset_tokens(db, user.id)
    raw = await _issue(
        db, PasswordResetToken(user_id=user.id), now, settings.reset_token_ttl_seconds
    )
    message = templates.password_reset(
        user.full_name,
        _link(settings, "/reset-password", raw),
        settings.reset_token_ttl_seconds // 60,
    )
    await queue_email(db, to=user.email, message=message, user_id=user.id)
    await audit.record_user_event(db, "password_reset_requested", user.id, client)


async def tell_owner_of_registration_attempt(
    db: AsyncSession, settings: Settings, email: str, client: ClientInfo
) -> None:
    """Someone registered with an address that has an account: its owner gets a mail saying so,
    with links to sign in and to reset the password (plain page links: nothing in them is
    secret, so a mail an attacker caused grants nothing). At most one a minute per address, so
    registration cannot flood a mailbox; nothing for a disabled user."""
    user = await repository.get_user_by_email(db, email)
    if user is None or not user.is_active:
        return
    user = await repository.lock_user(db, user.id)  # serialise concurrent attempts per user
    if user is None or await queued_recently(
        db, templates.REGISTRATION_ATTEMPT, user.email, settings.email_resend_interval_seconds
    ):
        return
    base = settings.link_base_url
    message = templates.registration_attempt(
        user.full_name, f"{base}/sign-in", f"{base}/forgot-password"
    )
    await queue_email(db, to=user.email, message=message, user_id=user.id)
    await audit.record_user_action(db, "registration_attempted", user.id, client, str(user.id))


async def confirm_password_reset(
    db: AsyncSession, settings: Settings, raw: str, new_password: str, client: ClientInfo
) -> None:
    """Single use under any concurrency. Sets no session: every family is revoked and the user
    signs in again with the new password."""
    now = utcnow()
    claimed = await repository.consume_token(db, PasswordResetToken, security.token_hash(raw), now)
    if claimed is None:
        raise InvalidResetToken()
    user = await repository.get_user(db, claimed.user_id)
    if user is None or not user.is_active:
        raise InvalidResetToken()
    check_new_password(settings, new_password, user.email)
    password_hash = await security.hash_password(settings, new_password)
    await repository.set_password(db, user.id, password_hash, now)
    await repository.revoke_user_families(db, user.id, "password_reset", now)
    await queue_email(
        db, to=user.email, message=templates.password_changed(user.full_name), user_id=user.id
    )
    await audit.record_user_event(db, "password_reset", user.id, client)


async def change_password(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    user: User,
    token: str,
    current_password: str,
    new_password: str,
    client: ClientInfo,
) -> None:
    """Needs the current password (tries counted like failed sign-ins of this address); every
    other sign-in of the user ends, this one stays."""
    account_key = user.email.strip().lower()
    await limiter.check(settings.rate_limit_login_pair, "login-pair", account_key, client.ip)
    if not await security.verify_password(settings, current_password, user.password_hash):
        await limiter.count(settings.rate_limit_login_pair, "login-pair", account_key, client.ip)
        raise WrongCurrentPassword()
    check_new_password(settings, new_password, user.email, field="new_password")
    now = utcnow()
    password_hash = await security.hash_password(settings, new_password)
    await repository.set_password(db, user.id, password_hash, now)
    ended = await repository.revoke_other_families(
        db, user.id, access_claims(settings, token).family_id, "password_changed", now
    )
    await queue_email(
        db, to=user.email, message=templates.password_changed(user.full_name), user_id=user.id
    )
    await audit.record_user_event(
        db, "password_changed", user.id, client, other_sign_ins_ended=ended
    )


# --------------------------------------------------------------------------- email verification


async def send_verification(
    db: AsyncSession, settings: Settings, user: User, *, force: bool = False
) -> bool:
    """Queues a verification mail; False when one went out less than a minute ago."""
    if user.email_verified_at is not None:
        raise EmailAlreadyVerified()
    locked = await repository.lock_user(db, user.id)
    now = utcnow()
    if locked is None:
        return False
    if not force and _recently(
        await repository.latest_token_at(db, EmailVerificationToken, user.id),
        now,
        settings.email_resend_interval_seconds,
    ):
        return False
    token = EmailVerificationToken(user_id=user.id, email=user.email)
    raw = await _issue(db, token, now, settings.verify_token_ttl_seconds)
    message = templates.verify_email(
        user.full_name,
        _link(settings, "/verify-email", raw),
        settings.verify_token_ttl_seconds // 3600,
    )
    await queue_email(db, to=user.email, message=message, user_id=user.id)
    return True


async def confirm_verification(db: AsyncSession, raw: str, client: ClientInfo) -> User:
    now = utcnow()
    claimed = await repository.consume_token(
        db, EmailVerificationToken, security.token_hash(raw), now
    )
    if claimed is None:
        raise InvalidVerificationToken()
    user_id, email = claimed.user_id, claimed.email
    if not await repository.set_verified(db, user_id, email, now):
        raise InvalidVerificationToken()
    await audit.record_user_event(db, "email_verified", user_id, client)
    user = await repository.get_user(db, user_id)
    assert user is not None
    await db.refresh(user)
    return user
