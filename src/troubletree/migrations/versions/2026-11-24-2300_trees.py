"""trees: categories, tags, trees with drafts, immutable versions, search indexes

Revision ID: d5818ddea189
Revises: ce2b2d3a5a06
Create Date: 2026-11-24 22:21:35.991774
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "categories",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_categories_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
    )
    op.create_index(
        "uq_categories_account_id_lower_name",
        "categories",
        ["account_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("usage_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("usage_count >= 0", name=op.f("ck_tags_usage_count_non_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_tags_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
    )
    op.create_index(
        "uq_tags_account_id_lower_name",
        "tags",
        ["account_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "trees",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("draft_graph", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("draft_revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("current_version_id", sa.UUID(), nullable=True),
        sa.Column("usage_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            server_default=sa.text("''::tsvector"),
            nullable=False,
        ),
        sa.Column(
            "search_head",
            postgresql.TSVECTOR(),
            server_default=sa.text("''::tsvector"),
            nullable=False,
        ),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'archived')", name=op.f("ck_trees_status_valid")
        ),
        sa.CheckConstraint("draft_revision >= 1", name=op.f("ck_trees_draft_revision_positive")),
        sa.CheckConstraint("usage_count >= 0", name=op.f("ck_trees_usage_count_non_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_trees_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_trees_category_id_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_trees_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trees")),
    )
    # Keyset pagination of the list (title, updated, most used), live trees only.
    op.create_index(
        "ix_trees_account_id_lower_title_id",
        "trees",
        ["account_id", sa.literal_column("lower(title)"), "id"],
        unique=False,
        postgresql_where=LIVE,
    )
    op.create_index(
        "ix_trees_account_id_updated_at_id",
        "trees",
        ["account_id", "updated_at", "id"],
        unique=False,
        postgresql_where=LIVE,
    )
    op.create_index(
        "ix_trees_account_id_usage_count_id",
        "trees",
        ["account_id", "usage_count", "id"],
        unique=False,
        postgresql_where=LIVE,
    )
    op.create_index(op.f("ix_trees_category_id"), "trees", ["category_id"], unique=False)
    op.create_index(op.f("ix_trees_created_by"), "trees", ["created_by"], unique=False)
    # Search: full text (GIN over the weighted vector) and typo-tolerant titles (trigrams).
    op.create_index(
        "ix_trees_search_vector", "trees", ["search_vector"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_trees_search_head", "trees", ["search_head"], unique=False, postgresql_using="gin"
    )
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
        sa.Column("tree_id", sa.UUID(), nullable=False),
        sa.Column("tag_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tree_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_tree_tags_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tree_id", "tag_id", name="pk_tree_tags"),
    )
    op.create_index(op.f("ix_tree_tags_tag_id"), "tree_tags", ["tag_id"], unique=False)
    op.create_table(
        "tree_versions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("tree_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("graph", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "search_nodes",
            postgresql.TSVECTOR(),
            server_default=sa.text("''::tsvector"),
            nullable=False,
        ),
        sa.Column("changelog", sa.String(length=500), server_default="", nullable=False),
        sa.Column("published_by", sa.UUID(), nullable=True),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_tree_versions_number_positive")),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["users.id"],
            name=op.f("fk_tree_versions_published_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["trees.id"],
            name=op.f("fk_tree_versions_tree_id_trees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_versions")),
        sa.UniqueConstraint("tree_id", "number", name=op.f("uq_tree_versions_tree_id_number")),
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
    op.drop_table("tree_versions")
    op.drop_index(op.f("ix_tree_tags_tag_id"), table_name="tree_tags")
    op.drop_table("tree_tags")
    op.drop_index("ix_trees_title_trgm", table_name="trees")
    op.drop_index("ix_trees_search_head", table_name="trees")
    op.drop_index("ix_trees_search_vector", table_name="trees")
    op.drop_index(op.f("ix_trees_created_by"), table_name="trees")
    op.drop_index(op.f("ix_trees_category_id"), table_name="trees")
    op.drop_index("ix_trees_account_id_usage_count_id", table_name="trees")
    op.drop_index("ix_trees_account_id_updated_at_id", table_name="trees")
    op.drop_index("ix_trees_account_id_lower_title_id", table_name="trees")
    op.drop_table("trees")
    op.drop_index("uq_tags_account_id_lower_name", table_name="tags")
    op.drop_table("tags")
    op.drop_index("uq_categories_account_id_lower_name", table_name="categories")
    op.drop_table("categories")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
