"""field work: receipts of client-identified session changes (offline sync), attachments and
the stored files waiting for removal

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
ATTACHMENTS = "attachments"
REMOVALS = "stored_file_removals"

# Whatever deletes an attachment (itself, its session, its account), its files are queued.
QUEUE_REMOVAL = """
CREATE FUNCTION attachments_queue_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stored_file_removals (storage_key) VALUES (OLD.storage_key);
    IF OLD.thumbnail_key IS NOT NULL THEN
        INSERT INTO stored_file_removals (storage_key) VALUES (OLD.thumbnail_key);
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER attachments_queue_removal AFTER DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_queue_removal();
"""


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
    op.create_table(
        ATTACHMENTS,
        h.uuid_pk(),
        h.uuid_ref("account_id"),
        h.uuid_ref("session_id"),
        h.uuid_ref("client_id", nullable=True),
        sa.Column("at_seq", sa.Integer(), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("file_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        h.uuid_ref("created_by", nullable=True),
        h.timestamp_now(),
        h.check(ATTACHMENTS, "kind_valid", "kind IN ('image', 'pdf')"),
        h.check(ATTACHMENTS, "size_nonnegative", "size_bytes >= 0"),
        h.fk(ATTACHMENTS, "account_id", "accounts", ondelete="CASCADE"),
        h.fk(ATTACHMENTS, "session_id", "troubleshooting_sessions", ondelete="CASCADE"),
        h.fk(ATTACHMENTS, "created_by", "users", ondelete="SET NULL"),
        h.unique(ATTACHMENTS, "session_id", "client_id"),
        h.pk(ATTACHMENTS),
    )
    op.create_index(f"ix_{ATTACHMENTS}_session_created", ATTACHMENTS, ["session_id", "created_at"])
    h.create_indexes(ATTACHMENTS, "account_id")
    op.create_table(
        REMOVALS,
        h.identity_pk(),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        h.timestamp_now(),
        h.pk(REMOVALS),
    )
    op.execute(QUEUE_REMOVAL)


def downgrade() -> None:
    op.execute(f"DROP TRIGGER attachments_queue_removal ON {ATTACHMENTS}")
    op.execute("DROP FUNCTION attachments_queue_removal()")
    h.drop_tables(REMOVALS, ATTACHMENTS, RECEIPTS)
