"""api keys, and the audit log read newest first per account

Revision ID: 5b2d8e4f9a13
Revises: 3c1e9a7b5d20
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from troubletree.migrations import helpers as h

revision: str = "5b2d8e4f9a13"
down_revision: str | None = "3c1e9a7b5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = "api_keys"
AUDIT = "audit_events"


def upgrade() -> None:
    op.create_table(
        KEYS,
        h.uuid_pk(),
        h.uuid_ref("account_id"),
        sa.Column("name", sa.String(length=100), nullable=False),
        h.role(),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_hint", sa.String(length=12), nullable=False),
        h.uuid_ref("created_by"),
        h.timestamp("expires_at"),
        h.timestamp("last_used_at"),
        sa.Column("last_used_ip", sa.String(length=64), nullable=True),
        h.timestamp("revoked_at"),
        h.uuid_ref("revoked_by", nullable=True),
        h.timestamp_now(),
        h.role_check(KEYS),
        h.fk(KEYS, "account_id", "accounts", ondelete="CASCADE"),
        h.fk(KEYS, "created_by", "users", ondelete="CASCADE"),
        h.fk(KEYS, "revoked_by", "users", ondelete="SET NULL"),
        h.unique(KEYS, "key_hash"),
        h.pk(KEYS),
    )
    h.create_indexes(KEYS, "account_id", "created_by")
    # An account's audit log, newest first, read by keyset (account_id, id).
    op.create_index(f"ix_{AUDIT}_account_id_id", AUDIT, ["account_id", sa.text("id DESC")])


def downgrade() -> None:
    op.drop_index(f"ix_{AUDIT}_account_id_id", table_name=AUDIT)
    h.drop_tables(KEYS)
