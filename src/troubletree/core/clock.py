"""The one place the app reads the time, so tests can move it (time-machine patches it), and a
change made earlier on a device can be recorded at the moment it was made (`recorded_at`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_recorded_at: ContextVar[datetime | None] = ContextVar("recorded_at", default=None)


def utcnow() -> datetime:
    moment = _recorded_at.get()
    return moment if moment is not None else datetime.now(UTC)


@contextmanager
def recorded_at(moment: datetime | None) -> Iterator[None]:
    """Inside, `utcnow()` answers `moment` (None: the real time)."""
    token = _recorded_at.set(moment)
    try:
        yield
    finally:
        _recorded_at.reset(token)
