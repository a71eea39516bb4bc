"""search vocabulary (typo-tolerant search) and searches that found nothing

Revision ID: 3b9e51c0a7d2
Revises: 7f84fc50c80b
Create Date: 2026-12-02 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from troubletree.migrations import helpers as h

revision: str = "3b9e51c0a7d2"
down_revision: str | None = "7f84fc50c80b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_words",
        h.uuid_ref("account_id"),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("trees", sa.Integer(), server_default="0", nullable=False),
        h.check("search_words", "trees_non_negative", "trees >= 0"),
        h.fk("search_words", "account_id", "accounts", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "word", name=op.f("pk_search_words")),
    )
    op.create_index(
        "ix_search_words_word_trgm",
        "search_words",
        ["word"],
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    # The vocabulary of the trees that exist already.
    op.execute(
        "INSERT INTO search_words (account_id, word, trees) "
        "SELECT t.account_id, w.word, count(*) FROM trees t, "
        "unnest(tsvector_to_array(t.search_vector)) AS w(word) "
        "WHERE t.deleted_at IS NULL GROUP BY t.account_id, w.word"
    )
    op.create_table(
        "search_misses",
        h.uuid_pk(),
        h.uuid_ref("account_id"),
        h.uuid_ref("user_id", nullable=True),
        sa.Column("query", sa.String(length=200), nullable=False),
        h.timestamp_now(),
        h.pk("search_misses"),
        h.fk("search_misses", "account_id", "accounts", ondelete="CASCADE"),
        h.fk("search_misses", "user_id", "users", ondelete="SET NULL"),
    )
    op.create_index(
        "ix_search_misses_account_id_created_at", "search_misses", ["account_id", "created_at"]
    )


def downgrade() -> None:
    h.drop_tables("search_misses", "search_words")
