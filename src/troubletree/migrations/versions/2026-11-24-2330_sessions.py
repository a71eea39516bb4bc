"""sessions: guided troubleshooting sessions and their append-only step log

Revision ID: 7f84fc50c80b
Revises: d5818ddea189
Create Date: 2026-11-24 22:27:51.113086
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from troubletree.migrations import helpers as h

revision: str = "7f84fc50c80b"
down_revision: str | None = "d5818ddea189"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SESSIONS = "troubleshooting_sessions"


def upgrade() -> None:
    op.create_table(
        SESSIONS,
        h.uuid_pk(),
        h.uuid_ref("account_id"),
        h.uuid_ref("tree_id"),
        h.uuid_ref("tree_version_id"),
        h.uuid_ref("technician_id"),
        h.uuid_ref("created_by", nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        h.jsonb("variables", default="'{}'::jsonb"),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        h.timestamp_now(),
        h.timestamp("started_at"),
        h.timestamp("completed_at"),
        h.timestamp_now("updated_at"),
        h.check(
            SESSIONS,
            "outcome_valid",
            "outcome IS NULL OR outcome IN ('resolved', 'escalated', 'unresolved')",
        ),
        h.check(
            SESSIONS,
            "status_valid",
            "status IN ('prepared', 'in_progress', 'completed', 'abandoned')",
        ),
        h.check(SESSIONS, "revision_positive", "revision >= 1"),
        h.fk(SESSIONS, "account_id", "accounts", ondelete="CASCADE"),
        h.fk(SESSIONS, "created_by", "users", ondelete="SET NULL"),
        h.fk(SESSIONS, "technician_id", "users", ondelete="CASCADE"),
        h.fk(SESSIONS, "tree_id", "trees", ondelete="CASCADE"),
        h.fk(SESSIONS, "tree_version_id", "tree_versions", ondelete="RESTRICT"),
        h.pk(SESSIONS),
    )
    # History pages, newest first: the account's, a technician's, a tree's.
    for name, column in (
        ("account", "account_id"),
        ("technician", "technician_id"),
        ("tree", "tree_id"),
    ):
        op.create_index(
            f"ix_{SESSIONS}_{name}_created", SESSIONS, [column, "created_at", "id"], unique=False
        )
    op.create_index(
        f"ix_{SESSIONS}_search_text",
        SESSIONS,
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_table(
        "session_steps",
        h.identity_pk(),
        h.uuid_ref("session_id"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        h.uuid_ref("version_id", nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=True),
        sa.Column("option_id", sa.String(length=64), nullable=True),
        sa.Column("answer_label", sa.String(length=200), nullable=True),
        h.uuid_ref("to_version_id"),
        sa.Column("to_node_id", sa.String(length=64), nullable=False),
        sa.Column("path_index", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        h.uuid_ref("created_by", nullable=True),
        h.timestamp_now(),
        h.check(
            "session_steps", "kind_valid", "kind IN ('start', 'answer', 'auto', 'link', 'back')"
        ),
        h.fk("session_steps", "created_by", "users", ondelete="SET NULL"),
        h.fk("session_steps", "session_id", SESSIONS, ondelete="CASCADE"),
        h.pk("session_steps"),
        h.unique("session_steps", "session_id", "seq"),
    )


def downgrade() -> None:
    h.drop_tables("session_steps", SESSIONS)
