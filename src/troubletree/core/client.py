"""Where a request came from, as recorded with sign-ins and audit events."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientInfo:
    ip: str
    user_agent: str | None = None
