"""field work: receipts of client-identified session changes (offline sync)

Revision ID: 5e2d8c41f7a9
Revises: 3c1e9a7b5d20
Create Date: 2026-12-03 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from troubletree.migrations import helpers as h

revision: str = "5e2d8c41f7a9"
down_revision: str | None = "3c1e9a7b5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECEIPTS = "session_receipts"


def upgrade() -> None:
    op.create_table(
        RECEIPTS,
        h.identity_pk(),
        h.uuid_ref("session_id"),
        h.uuid_ref("client_id"),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("step_seq", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        h.timestamp_now(),
        h.check(
            RECEIPTS,
            "kind_valid",
            "kind IN ('create', 'step', 'back', 'note', 'complete', 'abandon')",
        ),
        h.fk(RECEIPTS, "session_id", "troubleshooting_sessions", ondelete="CASCADE"),
        h.unique(RECEIPTS, "session_id", "client_id"),
        h.pk(RECEIPTS),
    )


def downgrade() -> None:
    h.drop_tables(RECEIPTS)
