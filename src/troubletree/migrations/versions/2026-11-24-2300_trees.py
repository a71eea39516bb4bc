"""trees: categories, tags, trees with drafts, immutable versions, search indexes

Revision ID: d5818ddea189
Revises: ce2b2d3a5a06
Create Date: 2026-11-24 22:21:35.991774
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from troubletree.migrations import helpers as h

revision: str = "d5818ddea189"
down_revision: str | None = "ce2b2d3a5a06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("deleted_at IS NULL")

# A published version never changes; only published_by may be cleared when its user goes.
IMMUTABLE_VERSIONS = """
CREATE FUNCTION tree_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.tree_id IS DISTINCT FROM OLD.tree_id
       OR NEW.number IS DISTINCT FROM OLD.number
       OR NEW.title IS DISTINCT FROM OLD.title
       OR NEW.graph IS DISTINCT FROM OLD.graph
       OR NEW.search_nodes IS DISTINCT FROM OLD.search_nodes
       OR NEW.changelog IS DISTINCT FROM OLD.changelog
       OR NEW.published_at IS DISTINCT FROM OLD.published_at
       OR (NEW.published_by IS DISTINCT FROM OLD.published_by AND NEW.published_by IS NOT NULL)
    THEN
        RAISE EXCEPTION 'tree versions are immutable (version %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tree_versions_immutable BEFORE UPDATE ON tree_versions
    FOR EACH ROW EXECUTE FUNCTION tree_versions_immutable();
"""


def _named_per_account(table: str, *columns: h.Column | sa.CheckConstraint) -> None:
    """Categories and tags: an account's own, named uniquely regardless of case."""
    op.create_table(
        table,
        h.uuid_pk(),
        h.uuid_ref("account_id"),
        *columns,
        h.fk(table, "account_id", "accounts", ondelete="CASCADE"),
        h.pk(table),
    )
    op.create_index(
        f"uq_{table}_account_id_lower_name",
        table,
        ["account_id", sa.literal_column("lower(name)")],
        unique=True,
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _named_per_account(
        "categories",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        h.timestamp_now(),
    )
    _named_per_account(
        "tags",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("usage_count", sa.Integer(), server_default="0", nullable=False),
        h.timestamp_now(),
        h.check("tags", "usage_count_non_negative", "usage_count >= 0"),
    )
    op.create_table(
        "trees",
        h.uuid_pk(),
        h.uuid_ref("account_id"),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        h.uuid_ref("category_id", nullable=True),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        h.jsonb("draft_graph"),
        sa.Column("draft_revision", sa.Integer(), server_default="1", nullable=False),
        h.uuid_ref("current_version_id", nullable=True),
        sa.Column("usage_count", sa.Integer(), server_default="0", nullable=False),
        h.tsvector("search_vector"),
        h.tsvector("search_head"),
        h.uuid_ref("created_by", nullable=True),
        h.timestamp_now("updated_at"),
        h.timestamp("deleted_at"),
        h.timestamp_now(),
        h.check("trees", "status_valid", "status IN ('draft', 'published', 'archived')"),
        h.check("trees", "draft_revision_positive", "draft_revision >= 1"),
        h.check("trees", "usage_count_non_negative", "usage_count >= 0"),
        h.fk("trees", "account_id", "accounts", ondelete="CASCADE"),
        h.fk("trees", "category_id", "categories", ondelete="SET NULL"),
        h.fk("trees", "created_by", "users", ondelete="SET NULL"),
        h.pk("trees"),
    )
    # Keyset pagination of the list (title, updated, most used), live trees only.
    for name, order in (
        ("lower_title", sa.literal_column("lower(title)")),
        ("updated_at", "updated_at"),
        ("usage_count", "usage_count"),
    ):
        op.create_index(
            f"ix_trees_account_id_{name}_id",
            "trees",
            ["account_id", order, "id"],
            unique=False,
            postgresql_where=LIVE,
        )
    h.create_indexes("trees", "category_id", "created_by")
    # Search: full text (GIN over the weighted vector) and typo-tolerant titles (trigrams).
    for vector in ("search_vector", "search_head"):
        op.create_index(f"ix_trees_{vector}", "trees", [vector], postgresql_using="gin")
    op.create_index(
        "ix_trees_title_trgm",
        "trees",
        ["title"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_table(
        "tree_tags",
        h.uuid_ref("tree_id"),
        h.uuid_ref("tag_id"),
        h.timestamp_now(),
        h.fk("tree_tags", "tag_id", "tags", ondelete="CASCADE"),
        h.fk("tree_tags", "tree_id", "trees", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tree_id", "tag_id", name="pk_tree_tags"),
    )
    h.create_indexes("tree_tags", "tag_id")
    op.create_table(
        "tree_versions",
        h.uuid_pk(),
        h.uuid_ref("tree_id"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        h.jsonb("graph"),
        h.tsvector("search_nodes"),
        sa.Column("changelog", sa.String(length=500), server_default="", nullable=False),
        h.uuid_ref("published_by", nullable=True),
        h.timestamp_now("published_at"),
        h.check("tree_versions", "number_positive", "number >= 1"),
        h.fk("tree_versions", "published_by", "users", ondelete="SET NULL"),
        h.fk("tree_versions", "tree_id", "trees", ondelete="CASCADE"),
        h.pk("tree_versions"),
        h.unique("tree_versions", "tree_id", "number"),
    )
    # trees <-> tree_versions reference each other: the second key is added once both exist.
    op.create_foreign_key(
        op.f("fk_trees_current_version_id_tree_versions"),
        "trees",
        "tree_versions",
        ["current_version_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.execute(IMMUTABLE_VERSIONS)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tree_versions_immutable ON tree_versions")
    op.execute("DROP FUNCTION IF EXISTS tree_versions_immutable()")
    op.drop_constraint(
        op.f("fk_trees_current_version_id_tree_versions"), "trees", type_="foreignkey"
    )
    h.drop_tables("tree_versions", "tree_tags", "trees", "tags", "categories")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
