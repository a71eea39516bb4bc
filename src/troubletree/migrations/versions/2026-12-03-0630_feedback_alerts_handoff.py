"""node feedback, change alert dismissals, the escalation address and escalation hand-offs

Revision ID: 5b2d8e41c7a9
Revises: 3c1e9a7b5d20
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from troubletree.migrations.helpers import (
    check,
    fk,
    identity_pk,
    pk,
    timestamp,
    timestamp_now,
    unique,
    uuid_pk,
    uuid_ref,
)

revision: str = "5b2d8e41c7a9"
down_revision: str | None = "3c1e9a7b5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FEEDBACK = "node_feedback"
REPLIES = "node_feedback_replies"
DISMISSALS = "change_alert_dismissals"
HANDOFFS = "escalation_handoffs"


def upgrade() -> None:
    op.add_column("accounts", sa.Column("escalation_email", sa.String(length=320), nullable=True))

    op.create_table(
        FEEDBACK,
        uuid_pk(),
        uuid_ref("account_id"),
        uuid_ref("tree_id"),
        uuid_ref("version_id"),
        uuid_ref("session_id"),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("node_title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        uuid_ref("created_by", nullable=True),
        timestamp_now("updated_at"),
        timestamp("resolved_at"),
        uuid_ref("resolved_by", nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        timestamp("reporter_seen_at"),
        timestamp_now(),
        check(FEEDBACK, "kind_valid", "kind IN ('didnt_help', 'unclear', 'wrong')"),
        check(FEEDBACK, "status_valid", "status IN ('open', 'resolved')"),
        fk(FEEDBACK, "account_id", "accounts", ondelete="CASCADE"),
        fk(FEEDBACK, "tree_id", "trees", ondelete="CASCADE"),
        fk(FEEDBACK, "version_id", "tree_versions", ondelete="CASCADE"),
        fk(FEEDBACK, "session_id", "troubleshooting_sessions", ondelete="CASCADE"),
        fk(FEEDBACK, "created_by", "users", ondelete="SET NULL"),
        fk(FEEDBACK, "resolved_by", "users", ondelete="SET NULL"),
        pk(FEEDBACK),
        unique(FEEDBACK, "session_id", "version_id", "node_id", "kind"),
    )
    op.create_index(
        f"ix_{FEEDBACK}_account_id_tree_id_status", FEEDBACK, ["account_id", "tree_id", "status"]
    )
    op.create_index(f"ix_{FEEDBACK}_created_by_created_at", FEEDBACK, ["created_by", "created_at"])

    op.create_table(
        REPLIES,
        identity_pk(),
        uuid_ref("feedback_id"),
        uuid_ref("author_id", nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        timestamp_now(),
        fk(REPLIES, "feedback_id", FEEDBACK, ondelete="CASCADE"),
        fk(REPLIES, "author_id", "users", ondelete="SET NULL"),
        pk(REPLIES),
    )
    op.create_index(f"ix_{REPLIES}_feedback_id", REPLIES, ["feedback_id"])

    op.create_table(
        DISMISSALS,
        uuid_ref("user_id"),
        uuid_ref("version_id"),
        uuid_ref("account_id"),
        uuid_ref("tree_id"),
        timestamp_now("dismissed_at"),
        fk(DISMISSALS, "user_id", "users", ondelete="CASCADE"),
        fk(DISMISSALS, "version_id", "tree_versions", ondelete="CASCADE"),
        fk(DISMISSALS, "account_id", "accounts", ondelete="CASCADE"),
        fk(DISMISSALS, "tree_id", "trees", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "version_id", name=op.f(f"pk_{DISMISSALS}")),
    )
    op.create_index(f"ix_{DISMISSALS}_account_id", DISMISSALS, ["account_id"])
    op.create_index(f"ix_{DISMISSALS}_tree_id", DISMISSALS, ["tree_id"])

    op.create_table(
        HANDOFFS,
        uuid_pk(),
        uuid_ref("account_id"),
        uuid_ref("session_id"),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_via", sa.String(length=10), nullable=True),
        timestamp_now(),
        timestamp("sent_at"),
        check(HANDOFFS, "status_valid", "status IN ('pending', 'sent', 'failed')"),
        check(HANDOFFS, "attempts_nonnegative", "attempts >= 0"),
        fk(HANDOFFS, "account_id", "accounts", ondelete="CASCADE"),
        fk(HANDOFFS, "session_id", "troubleshooting_sessions", ondelete="CASCADE"),
        pk(HANDOFFS),
        unique(HANDOFFS, "session_id"),
    )
    op.create_index(f"ix_{HANDOFFS}_account_id", HANDOFFS, ["account_id"])


def downgrade() -> None:
    op.drop_table(HANDOFFS)
    op.drop_table(DISMISSALS)
    op.drop_table(REPLIES)
    op.drop_table(FEEDBACK)
    op.drop_column("accounts", "escalation_email")
