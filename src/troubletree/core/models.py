"""Column helpers shared by every domain's ORM models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from sqlalchemy import DateTime, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.clock import utcnow

UUIDPk = Annotated[
    uuid.UUID,
    mapped_column(
        UUID(as_uuid=True),
        primary_key=True,
        default=uuid.uuid4,
        server_default=text("gen_random_uuid()"),
    ),
]
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True))]


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )


# The largest PostgreSQL `integer`: request integers that meet such a column (revisions, version
# numbers, indexes) are range-checked against it, so they answer 422, not a database error.
INT4_MAX = 2**31 - 1
