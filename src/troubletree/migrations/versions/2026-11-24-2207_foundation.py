"""foundation: users, accounts, plans, memberships, tokens, invites, audit, email outbox

Revision ID: ce2b2d3a5a06
Revises: (none)
Create Date: 2026-11-24 22:07:27.817814
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from troubletree.migrations import helpers as h

revision: str = "ce2b2d3a5a06"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The job queue's own schema, frozen: procrastinate 3.10.0's sql/schema.sql, byte for byte (the
# version pinned in pyproject.toml). It is never re-read from the installed library, so upgrading
# procrastinate changes no database by itself: a new version needs a new migration that applies
# the library's own migration files (procrastinate/sql/migrations/*.sql) between the two versions,
# kept in migrations/vendor/ as <date>_procrastinate_<version>.sql (vendor/: third-party SQL,
# copied exactly, never edited).
# tests/notifications/test_queue_schema.py fails until the schemas match again.
PROCRASTINATE_SCHEMA = (
    Path(__file__).parents[1] / "vendor" / "2026-11-24-2207_procrastinate_3.10.0.sql"
)

PLANS = [
    {"id": 1, "code": "free", "name": "Free", "max_trees": 3, "max_members": 5},
    {"id": 2, "code": "team", "name": "Team", "max_trees": 100, "max_members": 50},
    {"id": 3, "code": "enterprise", "name": "Enterprise", "max_trees": None, "max_members": None},
]


def _single_use_token(table: str, *email: h.Column) -> None:
    """Password reset and email verification links: a hash, a lifetime, used at most once."""
    op.create_table(
        table,
        h.uuid_pk(),
        h.uuid_ref("user_id"),
        *email,
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        h.timestamp("used_at"),
        h.timestamp_now(),
        h.fk(table, "user_id", "users", ondelete="CASCADE"),
        h.pk(table),
        h.unique(table, "token_hash"),
    )
    h.create_indexes(table, "user_id")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS citext")
    op.create_table(
        "plans",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("max_trees", sa.Integer(), nullable=True),
        sa.Column("max_members", sa.Integer(), nullable=True),
        h.pk("plans"),
        h.unique("plans", "code"),
    )
    op.create_table(
        "users",
        h.uuid_pk(),
        sa.Column("email", postgresql.CITEXT(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("is_superuser", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        h.timestamp("email_verified_at"),
        h.timestamp("password_changed_at"),
        h.timestamp_now("updated_at"),
        h.timestamp_now(),
        h.pk("users"),
        h.unique("users", "email"),
    )
    op.create_table(
        "accounts",
        h.uuid_pk(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("plan_id", sa.SmallInteger(), nullable=False),
        h.timestamp_now(),
        h.fk("accounts", "plan_id", "plans", ondelete=None),
        h.pk("accounts"),
        h.unique("accounts", "slug"),
    )
    _single_use_token(
        "email_verification_tokens", sa.Column("email", postgresql.CITEXT(), nullable=False)
    )
    op.create_table(
        "outbox_emails",
        h.identity_pk(),
        h.uuid_ref("user_id", nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_via", sa.String(length=10), nullable=True),
        h.timestamp("sent_at"),
        h.timestamp_now(),
        h.fk("outbox_emails", "user_id", "users", ondelete="SET NULL"),
        h.pk("outbox_emails"),
    )
    h.create_indexes("outbox_emails", "kind", "user_id")
    _single_use_token("password_reset_tokens")
    op.create_table(
        "platform_invites",
        h.uuid_pk(),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hint", sa.String(length=8), nullable=False),
        *h.use_counts(),
        h.timestamp("expires_at"),
        h.timestamp("revoked_at"),
        sa.Column("note", sa.String(length=500), nullable=True),
        h.uuid_ref("created_by", nullable=True),
        h.timestamp_now(),
        *h.use_checks("platform_invites"),
        h.fk("platform_invites", "created_by", "users", ondelete="SET NULL"),
        h.pk("platform_invites"),
        h.unique("platform_invites", "code_hash"),
    )
    op.create_table(
        "refresh_tokens",
        h.uuid_pk(),
        h.uuid_ref("user_id"),
        h.uuid_ref("family_id"),
        h.uuid_ref("parent_id", nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        h.timestamp_now(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("family_expires_at", sa.DateTime(timezone=True), nullable=False),
        h.timestamp("rotated_at"),
        h.timestamp("revoked_at"),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("created_ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        h.check("refresh_tokens", "generation_non_negative", "generation >= 0"),
        h.fk("refresh_tokens", "parent_id", "refresh_tokens", ondelete="CASCADE"),
        h.fk("refresh_tokens", "user_id", "users", ondelete="CASCADE"),
        h.pk("refresh_tokens"),
        h.unique("refresh_tokens", "parent_id"),
        h.unique("refresh_tokens", "token_hash"),
    )
    h.create_indexes("refresh_tokens", "family_id", "user_id")
    op.create_table(
        "account_invites",
        h.uuid_pk(),
        h.uuid_ref("account_id"),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hint", sa.String(length=8), nullable=False),
        h.role(),
        *h.use_counts(),
        h.timestamp("expires_at"),
        h.timestamp("revoked_at"),
        h.uuid_ref("created_by", nullable=True),
        h.timestamp_now(),
        h.role_check("account_invites"),
        *h.use_checks("account_invites"),
        h.fk("account_invites", "account_id", "accounts", ondelete="CASCADE"),
        h.fk("account_invites", "created_by", "users", ondelete="SET NULL"),
        h.pk("account_invites"),
        h.unique("account_invites", "code_hash"),
    )
    h.create_indexes("account_invites", "account_id")
    op.create_table(
        "audit_events",
        h.identity_pk(),
        h.uuid_ref("account_id", nullable=True),
        h.uuid_ref("actor_id", nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        h.jsonb("data", default="'{}'::jsonb"),
        sa.Column("ip", sa.String(length=64), nullable=True),
        h.timestamp_now(),
        h.fk("audit_events", "account_id", "accounts", ondelete="SET NULL"),
        h.fk("audit_events", "actor_id", "users", ondelete="SET NULL"),
        h.pk("audit_events"),
    )
    h.create_indexes("audit_events", "account_id", "action", "actor_id", "created_at")
    op.create_table(
        "memberships",
        h.uuid_pk(),
        h.uuid_ref("user_id"),
        h.uuid_ref("account_id"),
        h.role(),
        h.timestamp_now(),
        h.role_check("memberships"),
        h.fk("memberships", "account_id", "accounts", ondelete="CASCADE"),
        h.fk("memberships", "user_id", "users", ondelete="CASCADE"),
        h.pk("memberships"),
        h.unique("memberships", "user_id"),
    )
    h.create_indexes("memberships", "account_id")
    plans = sa.table(
        "plans",
        sa.column("id", sa.SmallInteger),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("max_trees", sa.Integer),
        sa.column("max_members", sa.Integer),
    )
    op.bulk_insert(plans, PLANS)
    # The job queue (procrastinate) that delivers the outbox: its own schema, created here so a
    # single `migrate` prepares everything.
    op.execute(PROCRASTINATE_SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    op.execute(
        "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
        "procrastinate_jobs, procrastinate_workers CASCADE"
    )
    op.execute(
        "DO $$ DECLARE r record; BEGIN "
        "FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema() LOOP "
        "EXECUTE 'DROP FUNCTION IF EXISTS ' || r.f || ' CASCADE'; END LOOP; "
        "FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typname LIKE 'procrastinate%' AND t.typtype IN ('e', 'c') "
        "AND n.nspname = current_schema() LOOP "
        "EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE'; END LOOP; END $$"
    )
    h.drop_tables(
        "memberships",
        "audit_events",
        "account_invites",
        "refresh_tokens",
        "platform_invites",
        "password_reset_tokens",
        "outbox_emails",
        "email_verification_tokens",
        "accounts",
        "users",
        "plans",
    )
