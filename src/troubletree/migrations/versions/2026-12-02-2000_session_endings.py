"""session endings: why a session was abandoned, its outcome label and how many answers it has

Revision ID: 3c1e9a7b5d20
Revises: 7f84fc50c80b
Create Date: 2026-12-02 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1e9a7b5d20"
down_revision: str | None = "7f84fc50c80b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SESSIONS = "troubleshooting_sessions"
REASONS = "('solved_elsewhere', 'customer_left', 'wrong_tree', 'other')"


def upgrade() -> None:
    op.add_column(SESSIONS, sa.Column("abandon_reason", sa.String(length=20), nullable=True))
    op.add_column(SESSIONS, sa.Column("abandon_note", sa.Text(), nullable=True))
    op.add_column(SESSIONS, sa.Column("outcome_label", sa.String(length=80), nullable=True))
    op.add_column(
        SESSIONS, sa.Column("answer_count", sa.Integer(), server_default="0", nullable=False)
    )
    # Sessions that already have answers count them once.
    op.execute(
        "UPDATE troubleshooting_sessions s SET answer_count = c.n FROM ("
        "SELECT session_id, count(*) AS n FROM session_steps WHERE kind = 'answer' "
        "GROUP BY session_id) c WHERE c.session_id = s.id"
    )
    op.create_check_constraint(
        op.f(f"ck_{SESSIONS}_abandon_reason_valid"),
        SESSIONS,
        f"abandon_reason IS NULL OR abandon_reason IN {REASONS}",
    )
    op.create_check_constraint(
        op.f(f"ck_{SESSIONS}_answer_count_nonnegative"), SESSIONS, "answer_count >= 0"
    )
    # The outcome-label filter and the account's distinct labels.
    op.create_index(
        f"ix_{SESSIONS}_account_outcome_label",
        SESSIONS,
        ["account_id", "outcome_label"],
        unique=False,
        postgresql_where=sa.text("outcome_label IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(f"ix_{SESSIONS}_account_outcome_label", table_name=SESSIONS)
    op.drop_constraint(op.f(f"ck_{SESSIONS}_answer_count_nonnegative"), SESSIONS)
    op.drop_constraint(op.f(f"ck_{SESSIONS}_abandon_reason_valid"), SESSIONS)
    for column in ("answer_count", "outcome_label", "abandon_note", "abandon_reason"):
        op.drop_column(SESSIONS, column)
