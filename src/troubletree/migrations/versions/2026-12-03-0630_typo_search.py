"""typo-tolerant search: the words of each tree and version, the account's vocabulary, and the
searches that found nothing

Revision ID: 8e4f2a6c1b93
Revises: 3c1e9a7b5d20
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from troubletree.migrations import helpers as h

revision: str = "8e4f2a6c1b93"
down_revision: str | None = "3c1e9a7b5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words of a text as typed (lower-cased, not stemmed): letters only, 4 to 30 of them.
# A copy of trees.repository.search.spellings_sql at the time of this migration.
SPELLINGS = (
    "ARRAY(SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple', {text}))) AS w "
    "WHERE w ~ '^[[:alpha:]]{{4,30}}$' ORDER BY w)"
)
NODE_TEXT = (
    "(SELECT string_agg(concat_ws(' ', n->>'title', n->>'body'), ' ') "
    "FROM jsonb_array_elements(v.graph->'nodes') AS n)"
)
HEAD_TEXT = (
    "concat_ws(' ', t.title, t.description, "
    "(SELECT c.name FROM categories c WHERE c.id = t.category_id), "
    "(SELECT string_agg(g.name, ' ') FROM tree_tags tt JOIN tags g ON g.id = tt.tag_id "
    "WHERE tt.tree_id = t.id))"
)


def _spellings_column() -> sa.Column[object]:
    return sa.Column(
        "search_spellings",
        postgresql.ARRAY(sa.Text()),
        server_default=sa.text("'{}'::text[]"),
        nullable=False,
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.add_column("tree_versions", _spellings_column())
    op.add_column("trees", _spellings_column())
    # A new column, not part of what the immutability trigger guards.
    op.execute(
        f"UPDATE tree_versions v SET search_spellings = {SPELLINGS.format(text=NODE_TEXT)}"  # noqa: S608
    )
    op.execute(
        "UPDATE trees t SET search_spellings = ARRAY(SELECT DISTINCT w FROM unnest("  # noqa: S608
        f"{SPELLINGS.format(text=HEAD_TEXT)} || coalesce((SELECT v.search_spellings "
        "FROM tree_versions v WHERE v.id = t.current_version_id), '{}')) AS w ORDER BY w) "
        "WHERE t.deleted_at IS NULL"
    )
    op.create_table(
        "search_vocabulary",
        h.uuid_ref("account_id"),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("letters", sa.Text(), nullable=False),
        sa.Column("is_stop", sa.Boolean(), nullable=False),
        sa.Column("tree_count", sa.Integer(), nullable=False),
        h.fk("search_vocabulary", "account_id", "accounts", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "word", name=op.f("pk_search_vocabulary")),
    )
    op.create_index(
        "ix_search_vocabulary_account_id_word_trgm",
        "search_vocabulary",
        ["account_id", "word"],
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_search_vocabulary_account_id_letters_trgm",
        "search_vocabulary",
        ["account_id", "letters"],
        postgresql_using="gin",
        postgresql_ops={"letters": "gin_trgm_ops"},
    )
    op.execute(
        "INSERT INTO search_vocabulary (account_id, word, letters, is_stop, tree_count) "
        "SELECT t.account_id, w, array_to_string(ARRAY(SELECT c FROM regexp_split_to_table(w, '') "
        "AS c ORDER BY c COLLATE \"C\"), ''), "
        "numnode(plainto_tsquery('english', w)) = 0, count(*) "
        "FROM trees t, unnest(t.search_spellings) AS w "
        "WHERE t.deleted_at IS NULL GROUP BY t.account_id, w"
    )
    op.create_table(
        "empty_searches",
        h.uuid_pk(),
        h.uuid_ref("account_id"),
        h.uuid_ref("user_id", nullable=True),
        sa.Column("query", sa.String(length=200), nullable=False),
        h.timestamp_now(),
        h.fk("empty_searches", "account_id", "accounts", ondelete="CASCADE"),
        h.fk("empty_searches", "user_id", "users", ondelete="SET NULL"),
        h.pk("empty_searches"),
    )
    op.create_index(
        "ix_empty_searches_account_id_created_at", "empty_searches", ["account_id", "created_at"]
    )
    op.create_index("ix_empty_searches_user_id", "empty_searches", ["user_id"])


def downgrade() -> None:
    h.drop_tables("empty_searches", "search_vocabulary")
    op.drop_column("trees", "search_spellings")
    op.drop_column("tree_versions", "search_spellings")
    op.execute("DROP EXTENSION IF EXISTS btree_gin")
    op.execute("DROP EXTENSION IF EXISTS fuzzystrmatch")
