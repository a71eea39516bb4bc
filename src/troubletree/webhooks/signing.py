"""The webhook signature (pure): HMAC-SHA256 over `<timestamp>.<body>` with the endpoint's
secret, sent as `TroubleTree-Signature: t=<unix seconds>,v1=<hex digest>`.

A receiver recomputes the digest over the timestamp it was given and the raw body, compares in
constant time, and refuses a timestamp too far from its own clock (a replayed request)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "TroubleTree-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (the README shows the same in a few lines)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))
