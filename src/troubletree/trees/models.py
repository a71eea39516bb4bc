"""Trees, their immutable published versions, categories and tags."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from troubletree.core.clock import utcnow
from troubletree.core.db import Base
from troubletree.core.models import CreatedAtMixin, UUIDPk

# The text-search configuration of every search vector and query (an SQL literal, never input).
SEARCH_CONFIG = "english"

LIVE = text("deleted_at IS NULL")


class TreeStatus(enum.StrEnum):
    draft = "draft"  # never published, or taken off line: technicians do not see it
    published = "published"  # technicians run its current version
    archived = "archived"  # kept for history; hidden from technicians


STATUS_CHECK = "status IN ('draft', 'published', 'archived')"


class Category(CreatedAtMixin, Base):
    __tablename__ = "categories"
    __table_args__ = (
        Index(
            "uq_categories_account_id_lower_name", "account_id", text("lower(name)"), unique=True
        ),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(120))


class Tag(CreatedAtMixin, Base):
    """A label shared by trees of one account. `usage_count` is the number of live trees
    carrying it, changed only by SQL-side increments when a link row is really added or
    removed."""

    __tablename__ = "tags"
    __table_args__ = (
        CheckConstraint("usage_count >= 0", name="usage_count_non_negative"),
        Index("uq_tags_account_id_lower_name", "account_id", text("lower(name)"), unique=True),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(50))
    usage_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Tree(CreatedAtMixin, Base):
    """The mutable part of a tree: metadata and the draft graph (optimistic concurrency through
    `draft_revision`). What technicians run is `current_version_id`, an immutable snapshot."""

    __tablename__ = "trees"
    __table_args__ = (
        CheckConstraint(STATUS_CHECK, name="status_valid"),
        CheckConstraint("usage_count >= 0", name="usage_count_non_negative"),
        CheckConstraint("draft_revision >= 1", name="draft_revision_positive"),
        Index("ix_trees_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_trees_search_head", "search_head", postgresql_using="gin"),
        Index(
            "ix_trees_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        # Keyset pagination of the list in its three orders, live trees only.
        Index(
            "ix_trees_account_id_lower_title_id",
            "account_id",
            text("lower(title)"),
            "id",
            postgresql_where=LIVE,
        ),
        Index(
            "ix_trees_account_id_updated_at_id",
            "account_id",
            "updated_at",
            "id",
            postgresql_where=LIVE,
        ),
        Index(
            "ix_trees_account_id_usage_count_id",
            "account_id",
            "usage_count",
            "id",
            postgresql_where=LIVE,
        ),
    )

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(
        String(20), default=TreeStatus.draft, server_default=TreeStatus.draft.value
    )
    draft_graph: Mapped[dict[str, Any]] = mapped_column(
        JSONB, deferred=True, deferred_raiseload=True
    )
    draft_revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    current_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("tree_versions.id", ondelete="SET NULL", use_alter=True),
    )
    usage_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What search matches: title (A), tags (B), category and description (C), and the node
    # text of the current version (D, lexemes only).
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR, server_default=text("''::tsvector"), deferred=True, deferred_raiseload=True
    )
    # What search ranks by: title (A) and tags (B) only, small enough to rank thousands of
    # matches in milliseconds; matches elsewhere are listed after these, most used first.
    search_head: Mapped[Any] = mapped_column(
        TSVECTOR, server_default=text("''::tsvector"), deferred=True, deferred_raiseload=True
    )
    # The words of all that text as typed (lower-cased, unstemmed, letters only, sorted): what
    # the tree adds to the account's search vocabulary (`SearchWord`).
    search_spellings: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]"), deferred=True, deferred_raiseload=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TreeTag(CreatedAtMixin, Base):
    __tablename__ = "tree_tags"
    __table_args__ = (PrimaryKeyConstraint("tree_id", "tag_id", name="pk_tree_tags"),)

    tree_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("trees.id", ondelete="CASCADE")
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tags.id", ondelete="CASCADE"), index=True
    )


class TreeVersion(Base):
    """A published graph. Immutable once written (a trigger refuses changes to its content);
    it stays readable after its tree is deleted, for the sessions that ran it."""

    __tablename__ = "tree_versions"
    __table_args__ = (
        UniqueConstraint("tree_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[UUIDPk]
    tree_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("trees.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    graph: Mapped[dict[str, Any]] = mapped_column(JSONB, deferred=True, deferred_raiseload=True)
    # Node titles and bodies, positions stripped: joined into trees.search_vector.
    search_nodes: Mapped[Any] = mapped_column(
        TSVECTOR, server_default=text("''::tsvector"), deferred=True, deferred_raiseload=True
    )
    # The node text's words as typed (see Tree.search_spellings), written with the version.
    search_spellings: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]"), deferred=True, deferred_raiseload=True
    )
    changelog: Mapped[str] = mapped_column(String(500), default="", server_default="")
    published_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )


class SearchWord(Base):
    """The account's search vocabulary: every word (as typed, see `Tree.search_spellings`) of
    its live trees, with how many of them hold it. Changed only by adding the differences a
    transaction made to its trees' spellings, as that transaction's last write and in word
    order (`repository.search.count_words`); words no tree holds any more are deleted. Typo
    tolerant search looks query words up here (trigram indexes on the word and on its
    sorted letters, then edit distance)."""

    __tablename__ = "search_vocabulary"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "word", name="pk_search_vocabulary"),
        Index(
            "ix_search_vocabulary_account_id_word_trgm",
            "account_id",
            "word",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        ),
        Index(
            "ix_search_vocabulary_account_id_letters_trgm",
            "account_id",
            "letters",
            postgresql_using="gin",
            postgresql_ops={"letters": "gin_trgm_ops"},
        ),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    word: Mapped[str] = mapped_column(Text)
    # The word's letters sorted (code point order): found by trigrams when swapped letters
    # leave the word itself few in common with the query word.
    letters: Mapped[str] = mapped_column(Text)
    # The search configuration indexes nothing of it ("when"): written once, when it enters.
    is_stop: Mapped[bool] = mapped_column(Boolean)
    tree_count: Mapped[int] = mapped_column(Integer)


class EmptySearch(CreatedAtMixin, Base):
    """A search that found nothing: what the account's trees are missing."""

    __tablename__ = "empty_searches"
    __table_args__ = (Index("ix_empty_searches_account_id_created_at", "account_id", "created_at"),)

    id: Mapped[UUIDPk]
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    query: Mapped[str] = mapped_column(String(200))
