"""Passwords, access tokens (JWT) and opaque tokens.

- Passwords: argon2 via pwdlib, hashed in a small pool of threads of its own so the event loop
  stays free (see `_hash_pool`).
- Access tokens: HS256 only (the algorithm is pinned on decode), with iss, aud, exp, iat, sub,
  jti, a `typ` of "access" and `sid` (the refresh family the token was issued from).
- Opaque tokens (refresh, reset, verification, invites): 256-bit random, stored only as SHA-256.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from troubletree.core.clock import utcnow
from troubletree.core.config import Settings

T = TypeVar("T")

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
JWT_ALGORITHM = "HS256"


# --------------------------------------------------------------------------- passwords


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHash:
    return PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))


def password_hasher(settings: Settings) -> PasswordHash:
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_kib)


# Worker processes of one server on this machine (`serve --workers N` sets it for them).
SERVER_WORKERS_ENV = "TROUBLETREE_SERVER_WORKERS"
# How much less CPU a hashing thread gets than a thread serving requests when both want it.
HASH_THREAD_NICENESS = 19


def hash_threads(settings: Settings) -> int:
    """Hashes this process runs at once: PASSWORD_HASH_THREADS, else the machine's cores
    shared among the server's worker processes, at least one."""
    if settings.password_hash_threads:
        return settings.password_hash_threads
    workers = max(1, int(os.environ.get(SERVER_WORKERS_ENV) or 1))
    return max(1, (os.cpu_count() or 1) // workers)


def _lower_priority() -> None:
    """Runs in each hashing thread as it starts: Linux gives a thread its own nice value, so
    sign-ins still get the CPU when nothing else wants it and yield it to requests that do."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not permitted
        thread = threading.get_native_id()
        niceness = os.getpriority(os.PRIO_PROCESS, thread) + HASH_THREAD_NICENESS
        os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness))


@lru_cache(maxsize=4)
def _hash_pool(threads: int) -> ThreadPoolExecutor:
    """The threads sign-ins hash in. Bounded, so a storm of sign-ins queues for a hasher
    instead of running dozens of argon2 hashes at once (each holding 64 MiB and a core while
    the event loop waits its turn), and lowered in priority, so the requests of everyone
    else stay fast meanwhile. argon2's C code releases the GIL, so threads suffice."""
    return ThreadPoolExecutor(
        max_workers=threads, thread_name_prefix="password-hash", initializer=_lower_priority
    )


_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def hashing_turn(settings: Settings) -> asyncio.Semaphore:
    """A turn at the hashers, one per thread of the pool (per event loop): held by a sign-in
    from its first statement to the end of its hash, so the sign-ins waiting for a hasher hold
    no database connection meanwhile."""
    loop = asyncio.get_running_loop()
    turn = _turns.get(loop)
    if turn is None:
        turn = _turns[loop] = asyncio.Semaphore(hash_threads(settings))
    return turn


async def _in_hash_pool(settings: Settings, fn: Callable[..., T], *args: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hash_pool(hash_threads(settings)), fn, *args)


async def hash_password(settings: Settings, password: str) -> str:
    return await _in_hash_pool(settings, password_hasher(settings).hash, password)


async def verify_password(settings: Settings, password: str, password_hash: str | None) -> bool:
    """Checks a password; with no stored hash it still spends one hash, so an unknown email
    takes as long as a wrong password."""
    hasher = password_hasher(settings)
    if password_hash is None:
        await _in_hash_pool(settings, hasher.hash, password)
        return False
    try:
        return await _in_hash_pool(settings, hasher.verify, password, password_hash)
    except Exception:  # a malformed stored hash is a failed check, never a 500
        return False


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("troubletree").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, settings: Settings, *, email: str | None = None) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < settings.password_min_length:
        return f"Use at least {settings.password_min_length} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return "This password is too common. Choose something harder to guess."
    if email:
        local = email.split("@", 1)[0].lower()
        if len(local) >= 4 and local in lowered and len(lowered) - len(local) < 4:
            return "The password must not be based on your email address."
    return None


# --------------------------------------------------------------------------- opaque tokens


def new_token() -> str:
    """256 bits from the OS CSPRNG, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def derive_token(settings: Settings, purpose: str, raw: str) -> str:
    """A deterministic token derived from `raw` under the server key (HMAC-SHA-256).

    Used for the successor of a refresh token: a repeat inside the grace window can be given the
    very same successor without the raw successor ever being stored.
    """
    mac = hmac.new(
        settings.ensure_secret_key().encode(), f"{purpose}:{raw}".encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def new_typed_code(groups: int = 3, size: int = 5) -> str:
    """A code people type: 15 symbols of 31 = 74 bits, grouped for reading (XXXXX-XXXXX-XXXXX)."""
    return "-".join(
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(size)) for _ in range(groups)
    )


def normalise_typed_code(code: str) -> str:
    """Typed codes compare case- and separator-insensitively."""
    return "".join(ch for ch in code if ch.isalnum()).upper()


# --------------------------------------------------------------------------- access tokens


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    family_id: uuid.UUID
    jti: str
    expires_at: datetime


def create_access_token(
    settings: Settings, *, user_id: uuid.UUID, family_id: uuid.UUID
) -> tuple[str, int]:
    now = utcnow()
    ttl = settings.access_token_ttl_seconds
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "sid": str(family_id),
        "typ": ACCESS_TOKEN_TYPE,
        "jti": secrets.token_urlsafe(16),
        "iat": now,
        "nbf": now - timedelta(seconds=1),
        "exp": now + timedelta(seconds=ttl),
    }
    token = jwt.encode(claims, settings.ensure_secret_key(), algorithm=JWT_ALGORITHM)
    return token, ttl


# Access tokens verified lately, per process. A signed-in client presents the same token on
# every request until it refreshes, and verifying its signature and claims again is a
# measurable share of a cheap request (bench/README.md). Keyed by everything the check uses
# (signing key, audience, issuer) and the token's exact text, so only those very bytes,
# verified under those very settings, are found; every
# use still checks expiry and not-before against the clock as PyJWT does (no leeway), and
# whether the sign-in is still live is read from the database on every request as before.
VERIFIED_TOKENS_KEPT = 10_000
_verified: dict[tuple[str, str, str, str], tuple[AccessClaims, float, float]] = {}


def decode_access_token(settings: Settings, token: str) -> AccessClaims | None:
    """The claims of a valid access token, or None for anything else (any other kind of token,
    a forged or expired one, another algorithm)."""
    key = settings.ensure_secret_key()
    remembered = (key, settings.jwt_audience, settings.jwt_issuer, token)
    found = _verified.get(remembered)
    if found is not None:
        claims, not_before, expires = found
        now = time.time()
        if not_before <= now < expires:
            return claims
        _verified.pop(remembered, None)
        return None
    try:
        decoded = jwt.decode(
            token,
            key,
            algorithms=[JWT_ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=0,
            options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
        )
        if decoded.get("typ") != ACCESS_TOKEN_TYPE:
            return None
        claims = AccessClaims(
            user_id=uuid.UUID(decoded["sub"]),
            family_id=uuid.UUID(decoded["sid"]),
            jti=str(decoded["jti"]),
            expires_at=datetime.fromtimestamp(decoded["exp"], tz=utcnow().tzinfo),
        )
        not_before = float(decoded.get("nbf", float("-inf")))
        expires = float(decoded["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
    if len(_verified) >= VERIFIED_TOKENS_KEPT:
        with contextlib.suppress(StopIteration, RuntimeError):
            _verified.pop(next(iter(_verified)), None)  # the oldest entry
    _verified[remembered] = (claims, not_before, expires)
    return claims
