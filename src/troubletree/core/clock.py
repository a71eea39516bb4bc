"""The one place the app reads the time, so tests can move it (time-machine patches it)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
